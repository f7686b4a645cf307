//! The report's period and time of generation as a reader takes them: the
//! window in the zone its dates were chosen in (the JSON states UTC
//! instants, which for Europe/Madrid begin the evening before), the end
//! said to be excluded, and times to the second.
use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;

/// `2026-05-01 00:00 → 2026-05-04 00:00` in `timezone`, or `None` when a
/// bound or the zone cannot be read (the UTC instants are shown anyway).
pub fn local_window(start: &str, end: &str, timezone: &str) -> Option<String> {
    let zone: Tz = timezone.parse().ok()?;
    let local = |t: &str| {
        DateTime::parse_from_rfc3339(t).ok().map(|t| {
            let local = t.with_timezone(&zone);
            // Seconds only when a bound has them (an instant the caller gave).
            let shape = if local.second() == 0 && local.nanosecond() == 0 {
                "%Y-%m-%d %H:%M"
            } else {
                "%Y-%m-%d %H:%M:%S"
            };
            local.format(shape).to_string()
        })
    };
    Some(format!("{} → {}", local(start)?, local(end)?))
}

/// An RFC 3339 instant as `2026-12-06 00:21:30 UTC`; as given when unreadable.
pub fn to_the_second(t: &str) -> String {
    DateTime::parse_from_rfc3339(t).map_or_else(
        |_| t.to_string(),
        |t| {
            t.with_timezone(&Utc)
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_madrid_window_reads_in_madrid_time() {
        assert_eq!(
            local_window(
                "2026-04-30T22:00:00Z",
                "2026-05-03T22:00:00Z",
                "Europe/Madrid"
            )
            .as_deref(),
            Some("2026-05-01 00:00 → 2026-05-04 00:00")
        );
        assert_eq!(
            local_window("2026-05-01T00:00:00Z", "2026-05-04T00:00:00Z", "UTC").as_deref(),
            Some("2026-05-01 00:00 → 2026-05-04 00:00")
        );
        assert_eq!(
            local_window("2026-05-01T00:00:30Z", "2026-05-01T12:00:00Z", "UTC").as_deref(),
            Some("2026-05-01 00:00:30 → 2026-05-01 12:00")
        );
        assert_eq!(local_window("2026-05-01T00:00:00Z", "x", "UTC"), None);
        assert_eq!(
            local_window("2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z", "Mars/Base"),
            None
        );
    }

    #[test]
    fn generation_times_are_shown_to_the_second() {
        assert_eq!(
            to_the_second("2026-12-06T00:21:30.829155419Z"),
            "2026-12-06 00:21:30 UTC"
        );
        assert_eq!(to_the_second("soon"), "soon");
    }
}
