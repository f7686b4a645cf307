//! The csv formatter: columns, empty cells, RFC 4180 quoting, formula
//! neutralisation, and the quote-search shortcut of plain lines.
use super::*;
use crate::formats::test_support::{context, parsed};

fn rows(lines: &[&str]) -> Vec<Vec<String>> {
    let ctx = context(kt_domain::ExportFormat::Csv);
    let mut f = CsvFormatter::new();
    let mut out = Vec::new();
    f.begin(&ctx, &mut out).unwrap();
    for line in lines {
        f.event(&parsed(line), &mut out).unwrap();
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&out[..]);
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn header_and_a_full_event_flatten_to_the_fixed_columns() {
    let line = r#"{"event_id":"e1","ts":"2026-05-01T08:02:14.503Z","tenant_id":"acme","event_type":"policy.decision","request_id":"r1","escalation_id":"esc","config_version":"cfg_v41","actor":{"user_id":"u1","app":"bot","ip":"198.51.100.24"},"model":{"provider":"openai","name":"gpt-4o","region":"us-east-1"},"decision":"redact","policy_ids":["a","b"],"risk_level":"medium","data_categories":["email","phone"],"latency_ms":388,"tokens":{"input":180,"output":260},"outcome":"ok","reviewer":"rv","incident_id":"inc","extra":1}"#;
    let rows = rows(&[line]);
    assert_eq!(rows[0], COLUMNS.map(String::from).to_vec());
    assert_eq!(
        rows[1],
        [
            "e1",
            "2026-05-01T08:02:14.503Z",
            "acme",
            "policy.decision",
            "r1",
            "esc",
            "cfg_v41",
            "u1",
            "bot",
            "198.51.100.24",
            "openai",
            "gpt-4o",
            "us-east-1",
            "redact",
            "a;b",
            "medium",
            "email;phone",
            "388",
            "180",
            "260",
            "ok",
            "rv",
            "inc"
        ]
    );
}

#[test]
fn absent_and_null_fields_are_empty_cells_and_empty_arrays_too() {
    let line = r#"{"event_id":"e1","ts":"2026-05-01T08:00:00.000Z","tenant_id":"acme","event_type":"x","request_id":null,"policy_ids":[],"actor":{"app":"bot"}}"#;
    let row = &rows(&[line])[1];
    assert_eq!(row.len(), 23);
    assert_eq!(row[4], "");
    assert_eq!(row[7], "");
    assert_eq!(row[8], "bot");
    assert_eq!(row[14], "");
    assert!(row[15..].iter().all(String::is_empty));
}

#[test]
fn commas_quotes_and_newlines_are_quoted_per_rfc_4180() {
    let line = r#"{"event_id":"e1","ts":"2026-05-01T08:00:00.000Z","tenant_id":"acme","event_type":"x","outcome":"a,b \"c\"\r\nd","reviewer":"plain"}"#;
    let out = {
        let mut f = CsvFormatter::new();
        let mut out = Vec::new();
        f.event(&parsed(line), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    assert!(
        out.contains(
            r#","a,b ""c""
d",plain,"#
                .replace('\n', "\r\n")
                .as_str()
        ),
        "{out}"
    );
    assert_eq!(rows(&[line])[1][20], "a,b \"c\"\r\nd");
}

#[test]
fn formula_like_text_is_neutralised_but_numbers_are_not() {
    let line = r#"{"event_id":"=HYPERLINK(\"x\")","ts":"2026-05-01T08:00:00.000Z","tenant_id":"acme","event_type":"+1","request_id":"-2","config_version":"@SUM(A1)","reviewer":"\tx","outcome":"\rx","policy_ids":["=a","b"],"latency_ms":-5,"incident_id":"a=b"}"#;
    let row = &rows(&[line])[1];
    assert_eq!(row[0], "'=HYPERLINK(\"x\")");
    assert_eq!(row[3], "'+1");
    assert_eq!(row[4], "'-2");
    assert_eq!(row[6], "'@SUM(A1)");
    assert_eq!(row[21], "'\tx");
    assert_eq!(row[20], "'\rx");
    assert_eq!(row[14], "'=a;b");
    assert_eq!(row[17], "-5");
    assert_eq!(row[22], "a=b");
}

#[test]
fn semicolons_are_quoted_and_every_list_item_is_neutralised() {
    // `;` in every text column and formula-like items in both list columns.
    let text = r#"a;=HYPERLINK(\"http://x\")"#;
    let mut line = String::from("{");
    let text_fields = [
        "event_id",
        "tenant_id",
        "event_type",
        "request_id",
        "escalation_id",
        "config_version",
        "decision",
        "risk_level",
        "outcome",
        "reviewer",
        "incident_id",
    ];
    for f in text_fields {
        line.push_str(&format!(r#""{f}":"{text}","#));
    }
    line.push_str(&format!(
        r#""actor":{{"user_id":"{text}","app":"{text}","ip":"{text}"}},"model":{{"provider":"{text}","name":"{text}","region":"{text}"}},"#
    ));
    line.push_str(r#""ts":"2026-05-01T08:00:00.000Z","policy_ids":["a","=1+1","@x"],"data_categories":["-2","b;+c"]}"#);
    let out = {
        let mut f = CsvFormatter::new();
        let mut out = Vec::new();
        f.event(&parsed(&line), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    // Read as a `;`-locale spreadsheet would: no cell starts a formula.
    for cell in out.trim_end().split(';') {
        assert!(!is_formula_start(cell), "formula cell {cell:?} in {out}");
    }
    let row = &rows(&[&line])[1];
    let neutral = "a;'=HYPERLINK(\"http://x\")";
    for column in [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 20, 21, 22] {
        assert_eq!(row[column], neutral, "column {}", COLUMNS[column]);
    }
    assert_eq!(row[14], "a;'=1+1;'@x");
    assert_eq!(row[16], "'-2;b;'+c");
}

#[test]
fn cells_without_semicolons_or_formulas_are_unchanged() {
    let line = r#"{"event_id":"e1","ts":"2026-05-01T08:00:00.000Z","tenant_id":"acme","event_type":"x","policy_ids":["p1","p2"],"data_categories":["email"]}"#;
    let mut f = CsvFormatter::new();
    let mut out = Vec::new();
    f.event(&parsed(line), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with("e1,2026-05-01T08:00:00.000Z,acme,x,,,,,,,,,,,p1;p2,,email,"),
        "{out}"
    );
}

/// Every text of `e` copied out of the line, so no cell can be skipped.
fn detached(e: &kt_domain::Event<'_>) -> kt_domain::Event<'static> {
    let own = |v: &Option<Cow<'_, str>>| v.as_ref().map(|v| Cow::Owned(v.to_string()));
    let own_list = |v: &Option<Vec<Cow<'_, str>>>| {
        v.as_ref()
            .map(|items| items.iter().map(|i| Cow::Owned(i.to_string())).collect())
    };
    kt_domain::Event {
        event_id: Cow::Owned(e.event_id.to_string()),
        ts: Cow::Owned(e.ts.to_string()),
        tenant_id: Cow::Owned(e.tenant_id.to_string()),
        event_type: Cow::Owned(e.event_type.to_string()),
        request_id: own(&e.request_id),
        escalation_id: own(&e.escalation_id),
        config_version: own(&e.config_version),
        actor: e.actor.as_ref().map(|a| kt_domain::Actor {
            user_id: own(&a.user_id),
            app: own(&a.app),
            ip: own(&a.ip),
        }),
        model: e.model.as_ref().map(|m| kt_domain::Model {
            provider: own(&m.provider),
            name: own(&m.name),
            region: own(&m.region),
        }),
        decision: own(&e.decision),
        policy_ids: own_list(&e.policy_ids),
        risk_level: own(&e.risk_level),
        data_categories: own_list(&e.data_categories),
        latency_ms: e.latency_ms,
        tokens: e.tokens,
        outcome: own(&e.outcome),
        reviewer: own(&e.reviewer),
        incident_id: own(&e.incident_id),
    }
}

#[test]
fn rows_of_plain_lines_skip_the_search_and_still_match_the_cell_by_cell_rows() {
    let values = [
        "plain",
        "a,b",
        "a;b",
        "=1+1",
        "-2",
        "@x",
        "x\\\"q\\\"",
        "tab\\tx",
        "é,ü",
        "",
        "long text without separators at all, well, with one",
        "end;",
    ];
    let mut checked = 0;
    for (n, a) in values.iter().enumerate() {
        for b in values.iter().skip(n % 3) {
            let line = format!(
                r#"{{"event_id":"e{n}","ts":"2026-05-01T08:00:00.000Z","tenant_id":"acme","event_type":"{a}","actor":{{"app":"{b}","ip":"1.2.3.4"}},"policy_ids":["{a}","{b}"],"note":"x,y;z","latency_ms":5,"outcome":"{b}"}}"#
            );
            let event = parsed(&line);
            let mut fast = Vec::new();
            CsvRow.render(&event, &mut fast).unwrap();
            let slow_event = ParsedEvent {
                raw: event.raw,
                fields: detached(&event.fields),
                ts_ms: 0,
            };
            let mut slow = Vec::new();
            CsvRow.render(&slow_event, &mut slow).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&slow),
                "{line}"
            );
            // As the readers render: with what the scanner's pass found.
            let mut scanned_fields = kt_domain::Event::required("", "", "", "");
            let facts = match crate::scan::scan_event_into(
                &line,
                crate::scan::Want::All,
                &mut scanned_fields,
            ) {
                Some(plain_strings) => LineFacts { plain_strings },
                None => LineFacts::default(),
            };
            assert_eq!(
                facts.plain_strings,
                crate::scan::simd::plain_strings(line.as_bytes()),
                "{line}"
            );
            let mut scanned = Vec::new();
            CsvRow.render_scanned(&event, facts, &mut scanned).unwrap();
            assert_eq!(fast, scanned, "{line}");
            checked += 1;
        }
    }
    assert!(checked > 100);
    // The fast path is taken only when no string of the line has a separator.
    let plain = r#"{"event_id":"e1","ts":"t","tenant_id":"acme","event_type":"x","n":[1,2]}"#;
    assert!(crate::scan::simd::plain_strings(plain.as_bytes()));
    for not_plain in [
        r#"{"event_id":"e,1"}"#,
        r#"{"event_id":"e;1"}"#,
        r#"{"event_id":"e\"1"}"#,
    ] {
        assert!(
            !crate::scan::simd::plain_strings(not_plain.as_bytes()),
            "{not_plain}"
        );
    }
    // A string across the first block's end: the separator after it is outside.
    let across = format!(r#"{{"a":"{}","b":"{}"}}"#, "x".repeat(70), "y".repeat(60));
    assert!(crate::scan::simd::plain_strings(across.as_bytes()));
    let long = format!(r#"{{"a":"{}","b":"{},"}}"#, "x".repeat(70), "y".repeat(60));
    assert!(
        !crate::scan::simd::plain_strings(long.as_bytes()),
        "a comma in the second block's string"
    );
}

#[test]
fn short_cells_are_copied_whole_at_every_length() {
    let text: Vec<u8> = (0..80u8).map(|i| b'a' + i % 26).collect();
    for len in 0..=text.len() {
        for offset in [0, 1, 7] {
            let cell = &text[offset..][..len.min(text.len() - offset)];
            let mut out = b"x,".to_vec();
            out.reserve(offset); // a buffer whose spare capacity varies
            append(&mut out, cell);
            let mut expected = b"x,".to_vec();
            expected.extend_from_slice(cell);
            assert_eq!(out, expected, "length {len} from {offset}");
        }
    }
}
