//! The straight pass reads what the general walk reads, the same fields, on
//! the lake's lines and on mutated ones; it answers for the producer's own
//! lines and leaves every other layout to the general walk (which the
//! scanner's tests hold to serde).
use crate::formatter::Required;
use crate::scan::sink::EventSink;
use crate::scan::tests::{BASE, lake_lines, mutated_lines, reordered};
use crate::scan::{FieldSink, RequiredSink, Scanner, simd};
use kt_domain::Event;

/// `read` (one of the two walks) alone over `line` into `sink`: whether it
/// read the whole line.
fn alone<'a, S: FieldSink<'a>>(
    line: &'a str,
    sink: &mut S,
    read: impl FnOnce(&mut Scanner<'a, '_>, &mut S) -> Option<()>,
) -> Option<()> {
    let mut quotes = Vec::new();
    simd::classify(line.as_bytes(), &mut quotes)?;
    let mut s = Scanner {
        src: line,
        b: line.as_bytes(),
        quotes: &quotes,
        i: 0,
    };
    read(&mut s, sink)?;
    (s.i == line.len()).then_some(())
}

/// Whether the straight pass alone reads `line`, and the required fields it read.
fn straight(line: &str) -> Option<Required<'_>> {
    let mut sink = RequiredSink(Required::NONE);
    alone(line, &mut sink, |s, sink| s.producer_event(sink))?;
    Some(sink.0)
}

/// The line's fields as `read` (one of the two walks) gives them to an
/// `Event`, when it reads the whole line.
fn read_with<'a>(
    line: &'a str,
    read: impl FnOnce(&mut Scanner<'a, '_>, &mut EventSink<'_, 'a, true>) -> Option<()>,
) -> Option<Event<'a>> {
    let mut event = Event::required("", "", "", "");
    alone(line, &mut EventSink { event: &mut event }, read)?;
    Some(event)
}

/// Whether the straight pass read `line`; when it did, the general walk
/// must read the same fields.
fn same_as_the_general_walk(line: &str) -> bool {
    let Some(straight) = read_with(line, |s, sink| s.producer_event(sink)) else {
        return false;
    };
    let general = read_with(line, |s, sink| s.event(sink));
    assert_eq!(Some(straight), general, "{line}");
    true
}

#[test]
fn what_the_straight_pass_reads_the_general_walk_reads_the_same() {
    let lake = lake_lines();
    let straight = lake.iter().filter(|l| same_as_the_general_walk(l)).count();
    assert!(straight > 1_800, "{straight} of {}", lake.len());
    // Mutated lines: the pass must take enough of them, and leave enough,
    // for the comparison to mean something.
    let mutated: Vec<String> = mutated_lines(20_000, 7).collect();
    let straight = mutated
        .iter()
        .filter(|l| same_as_the_general_walk(l))
        .count();
    assert!(
        (2_000..18_000).contains(&straight),
        "{straight} of {}",
        mutated.len()
    );
}

#[test]
fn the_producers_lines_take_the_straight_pass() {
    let lines = lake_lines();
    let plain: Vec<&String> = lines
        .iter()
        .filter(|l| !l.contains('\\') && serde_json::from_str::<kt_domain::Event>(l).is_ok())
        .collect();
    assert!(plain.len() > 1_800, "{} lines", plain.len());
    // Every one: escalation resolutions too, whose `reviewer` the producer
    // writes before `risk_level` and `outcome` (read early).
    for line in &plain {
        let required = straight(line).unwrap_or_else(|| panic!("{line}"));
        assert!(line.contains(&format!(r#""event_id":"{}""#, required.event_id)));
    }
    assert!(
        plain
            .iter()
            .any(|l| l.contains(r#""reviewer":"u_sec_2","risk_level""#))
    );
    let compact = r#"{"event_id":"e1","ts":"2026-05-01T08:02:14.503Z","tenant_id":"acme","event_type":"policy.decision","request_id":null,"actor":{"user_id":"u1","app":"bot","ip":null},"model":null,"decision":"redact","policy_ids":["a","b"],"data_categories":[],"latency_ms":0,"tokens":{"input":180,"output":null},"outcome":"ok","client":{"sdk":"x"},"note":"n"}"#;
    let required = straight(compact).expect("the producer's layout");
    assert_eq!(
        (required.event_id, required.ts, required.tenant_id),
        ("e1", "2026-05-01T08:02:14.503Z", "acme")
    );
}

#[test]
fn other_layouts_and_values_are_left_to_the_general_walk() {
    let value: serde_json::Value = serde_json::from_str(BASE).unwrap();
    let base_compact = BASE
        .replace(r#","x":[1,{"y":null}]"#, "")
        .replace("-388", "388");
    assert!(
        straight(&base_compact).is_none(),
        "BASE's `extra` holds numbers"
    );
    let base_compact = base_compact.replace(r#","extra":{"n":1.5e-3,"t":true,"f":false}"#, "");
    assert!(straight(&base_compact).is_some(), "{base_compact}");
    let early = base_compact.replace(
        r#""risk_level":"medium""#,
        r#""reviewer":"u2","risk_level":"medium""#,
    );
    assert!(straight(&early).is_some(), "{early}");
    for line in [
        reordered(&value, ""),
        base_compact.replace(r#","ts":"#, r#", "ts":"#),
        base_compact.replace(r#""ts":"#, r#""ts": "#),
        base_compact.replace("388", "-388"),
        base_compact.replace("388", "0388"),
        base_compact.replace("388", "3.5"),
        base_compact.replace(r#""risk_level":"medium","#, "") + "x",
        base_compact.replace(r#""outcome":"ok""#, r#""outcome":"ok","event_id":"e2""#),
        base_compact.replace(r#""outcome":"ok""#, r#""outcome":"ok","request_id":"r2""#),
        base_compact.replace(r#""decision":"redact""#, r#""decision":1"#),
        base_compact.replace(r#""event_id":"e1""#, r#""event_id":null"#),
        base_compact.replace("388", "9223372036854775808"),
        base_compact.replace("388", "1234567890123456789"),
        base_compact.replace(r#""input":180"#, r#""input":99999999999999999999"#),
        base_compact.clone() + " ",
        // One field read early a line, and never twice.
        base_compact.replace(
            r#""risk_level":"medium""#,
            r#""reviewer":"u2","incident_id":"i1","risk_level":"medium""#,
        ),
        base_compact.replace(
            r#""risk_level":"medium""#,
            r#""reviewer":"u2","risk_level":"medium","reviewer":"u3""#,
        ),
    ] {
        assert!(straight(&line).is_none(), "{line}");
    }
}
