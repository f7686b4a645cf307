//! Number and time rendering with one fixed format, so reports are byte-stable.
use chrono::{DateTime, SecondsFormat, Utc};

/// `x` rounded to `decimals` places, as a JSON number. The rounding is
/// `format!`'s (an exact decimal expansion of the f64, then rounded), read
/// back and rendered shortest-round-trip, so the same input always renders
/// the same digits on every platform.
pub fn fixed(x: f64, decimals: usize) -> Option<f64> {
    if !x.is_finite() {
        return None;
    }
    let s = format!("{x:.decimals$}");
    let v: f64 = s.parse().unwrap_or(0.0);
    // Avoid "-0.0".
    Some(if v == 0.0 { 0.0 } else { v })
}

/// `n / d` as a fraction in [0, 1] with 4 decimals; `null` when `d` is 0.
pub fn ratio(n: u64, d: u64) -> Option<f64> {
    if d == 0 {
        None
    } else {
        fixed(n as f64 / d as f64, 4)
    }
}

/// `100 * n / d` with 2 decimals; `null` when `d` is 0.
pub fn pct(n: u64, d: u64) -> Option<f64> {
    if d == 0 {
        None
    } else {
        fixed(100.0 * n as f64 / d as f64, 2)
    }
}

/// Raw fraction, for status rules (not rendered).
pub fn frac(n: u64, d: u64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-05-01T08:00:01.120Z`.
pub fn iso_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// RFC 3339 UTC, fractional seconds only when present (window bounds).
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub const MS_PER_MIN: i64 = 60_000;
pub const MS_PER_HOUR: i64 = 3_600_000;
pub const MS_PER_DAY: i64 = 86_400_000;

/// Compares version names as an auditor reads them: runs of digits by their
/// value (`cfg_v41` before `cfg_v100`), the rest as text; ties by the plain
/// string.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn runs(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let b = s.as_bytes();
        for i in 1..=b.len() {
            if i == b.len() || b[i].is_ascii_digit() != b[start].is_ascii_digit() {
                out.push((b[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ra, rb) = (runs(a), runs(b));
    for (x, y) in ra.iter().zip(&rb) {
        let o = match (x, y) {
            ((true, x), (true, y)) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then(x.cmp(y))
            }
            ((_, x), (_, y)) => x.cmp(y),
        };
        if o.is_ne() {
            return o;
        }
    }
    ra.len().cmp(&rb.len()).then(a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_renders_stable_digits() {
        let json = |v: Option<f64>| serde_json::to_string(&v).unwrap();
        assert_eq!(json(fixed(0.1 + 0.2, 4)), "0.3");
        assert_eq!(json(fixed(2.0 / 3.0, 4)), "0.6667");
        assert_eq!(json(fixed(-0.00001, 4)), "0.0");
        assert_eq!(json(fixed(100.0, 2)), "100.0");
        assert_eq!(fixed(f64::NAN, 4), None);
        assert_eq!(ratio(1, 0), None);
        assert_eq!(json(pct(1, 3)), "33.33");
    }

    #[test]
    fn version_names_sort_by_the_value_of_their_numbers() {
        let mut v = vec![
            "cfg_v100", "cfg_v41", "cfg_v9", "cfg_v041", "", "cfg_v41b", "beta",
        ];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            [
                "", "beta", "cfg_v9", "cfg_v041", "cfg_v41", "cfg_v41b", "cfg_v100"
            ]
        );
    }

    #[test]
    fn iso_formats() {
        assert_eq!(iso_ms(0), "1970-01-01T00:00:00.000Z");
    }
}
