//! The record written as the line is read against the record encoded from
//! the line's `Event`: the same bytes whenever the direct path answers,
//! and the output left as it was when it does not.
use super::super::{Seeds, renderer};
use crate::formats::reports::sample::SeedState;
use crate::formatter::Required;
use crate::scan::tests::{BASE, lake_lines, on_mutated_lines, reordered};
use crate::scan::{Want, scan_event};
use kt_domain::ParsedEvent;

const EARLIER: &[u8] = b"earlier record";
const TS_MS: i64 = 1_777_777_777_123;

fn seeded() -> std::sync::Arc<dyn crate::formatter::EventRenderer> {
    let seeds = Seeds::default();
    let states = ["acme|aesia|w", "acme|aepd|w", "acme|ens|w"].map(SeedState::new);
    seeds.set(states.to_vec()).unwrap();
    renderer(seeds)
}

/// Checks one line; whether the direct path answered.
fn agrees(line: &str) -> bool {
    let r = seeded();
    let mut out = EARLIER.to_vec();
    let Some(required) = r.render_line(line, &mut out) else {
        assert_eq!(out, EARLIER, "{line}");
        return false;
    };
    r.complete_line(&mut out, EARLIER.len(), TS_MS, required.event_id)
        .unwrap();
    let fields =
        scan_event(line, Want::All).expect("the direct path reads only what the scanner reads");
    let event = ParsedEvent {
        raw: line,
        fields,
        ts_ms: TS_MS,
    };
    let mut expected = EARLIER.to_vec();
    r.render(&event, &mut expected).unwrap();
    assert_eq!(out, expected, "{line}");
    assert_eq!(required, Required::of(&event.fields), "{line}");
    true
}

#[test]
fn the_producers_lines_are_recorded_directly_with_the_event_paths_bytes() {
    let lines = lake_lines();
    let direct = lines.iter().filter(|l| agrees(l)).count();
    assert!(direct > 1_900, "only {direct} of {}", lines.len());
    assert!(agrees(BASE));
    // Fields left out, nulls, and strings with separators (not plain for csv).
    for line in [
        r#"{"event_id":"e","ts":"t","tenant_id":"a","event_type":"x"}"#,
        r#"{"event_id":"e","ts":"t","tenant_id":"a","event_type":"x,y;z","actor":null,"model":{"name":"m"},"tokens":{"output":3},"reviewer":"r"}"#,
        r#"{"event_id":"e","ts":"t","tenant_id":"a","event_type":"x","escalation_id":"s","policy_ids":["p","q,r"],"data_categories":null,"latency_ms":null,"incident_id":""}"#,
    ] {
        assert!(agrees(line), "{line}");
    }
}

#[test]
fn other_key_orders_take_the_event_path() {
    let value: serde_json::Value = serde_json::from_str(BASE).unwrap();
    for sep in ["", " "] {
        assert!(!agrees(&reordered(&value, sep)));
    }
}

#[test]
fn whatever_the_direct_path_records_the_event_path_records() {
    on_mutated_lines(40_000, 13, agrees);
}
