//! A record gives back the event its line parses to, and a damaged one an error.
use super::*;
use crate::scan::Want;

fn parsed(line: &str) -> ParsedEvent<'_> {
    ParsedEvent {
        raw: line,
        fields: crate::validate::fields(line, Want::All).unwrap(),
        ts_ms: 1_777_777_777_123,
    }
}

const LINES: &[&str] = &[
    r#"{"event_id":"evt_1","ts":"2026-05-01T10:00:00.000Z","tenant_id":"acme","event_type":"gateway.request"}"#,
    r#"{"event_id":"evt_2","ts":"2026-05-01T10:00:00.000Z","tenant_id":"acme","event_type":"gateway.request","request_id":"req_1","escalation_id":"esc_1","config_version":"cfg","actor":{"user_id":"u_1","app":"chat","ip":"10.0.0.1"},"model":{"provider":"openai","name":"gpt","region":"eu-west-1"},"decision":"allow","policy_ids":["p1","p2"],"risk_level":"high","data_categories":[],"latency_ms":-12,"tokens":{"input":3,"output":null},"outcome":"ok","reviewer":"rev","incident_id":"inc_1","extra":{"x":[1,2]}}"#,
    r#"{"event_id":"evt_\u00e9\"3","ts":"2026-05-01T10:00:00.000Z","tenant_id":"acme","event_type":"a\\b","actor":{},"model":{"name":"n\nm"},"policy_ids":["\ud83d\ude00","plain"],"tokens":{},"decision":null}"#,
    r#"{"event_id":"évènement","ts":"2026-05-01T10:00:00.000Z","tenant_id":"acme","event_type":"x","data_categories":["email","\t"],"latency_ms":9007199254740993}"#,
];

#[test]
fn a_record_decodes_to_the_event_its_line_parses_to() {
    for line in LINES {
        let event = parsed(line);
        let mut record = b"previous record".to_vec();
        let start = record.len();
        encode(&event, &[], &mut record).unwrap();
        let (back, priorities) = decode(&record[start..]).unwrap();
        assert_eq!(back.raw, event.raw);
        assert_eq!(back.ts_ms, event.ts_ms);
        assert_eq!(back.fields, event.fields, "{line}");
        assert!(priorities.is_empty());
    }
}

#[test]
fn a_record_gives_back_the_sample_priorities_the_reader_computed() {
    let event = parsed(LINES[1]);
    let seeds: Vec<_> = ["acme|aesia|w", "acme|aepd|w"]
        .iter()
        .map(|s| crate::formats::reports::sample::SeedState::new(s))
        .collect();
    let expected: Vec<u64> = ["acme|aesia|w", "acme|aepd|w"]
        .iter()
        .map(|s| crate::formats::reports::sample::priority(s, "evt_2"))
        .collect();
    // Before the formatter has begun, the renderer knows no seeds.
    let known = Seeds::default();
    let unknown_yet = renderer(known.clone());
    let mut record = Vec::new();
    unknown_yet.render(&event, &mut record).unwrap();
    assert!(decode(&record).unwrap().1.is_empty());
    known.set(seeds).unwrap();
    record.clear();
    unknown_yet.render(&event, &mut record).unwrap();
    let (back, priorities) = decode(&record).unwrap();
    assert_eq!(back.fields, event.fields);
    assert_eq!(priorities.as_slice(), expected.as_slice());
}

#[test]
fn escaped_text_is_stored_whole_and_plain_text_as_a_slice_of_the_line() {
    let event = parsed(LINES[2]);
    assert!(matches!(event.fields.event_id, Cow::Owned(_)));
    let mut record = Vec::new();
    encode(&event, &[], &mut record).unwrap();
    // The decoded id is stored as itself: its bytes follow the line in the record.
    let after_line = &record[12 + LINES[2].len()..];
    assert_eq!(after_line[0], WHOLE);
    assert!(
        record
            .windows("evt_é\"3".len())
            .any(|w| w == "evt_é\"3".as_bytes())
    );
    // A plain id is a slice: nothing after the line repeats it.
    let plain = parsed(LINES[0]);
    let mut record = Vec::new();
    encode(&plain, &[], &mut record).unwrap();
    assert_eq!(record[12 + LINES[0].len()], SHORT_SLICE);
    assert_eq!(record.windows(5).filter(|w| w == b"evt_1").count(), 1);
}

#[test]
fn a_long_string_or_one_far_into_the_line_is_a_long_slice_and_reads_back() {
    let long_decision = "d".repeat(300);
    let filler = "x".repeat(70_000);
    let line = format!(
        r#"{{"event_id":"evt_1","ts":"2026-05-01T10:00:00.000Z","tenant_id":"acme","event_type":"gateway.request","decision":"{long_decision}","note":"{filler}","incident_id":"inc_far"}}"#
    );
    let event = parsed(&line);
    let mut record = Vec::new();
    encode(&event, &[], &mut record).unwrap();
    let (back, _) = decode(&record).unwrap();
    assert_eq!(back.fields, event.fields);
    assert_eq!(back.fields.incident_id.as_deref(), Some("inc_far"));
    assert_eq!(
        back.fields.decision.as_deref(),
        Some(long_decision.as_str())
    );
    // Each form, written directly, at the bounds of the short one.
    let tags: Vec<u8> = [
        (0, 5),
        (0, 255),
        (0, 256),
        (65_535, 1),
        (65_536, 1),
        (70_000, 7),
    ]
    .into_iter()
    .map(|(at, len)| {
        let mut out = Vec::new();
        let mut w = Writer {
            line: line.as_ptr() as usize..line.as_ptr() as usize + line.len(),
            out: &mut out,
        };
        w.string(&line[at..at + len]).unwrap();
        out[0]
    })
    .collect();
    assert_eq!(
        tags,
        [SHORT_SLICE, SHORT_SLICE, SLICE, SHORT_SLICE, SLICE, SLICE]
    );
}

#[test]
fn a_damaged_record_is_an_error_not_a_panic() {
    let mut record = Vec::new();
    encode(&parsed(LINES[1]), &[3, u64::MAX], &mut record).unwrap();
    for cut in 0..record.len() {
        assert!(decode(&record[..cut]).is_err(), "cut at {cut}");
    }
    let mut longer = record.clone();
    longer.push(0);
    assert!(decode(&longer).is_err());
    // An unknown tag where a string's is.
    let mut unknown = record.clone();
    let at = 12 + LINES[1].len();
    assert_eq!(unknown[at], SHORT_SLICE);
    unknown[at] = 7;
    assert!(decode(&unknown).is_err());
    // A slice that points past the line.
    let mut bad = Vec::new();
    encode(&parsed(LINES[0]), &[], &mut bad).unwrap();
    let at = 12 + LINES[0].len() + 1;
    bad[at..at + 2].copy_from_slice(&u16::MAX.to_le_bytes());
    assert!(decode(&bad).is_err());
    // A long slice that points past the line.
    let far = format!(
        r#"{{"event_id":"{}","ts":"2026-05-01T10:00:00.000Z","tenant_id":"acme","event_type":"x"}}"#,
        "e".repeat(300)
    );
    let mut bad = Vec::new();
    encode(&parsed(&far), &[], &mut bad).unwrap();
    let at = 12 + far.len();
    assert_eq!(bad[at], SLICE);
    assert!(decode(&bad).is_ok());
    bad[at + 1..at + 5].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(decode(&bad).is_err());
}
