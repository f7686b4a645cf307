//! Line validation: what makes a lake line an event we export, and the reason
//! (in words a person understands) when it is not.
use super::check::EventCheck;
use super::formatter::{LineFacts, Required};
use super::scan::{Want, scan_event_into};
use kt_domain::Event;

mod timestamp;
use timestamp::{NANOS_PER_HOUR, format_hour, ts_in_hour};
pub(crate) use timestamp::{PartitionHour, parse_utc_timestamp};

/// A line that passed every check, borrowed from the line.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct Accepted<'a> {
    pub raw: &'a str,
    /// Every known field with [`Want::All`], the required ones with [`Want::Required`].
    pub event: Event<'a>,
    /// `ts` as nanoseconds since the Unix epoch (UTC).
    pub ts_ns: i64,
}

/// Checks one line (without its newline) of an object in the partition of
/// `tenant` whose hour starts at `hour_start_ns`.
#[cfg(test)]
pub(crate) fn check_line<'a>(
    line: &'a [u8],
    tenant: &str,
    hour_start_ns: i64,
    want: Want,
) -> Result<Accepted<'a>, String> {
    let mut event = Event::required("", "", "", "");
    let hour = PartitionHour::starting(hour_start_ns);
    let raw = text(line)?;
    let (ts_ns, _) = check_line_into(raw, tenant, &hour, want, &mut event)?;
    Ok(Accepted { raw, event, ts_ns })
}

/// [`check_line`] of a line already known to be text ([`text`]), into a
/// fresh `event` (`Event::required("", "", "", "")`), filled in place (see
/// `scan::scan_event_into`); returns `ts` in nanoseconds and what the check
/// found out about the line.
pub(crate) fn check_line_into<'a>(
    raw: &'a str,
    tenant: &str,
    hour: &PartitionHour,
    want: Want,
    event: &mut Event<'a>,
) -> Result<(i64, LineFacts), String> {
    let facts = fields_into(raw, want, event)?;
    let ts_ns = check_required(&Required::of(event), tenant, hour)?;
    Ok((ts_ns, facts))
}

/// The line as text, or why it is not.
pub(crate) fn text(line: &[u8]) -> Result<&str, String> {
    utf8(line).map_err(|e| format!("not valid UTF-8 (at byte {})", e.valid_up_to()))
}

/// The checks on the required fields (the same whichever way the line was
/// read): `ts` in nanoseconds, or why the line is rejected.
pub(crate) fn check_required(
    r: &Required<'_>,
    tenant: &str,
    hour: &PartitionHour,
) -> Result<i64, String> {
    if r.event_id.is_empty() {
        return Err("required field `event_id` is empty".into());
    }
    if r.event_type.is_empty() {
        return Err("required field `event_type` is empty".into());
    }
    let ts_ns = ts_in_hour(r.ts.as_bytes(), hour)
        .or_else(|| parse_utc_timestamp(r.ts))
        .ok_or_else(|| {
            format!(
                "`ts` {:?} is not an RFC 3339 UTC timestamp like 2026-05-01T13:45:12.123Z",
                r.ts
            )
        })?;
    if r.tenant_id != tenant {
        // Not quoted: it may be another tenant's name, and this reason is
        // shown to the partition's tenant.
        return Err(format!(
            "`tenant_id` is not the partition's tenant {tenant:?}"
        ));
    }
    if !(hour.start_ns..hour.start_ns + NANOS_PER_HOUR).contains(&ts_ns) {
        return Err(format!(
            "`ts` {} is outside its partition's hour (starting {})",
            r.ts,
            format_hour(hour.start_ns)
        ));
    }
    Ok(ts_ns)
}

/// The line's fields: by the scanner when it is sure, else by serde.
pub(crate) fn fields(raw: &str, want: Want) -> Result<Event<'_>, String> {
    let mut event = Event::required("", "", "", "");
    fields_into(raw, want, &mut event)?;
    Ok(event)
}

/// [`fields`] into a fresh `event`, in place (nothing is known of a line
/// that serde decides).
fn fields_into<'a>(raw: &'a str, want: Want, event: &mut Event<'a>) -> Result<LineFacts, String> {
    match scan_event_into(raw, want, event) {
        Some(plain_strings) => Ok(LineFacts { plain_strings }),
        None => {
            *event = parse_event(raw, want)?;
            Ok(LineFacts::default())
        }
    }
}

/// The serde path: what the scanner left to it, with serde's verdict worded
/// for people. `Required` checks every field's type without building values.
fn parse_event(raw: &str, want: Want) -> Result<Event<'_>, String> {
    match want {
        Want::All => serde_json::from_str(raw),
        Want::Required => serde_json::from_str::<EventCheck>(raw).map(EventCheck::into_event),
    }
    .map_err(|e| describe_json_error(&e))
}

fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof => format!("not valid JSON: {e}"),
        Category::Data => {
            let msg = e.to_string();
            if msg.starts_with("missing field") {
                format!(
                    "required field {}",
                    msg.trim_start_matches("missing field ")
                )
                .replace(" at line", " is missing (at line")
                    + ")"
            } else if msg.starts_with("invalid type: map") && e.column() <= 1 {
                format!("not a JSON object: {msg}")
            } else {
                format!("a field has the wrong type or value: {msg}")
            }
        }
        Category::Io => format!("unreadable: {e}"),
    }
}

/// `std::str::from_utf8` with a SIMD check first; std only tells where an
/// invalid line goes wrong.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => std::str::from_utf8(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Want;

    const HOUR_0800: i64 = 1_777_622_400 * 1_000_000_000; // 2026-05-01T08:00:00Z

    fn line(ts: &str) -> String {
        format!(
            r#"{{"event_id":"e1","ts":"{ts}","tenant_id":"acme","event_type":"gateway.request"}}"#
        )
    }

    #[test]
    fn a_good_line_is_accepted_with_its_time() {
        let l = line("2026-05-01T08:02:14.501Z");
        let ok = check_line(l.as_bytes(), "acme", HOUR_0800, Want::All).unwrap();
        assert_eq!(ok.ts_ns, HOUR_0800 + 134_501_000_000);
        assert_eq!(ok.event.event_id, "e1");
        assert_eq!(ok.raw, l);
    }

    /// The reason, which must be the same whether the line is fully parsed or only checked.
    fn reason(l: &str) -> String {
        let full = check_line(l.as_bytes(), "acme", HOUR_0800, Want::All).unwrap_err();
        let light = check_line(l.as_bytes(), "acme", HOUR_0800, Want::Required).err();
        assert_eq!(Some(&full), light.as_ref(), "{l}");
        full
    }

    #[test]
    fn each_kind_of_bad_line_gets_a_reason_a_person_understands() {
        assert!(reason("{not json").starts_with("not valid JSON"));
        assert!(
            reason("[1,2]").contains("wrong type"),
            "{}",
            reason("[1,2]")
        );
        assert!(
            reason(r#"{"event_id":"e1","tenant_id":"acme","event_type":"x"}"#)
                .starts_with("required field `ts` is missing")
        );
        assert!(reason(&line("2026-05-01T08:00:00")).contains("not an RFC 3339 UTC timestamp"));
        assert!(reason(&line("2026-05-01T09:00:00.000Z")).contains("outside its partition's hour"));
        assert!(reason(&line("2026-05-01T07:59:59.999Z")).contains("outside its partition's hour"));
        let other = line("2026-05-01T08:00:00.000Z").replace("acme", "globex");
        assert!(reason(&other).contains("not the partition's tenant"));
        // Another tenant's name is not shown to this one.
        assert!(!reason(&other).contains("globex"), "{}", reason(&other));
        let wrong_type = line("2026-05-01T08:00:00.000Z").replace('}', r#","latency_ms":"fast"}"#);
        assert!(
            reason(&wrong_type).contains("wrong type"),
            "{}",
            reason(&wrong_type)
        );
        assert!(reason(r#"{"event_id":"e1","event_id":"e2"}"#).contains("duplicate field"));
        let bad_nested = line("2026-05-01T08:00:00.000Z")
            .replace('}', r#","actor":{"ip":7},"tokens":{"input":"x"}}"#);
        assert!(reason(&bad_nested).contains("wrong type"));
        let bad_list = line("2026-05-01T08:00:00.000Z").replace('}', r#","policy_ids":["a",1]}"#);
        assert!(reason(&bad_list).contains("wrong type"));
        let not_list =
            line("2026-05-01T08:00:00.000Z").replace('}', r#","data_categories":"email"}"#);
        assert!(reason(&not_list).contains("wrong type"));
        let huge = line("2026-05-01T08:00:00.000Z").replace('}', r#","latency_ms":1e3}"#);
        assert!(reason(&huge).contains("wrong type"));
        let null_id = line("2026-05-01T08:00:00.000Z").replace(r#""e1""#, "null");
        assert!(reason(&null_id).contains("wrong type"));
        assert!(
            check_line(b"\xff\xfe", "acme", HOUR_0800, Want::Required)
                .unwrap_err()
                .contains("UTF-8")
        );
    }

    #[test]
    fn unknown_fields_and_nulls_in_optional_fields_are_fine() {
        let l = line("2026-05-01T08:00:00.000Z")
            .replace('}', r#","latency_ms":null,"brand_new":{"x":[1]}}"#);
        assert!(check_line(l.as_bytes(), "acme", HOUR_0800, Want::All).is_ok());
        assert!(check_line(l.as_bytes(), "acme", HOUR_0800, Want::Required).is_ok());
    }
}
