//! `--quick-range`: the console's common windows, computed in the job's zone.
//!
//! Rolling ranges (24h, 7d, 30d, 90d) end now and are sent as instants, so
//! the API never sees a `date_to` of today (which would end tonight, in the
//! future). Calendar ranges (last-month, last-quarter) are the previous whole
//! month or quarter of the local date in the zone, sent as dates and read by
//! the API in that same zone.
use chrono::{DateTime, Datelike, Months, NaiveDate, SecondsFormat, TimeDelta, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QuickRange {
    /// The last 24 hours, up to now
    #[value(name = "24h")]
    Hours24,
    /// The last 7 days, up to now
    #[value(name = "7d")]
    Days7,
    /// The last 30 days, up to now
    #[value(name = "30d")]
    Days30,
    /// The last 90 days, up to now
    #[value(name = "90d")]
    Days90,
    /// The previous calendar month in the timezone
    LastMonth,
    /// The previous calendar quarter in the timezone
    LastQuarter,
}

impl QuickRange {
    /// `(date_from, date_to)` as the API takes them.
    pub fn bounds(self, now: DateTime<Utc>, tz: Tz) -> (String, String) {
        let rolling = |span: TimeDelta| {
            let end = now.to_rfc3339_opts(SecondsFormat::Secs, true);
            let start = (now - span).to_rfc3339_opts(SecondsFormat::Secs, true);
            (start, end)
        };
        let today = now.with_timezone(&tz).date_naive();
        let dates = |(a, b): (NaiveDate, NaiveDate)| (a.to_string(), b.to_string());
        match self {
            Self::Hours24 => rolling(TimeDelta::hours(24)),
            Self::Days7 => rolling(TimeDelta::days(7)),
            Self::Days30 => rolling(TimeDelta::days(30)),
            Self::Days90 => rolling(TimeDelta::days(90)),
            Self::LastMonth => dates(previous_period(today, 1)),
            Self::LastQuarter => dates(previous_period(today, 3)),
        }
    }
}

/// First and last day of the period of `months` months (1 or 3, aligned to
/// the year) before the one containing `today`.
fn previous_period(today: NaiveDate, months: u32) -> (NaiveDate, NaiveDate) {
    let start_month = (today.month0() / months) * months + 1;
    let current = NaiveDate::from_ymd_opt(today.year(), start_month, 1).expect("valid month start");
    let first = current - Months::new(months);
    let last = current.pred_opt().expect("a day before the period");
    (first, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn rolling_ranges_end_now_as_instants() {
        let now = at("2026-05-10T12:34:56Z");
        assert_eq!(
            QuickRange::Hours24.bounds(now, Tz::UTC),
            ("2026-05-09T12:34:56Z".into(), "2026-05-10T12:34:56Z".into())
        );
        assert_eq!(
            QuickRange::Days90.bounds(now, Tz::Europe__Madrid).0,
            "2026-02-09T12:34:56Z"
        );
    }

    #[test]
    fn last_month_is_the_previous_month_of_the_local_date() {
        // 23:30 UTC on 31 May is already 1 June in Madrid: last month is May there.
        let now = at("2026-05-31T23:30:00Z");
        assert_eq!(
            QuickRange::LastMonth.bounds(now, Tz::UTC),
            ("2026-04-01".into(), "2026-04-30".into())
        );
        assert_eq!(
            QuickRange::LastMonth.bounds(now, Tz::Europe__Madrid),
            ("2026-05-01".into(), "2026-05-31".into())
        );
        assert_eq!(
            QuickRange::LastMonth.bounds(at("2026-01-15T00:00:00Z"), Tz::UTC),
            ("2025-12-01".into(), "2025-12-31".into())
        );
    }

    #[test]
    fn last_quarter_is_the_previous_calendar_quarter() {
        assert_eq!(
            QuickRange::LastQuarter.bounds(at("2026-05-10T00:00:00Z"), Tz::UTC),
            ("2026-01-01".into(), "2026-03-31".into())
        );
        assert_eq!(
            QuickRange::LastQuarter.bounds(at("2026-02-28T00:00:00Z"), Tz::UTC),
            ("2025-10-01".into(), "2025-12-31".into())
        );
        // New Year's Eve 23:30 UTC is already Q1 in Madrid.
        assert_eq!(
            QuickRange::LastQuarter.bounds(at("2026-12-31T23:30:00Z"), Tz::Europe__Madrid),
            ("2026-10-01".into(), "2026-12-31".into())
        );
    }
}
