//! The row written as the line is read against the row rendered from the
//! line's `Event`: the same bytes whenever the direct path answers, and the
//! output left as it was when it does not.
use super::super::CsvRow;
use crate::formatter::{EventRenderer, LineFacts, Required};
use crate::scan::tests::{BASE, lake_lines, on_mutated_lines, reordered};
use crate::scan::{Want, scan_event_into};
use kt_domain::{Event, ParsedEvent};

/// What the direct path wrote (after a row already in the buffer), or
/// `None`, having checked that it then left the buffer as it was.
fn direct(line: &str) -> Option<(Vec<u8>, Required<'_>)> {
    let mut out = b"earlier row\r\n".to_vec();
    let required = CsvRow.render_line(line, &mut out);
    let Some(required) = required else {
        assert_eq!(out, b"earlier row\r\n", "{line}");
        return None;
    };
    Some((out.split_off(13), required))
}

/// The row as the `Event` path renders it, when the scanner reads the line.
fn from_event(line: &str) -> Option<(Vec<u8>, Event<'_>)> {
    let mut fields = Event::required("", "", "", "");
    let plain_strings = scan_event_into(line, Want::All, &mut fields)?;
    let event = ParsedEvent {
        raw: line,
        fields,
        ts_ms: 0,
    };
    let mut out = Vec::new();
    let facts = LineFacts { plain_strings };
    CsvRow.render_scanned(&event, facts, &mut out).unwrap();
    Some((out, event.fields))
}

/// Checks one line; whether the direct path answered.
fn agrees(line: &str) -> bool {
    let Some((row, required)) = direct(line) else {
        return false;
    };
    let (expected, event) =
        from_event(line).expect("the direct path reads only what the scanner reads");
    assert_eq!(
        String::from_utf8_lossy(&row),
        String::from_utf8_lossy(&expected),
        "{line}"
    );
    assert_eq!(required, Required::of(&event), "{line}");
    true
}

#[test]
fn the_producers_lines_are_written_directly_with_the_event_paths_bytes() {
    let lines = lake_lines();
    let direct_rows = lines.iter().filter(|l| agrees(l)).count();
    // Every line but the malformed ones and those with escapes or separators.
    assert!(direct_rows > 1_800, "only {direct_rows} of {}", lines.len());
    assert!(
        agrees(BASE),
        "the reference line's fields are in column order"
    );
}

#[test]
fn other_key_orders_and_separators_in_strings_take_the_event_path() {
    let value: serde_json::Value = serde_json::from_str(BASE).unwrap();
    for sep in ["", " "] {
        let reversed = reordered(&value, sep);
        assert!(direct(&reversed).is_none(), "{reversed}");
        assert!(from_event(&reversed).is_some(), "{reversed}");
    }
    for line in [
        BASE.replace("\"bot\"", "\"b,ot\""),
        BASE.replace("\"bot\"", "\"b;ot\""),
        BASE.replace("\"bot\"", "\"b\\\"ot\""),
    ] {
        assert!(direct(&line).is_none(), "{line}");
    }
    // Fields left out and fields out of the producer's habits, in column order.
    for line in [
        r#"{"event_id":"e","ts":"t","tenant_id":"a","event_type":"x"}"#,
        r#"{"event_id":"e","ts":"t","tenant_id":"a","event_type":"=x","incident_id":"-1"}"#,
        r#"{"event_id":"e","ts":"t","tenant_id":"a","event_type":"x","actor":null,"model":{"name":"m"},"tokens":{"output":3}}"#,
        r#"{"event_id":"e","ts":"t","tenant_id":"a","event_type":"x","escalation_id":"s","policy_ids":["@p","q"],"data_categories":null,"reviewer":"+r"}"#,
        r#"{"event_id":"e","ts":"t","tenant_id":"a","event_type":"x","outcome":"-","reviewer":"=","incident_id":""}"#,
    ] {
        assert!(agrees(line), "{line}");
    }
}

#[test]
fn whatever_the_direct_path_writes_the_event_path_writes() {
    on_mutated_lines(40_000, 11, agrees);
}
