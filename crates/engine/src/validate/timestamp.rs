//! Timestamps of lake lines: RFC 3339 in UTC, to nanoseconds since the
//! epoch, with a shortcut for the producer's usual shape inside the
//! partition's hour.

pub(super) const NANOS_PER_HOUR: i64 = 3_600 * 1_000_000_000;

pub(super) fn format_hour(ns: i64) -> String {
    chrono::DateTime::from_timestamp(ns.div_euclid(1_000_000_000), 0)
        .map(|t| t.format("%Y-%m-%dT%H:00Z").to_string())
        .unwrap_or_default()
}

/// A partition's hour: where it starts, the UTC hour its `YYYY-MM-DDTHH:`
/// names (0xff bytes, which no text holds, for a year that is not four
/// digits), worked out once per object rather than per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PartitionHour {
    pub start_ns: i64,
    /// `start_ns` down to its whole hour: what `prefix` names.
    prefix_ns: i64,
    prefix: [u8; 14],
}

impl PartitionHour {
    pub(crate) fn starting(start_ns: i64) -> Self {
        let mut prefix = [0xff; 14];
        if let Some(t) = chrono::DateTime::from_timestamp(start_ns.div_euclid(1_000_000_000), 0) {
            let text = t.format("%Y-%m-%dT%H:").to_string();
            if text.len() == 14 {
                prefix.copy_from_slice(text.as_bytes());
            }
        }
        Self {
            start_ns,
            prefix_ns: start_ns.div_euclid(NANOS_PER_HOUR) * NANOS_PER_HOUR,
            prefix,
        }
    }
}

/// `ts` in nanoseconds when it has the producer's usual shape
/// (`YYYY-MM-DDTHH:MM:SS.mmmZ`) and starts with the partition hour's
/// `YYYY-MM-DDTHH:`, which is then known to be a valid date and hour: only
/// minutes, seconds and milliseconds are left to read. `None` otherwise:
/// [`parse_utc_timestamp`] decides (it agrees wherever this answers).
#[inline]
pub(super) fn ts_in_hour(ts: &[u8], hour: &PartitionHour) -> Option<i64> {
    let ts: &[u8; 24] = ts.try_into().ok()?;
    if ts[..14] != hour.prefix || ts[16] != b':' || ts[19] != b'.' || ts[23] != b'Z' {
        return None;
    }
    let digit = |i: usize| ts[i].is_ascii_digit().then(|| i64::from(ts[i] - b'0'));
    let minute = digit(14)? * 10 + digit(15)?;
    let second = digit(17)? * 10 + digit(18)?;
    let millis = digit(20)? * 100 + digit(21)? * 10 + digit(22)?;
    if minute > 59 || second > 59 {
        return None;
    }
    Some(hour.prefix_ns + (minute * 60 + second) * 1_000_000_000 + millis * 1_000_000)
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

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR_0800: i64 = 1_777_622_400 * 1_000_000_000; // 2026-05-01T08:00:00Z

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

    /// Every one-byte change of a few timestamps, read in their own hour,
    /// the next one and one starting a nanosecond before theirs: wherever
    /// the shortcut answers, it says what the parser says.
    #[test]
    fn the_hour_shortcut_agrees_with_the_parser() {
        let hours =
            [HOUR_0800, HOUR_0800 + NANOS_PER_HOUR, HOUR_0800 - 1].map(PartitionHour::starting);
        let mut answered = 0;
        for base in [
            "2026-05-01T08:00:00.000Z",
            "2026-05-01T08:59:59.999Z",
            "2026-05-01T08:34:07.050Z",
        ] {
            for at in 0..base.len() {
                for &c in b"0123456789:.-TZ+x " {
                    let mut ts = base.as_bytes().to_vec();
                    ts[at] = c;
                    let ts = String::from_utf8(ts).expect("ASCII");
                    for hour in &hours {
                        if let Some(ns) = ts_in_hour(ts.as_bytes(), hour) {
                            assert_eq!(Some(ns), parse_utc_timestamp(&ts), "{ts} in {hour:?}");
                            answered += 1;
                        }
                    }
                }
            }
        }
        assert!(answered > 100, "{answered}");
        let eight = &hours[0];
        assert!(ts_in_hour(b"2026-05-01T08:00:00.000Z", eight).is_some());
        assert_eq!(ts_in_hour(b"2026-05-01T09:00:00.000Z", eight), None);
        assert_eq!(ts_in_hour(b"2026-05-01T08:00:00.0Z", eight), None);
    }
}
