//! csv: RFC 4180, a header row, the contract's known fields as fixed columns.
//!
//! Cells that a spreadsheet would run as a formula (starting with `=`, `+`,
//! `-`, `@`, TAB or CR) get a leading `'` (OWASP CSV injection); numbers from
//! numeric fields are written as they are.
use super::{EventRenderer, ExportContext, ExportSummary, FormatError, Formatter};
use kt_domain::ParsedEvent;
use std::borrow::Cow;
use std::sync::Arc;

/// The columns, in order.
pub const COLUMNS: [&str; 23] = [
    "event_id",
    "ts",
    "tenant_id",
    "event_type",
    "request_id",
    "escalation_id",
    "config_version",
    "actor_user_id",
    "actor_app",
    "actor_ip",
    "model_provider",
    "model_name",
    "model_region",
    "decision",
    "policy_ids",
    "risk_level",
    "data_categories",
    "latency_ms",
    "tokens_input",
    "tokens_output",
    "outcome",
    "reviewer",
    "incident_id",
];

const RECORD_END: &[u8] = b"\r\n";

/// The csv formatter: a header, then one rendered row per event.
#[derive(Default)]
pub struct CsvFormatter {}

impl CsvFormatter {
    pub fn new() -> Self {
        Self {}
    }
}

/// Renders one event as a csv row (stateless, so it runs on any thread).
#[derive(Debug, Default, Clone, Copy)]
pub struct CsvRow;

/// The bytes that make a cell need quotes (RFC 4180), as a lookup table:
/// one load per byte instead of four comparisons.
const QUOTE_TRIGGERS: [bool; 256] = {
    let mut table = [false; 256];
    table[b',' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\n' as usize] = true;
    table[b'\r' as usize] = true;
    // Spreadsheets in `;` locales (es, fr, de) split a double-clicked file on `;`.
    table[b';' as usize] = true;
    table
};

fn needs_quotes(value: &str) -> bool {
    value.bytes().any(|b| QUOTE_TRIGGERS[b as usize])
}

/// What one row's cells may skip: when the event's line has no escapes or
/// control bytes and none of its strings holds a `,` or `;`
/// (`simd::plain_strings`, one pass over the line), a cell whose text lies
/// inside the line is one of its strings and needs no quotes, so it is not
/// searched byte by byte. Other cells (decoded from escapes, or from
/// elsewhere) are.
#[derive(Clone, Copy)]
struct Plain<'r> {
    line: Option<&'r [u8]>,
}

impl Plain<'_> {
    fn of(raw: &str) -> Plain<'_> {
        let line = raw.as_bytes();
        Plain {
            line: crate::scan::simd::plain_strings(line).then_some(line),
        }
    }

    /// Quotes are needed (never skipped for text outside the line).
    #[inline(always)]
    fn needs_quotes(self, value: &str) -> bool {
        let inside = self.line.is_some_and(|line| {
            let range = line.as_ptr_range();
            let v = value.as_bytes().as_ptr_range();
            range.start <= v.start && v.end <= range.end
        });
        !inside && needs_quotes(value)
    }
}

fn is_formula_start(value: &str) -> bool {
    matches!(
        value.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// Appends `value` with its quotes doubled, and a `'` after every `;` that
/// a formula would follow: a `;`-locale spreadsheet starts a cell there,
/// whatever the quotes (they count only at the start of a field).
fn escaped(out: &mut Vec<u8>, value: &str) {
    let mut after_semicolon = false;
    for part in value.split_inclusive(['"', ';']) {
        if after_semicolon && is_formula_start(part) {
            out.push(b'\'');
        }
        out.extend_from_slice(part.as_bytes());
        if part.ends_with('"') {
            out.push(b'"');
        }
        after_semicolon = part.ends_with(';');
    }
}

/// Appends one text cell (preceded by a comma unless it is the first).
fn text(out: &mut Vec<u8>, plain: Plain<'_>, value: Option<&str>, first: bool) {
    if !first {
        out.push(b',');
    }
    let Some(value) = value else { return };
    let quote = plain.needs_quotes(value);
    if quote {
        out.push(b'"');
    }
    if is_formula_start(value) {
        out.push(b'\'');
    }
    if quote {
        escaped(out, value);
        out.push(b'"');
    } else {
        out.extend_from_slice(value.as_bytes());
    }
}

/// Appends an array cell: its items joined with `;`.
fn list(out: &mut Vec<u8>, plain: Plain<'_>, items: &Option<Vec<Cow<'_, str>>>) {
    out.push(b',');
    let Some(items) = items else { return };
    let quote = items.iter().any(|i| plain.needs_quotes(i));
    if quote {
        out.push(b'"');
    }
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.push(b';');
        }
        // Every item, not only the first: in a `;` locale each is a cell.
        if is_formula_start(item) {
            out.push(b'\'');
        }
        if quote {
            escaped(out, item);
        } else {
            out.extend_from_slice(item.as_bytes());
        }
    }
    if quote {
        out.push(b'"');
    }
}

fn number(out: &mut Vec<u8>, value: Option<i64>) {
    out.push(b',');
    if let Some(n) = value {
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }
}

fn opt<'a>(v: &'a Option<Cow<'_, str>>) -> Option<&'a str> {
    v.as_deref()
}

impl EventRenderer for CsvRow {
    fn render(&self, event: &ParsedEvent<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
        let e = &event.fields;
        let actor = e.actor.as_ref();
        let model = e.model.as_ref();
        let p = Plain::of(event.raw);
        text(out, p, Some(&e.event_id), true);
        text(out, p, Some(&e.ts), false);
        text(out, p, Some(&e.tenant_id), false);
        text(out, p, Some(&e.event_type), false);
        text(out, p, opt(&e.request_id), false);
        text(out, p, opt(&e.escalation_id), false);
        text(out, p, opt(&e.config_version), false);
        text(out, p, actor.and_then(|a| opt(&a.user_id)), false);
        text(out, p, actor.and_then(|a| opt(&a.app)), false);
        text(out, p, actor.and_then(|a| opt(&a.ip)), false);
        text(out, p, model.and_then(|m| opt(&m.provider)), false);
        text(out, p, model.and_then(|m| opt(&m.name)), false);
        text(out, p, model.and_then(|m| opt(&m.region)), false);
        text(out, p, opt(&e.decision), false);
        list(out, p, &e.policy_ids);
        text(out, p, opt(&e.risk_level), false);
        list(out, p, &e.data_categories);
        number(out, e.latency_ms);
        number(out, e.tokens.and_then(|t| t.input));
        number(out, e.tokens.and_then(|t| t.output));
        text(out, p, opt(&e.outcome), false);
        text(out, p, opt(&e.reviewer), false);
        text(out, p, opt(&e.incident_id), false);
        out.extend_from_slice(RECORD_END);
        Ok(())
    }
}

impl Formatter for CsvFormatter {
    fn begin(&mut self, _ctx: &ExportContext, out: &mut Vec<u8>) -> Result<(), FormatError> {
        out.extend_from_slice(COLUMNS.join(",").as_bytes());
        out.extend_from_slice(RECORD_END);
        Ok(())
    }

    fn renderer(&self) -> Option<Arc<dyn EventRenderer>> {
        Some(Arc::new(CsvRow))
    }

    fn event(&mut self, event: &ParsedEvent<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
        CsvRow.render(event, out)
    }

    fn finish(
        &mut self,
        _ctx: &ExportContext,
        _summary: &ExportSummary,
        _out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
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
}
