//! Line validation: what makes a lake line an event we export, and the reason
//! (in words a person understands) when it is not.
use super::check::EventCheck;
use super::formatter::LineFacts;
use super::scan::{Want, scan_event_into};
use kt_domain::Event;

const NANOS_PER_HOUR: i64 = 3_600 * 1_000_000_000;

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
    let (raw, ts_ns, _) = check_line_into(line, tenant, hour_start_ns, want, &mut event)?;
    Ok(Accepted { raw, event, ts_ns })
}

/// [`check_line`] into a fresh `event` (`Event::required("", "", "", "")`),
/// filled in place (see `scan::scan_event_into`); returns the line as text,
/// `ts` in nanoseconds and what the check found out about the line.
pub(crate) fn check_line_into<'a>(
    line: &'a [u8],
    tenant: &str,
    hour_start_ns: i64,
    want: Want,
    event: &mut Event<'a>,
) -> Result<(&'a str, i64, LineFacts), String> {
    let raw = utf8(line).map_err(|e| format!("not valid UTF-8 (at byte {})", e.valid_up_to()))?;
    let facts = fields_into(raw, want, event)?;
    if event.event_id.is_empty() {
        return Err("required field `event_id` is empty".into());
    }
    if event.event_type.is_empty() {
        return Err("required field `event_type` is empty".into());
    }
    let ts_ns = ts_in_hour(event.ts.as_bytes(), hour_start_ns)
        .or_else(|| parse_utc_timestamp(&event.ts))
        .ok_or_else(|| {
            format!(
                "`ts` {:?} is not an RFC 3339 UTC timestamp like 2026-05-01T13:45:12.123Z",
                event.ts
            )
        })?;
    if event.tenant_id != tenant {
        return Err(format!(
            "`tenant_id` {:?} is not the partition's tenant {:?}",
            event.tenant_id, tenant
        ));
    }
    if !(hour_start_ns..hour_start_ns + NANOS_PER_HOUR).contains(&ts_ns) {
        return Err(format!(
            "`ts` {} is outside its partition's hour (starting {})",
            event.ts,
            format_hour(hour_start_ns)
        ));
    }
    Ok((raw, ts_ns, facts))
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

fn format_hour(ns: i64) -> String {
    chrono::DateTime::from_timestamp(ns.div_euclid(1_000_000_000), 0)
        .map(|t| t.format("%Y-%m-%dT%H:00Z").to_string())
        .unwrap_or_default()
}

/// `ts` in nanoseconds when it has the producer's usual shape
/// (`YYYY-MM-DDTHH:MM:SS.mmmZ`) and starts with the partition hour's
/// `YYYY-MM-DDTHH:`, which is then known to be a valid date and hour: only
/// minutes, seconds and milliseconds are left to read. `None` otherwise:
/// [`parse_utc_timestamp`] decides (it agrees wherever this answers).
#[inline]
fn ts_in_hour(ts: &[u8], hour_start_ns: i64) -> Option<i64> {
    let ts: &[u8; 24] = ts.try_into().ok()?;
    if ts[..14] != hour_prefix(hour_start_ns) || ts[16] != b':' || ts[19] != b'.' || ts[23] != b'Z'
    {
        return None;
    }
    let digit = |i: usize| ts[i].is_ascii_digit().then(|| i64::from(ts[i] - b'0'));
    let minute = digit(14)? * 10 + digit(15)?;
    let second = digit(17)? * 10 + digit(18)?;
    let millis = digit(20)? * 100 + digit(21)? * 10 + digit(22)?;
    if minute > 59 || second > 59 {
        return None;
    }
    let hour_floor = hour_start_ns.div_euclid(NANOS_PER_HOUR) * NANOS_PER_HOUR;
    Some(hour_floor + (minute * 60 + second) * 1_000_000_000 + millis * 1_000_000)
}

thread_local! {
    /// The last partition hour's `YYYY-MM-DDTHH:` (a reader thread reads one
    /// object, so one hour, at a time).
    static HOUR_PREFIX: std::cell::Cell<(i64, [u8; 14])> =
        const { std::cell::Cell::new((i64::MIN, [0xff; 14])) };
}

/// `YYYY-MM-DDTHH:` of the hour holding `ns` (0xff bytes, which no text
/// holds, for a year that is not four digits).
fn hour_prefix(ns: i64) -> [u8; 14] {
    HOUR_PREFIX.with(|cached| {
        let (hour, prefix) = cached.get();
        if hour == ns {
            return prefix;
        }
        let mut prefix = [0xff; 14];
        if let Some(t) = chrono::DateTime::from_timestamp(ns.div_euclid(1_000_000_000), 0) {
            let text = t.format("%Y-%m-%dT%H:").to_string();
            if text.len() == 14 {
                prefix.copy_from_slice(text.as_bytes());
            }
        }
        cached.set((ns, prefix));
        prefix
    })
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.f{0,9}]Z` (or `+00:00`) into nanoseconds since
/// the epoch. The contract promises milliseconds; other precisions are tolerated,
/// other offsets are not (the lake is partitioned by UTC hour).
pub(crate) fn parse_utc_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos = 0i64;
    if let Some(frac) = rest.strip_prefix(b".") {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        for (i, c) in frac[..digits].iter().enumerate() {
            nanos += i64::from(c - b'0') * 10i64.pow(8 - i as u32);
        }
        rest = &frac[digits..];
    }
    if rest != b"Z" && rest != b"+00:00" {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some(secs * 1_000_000_000 + nanos)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    fn timestamps_parse_to_the_same_instant_as_chrono() {
        for s in [
            "2026-05-01T08:00:00.000Z",
            "2026-05-01T08:59:59.999Z",
            "2024-02-29T23:59:59Z",
            "1999-12-31T00:00:00.123456789Z",
            "2026-05-01T08:00:00.5+00:00",
        ] {
            let chrono = chrono::DateTime::parse_from_rfc3339(s).unwrap();
            assert_eq!(parse_utc_timestamp(s), chrono.timestamp_nanos_opt(), "{s}");
        }
        assert_eq!(
            parse_utc_timestamp("2026-05-01T08:00:00.000Z"),
            Some(HOUR_0800)
        );
    }

    #[test]
    fn timestamps_without_utc_or_with_bad_parts_are_refused() {
        for s in [
            "2026-05-01T08:00:00.000",
            "2026-05-01T10:00:00.000+02:00",
            "2026-05-01 08:00:00.000Z",
            "2026-02-30T08:00:00.000Z",
            "2026-05-01T24:00:00.000Z",
            "2026-05-01T08:00:00.Z",
            "2026-05-01T08:00:00.1234567891Z",
            "yesterday",
        ] {
            assert_eq!(parse_utc_timestamp(s), None, "{s}");
        }
    }

    /// Every one-byte change of a few timestamps, in their own hour and the
    /// next: wherever the shortcut answers, it says what the parser says.
    #[test]
    fn the_hour_shortcut_agrees_with_the_parser() {
        let mut answered = 0;
        for base in [
            "2026-05-01T08:00:00.000Z",
            "2026-05-01T08:59:59.999Z",
            "2026-05-01T08:34:07.050Z",
        ] {
            for at in 0..base.len() {
                for c in b"0123456789:.-TZ+x ".iter().chain(&[0xc3u8]) {
                    let mut ts = base.as_bytes().to_vec();
                    ts[at] = *c;
                    let Ok(ts) = std::str::from_utf8(&ts) else {
                        continue;
                    };
                    for hour in [HOUR_0800, HOUR_0800 + NANOS_PER_HOUR, HOUR_0800 - 1] {
                        if let Some(ns) = ts_in_hour(ts.as_bytes(), hour) {
                            assert_eq!(Some(ns), parse_utc_timestamp(ts), "{ts} in {hour}");
                            answered += 1;
                        }
                    }
                }
            }
        }
        assert!(answered > 100, "{answered}");
        assert!(ts_in_hour(b"2026-05-01T08:00:00.000Z", HOUR_0800).is_some());
        assert_eq!(ts_in_hour(b"2026-05-01T09:00:00.000Z", HOUR_0800), None);
        assert_eq!(ts_in_hour(b"2026-05-01T08:00:00.0Z", HOUR_0800), None);
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
