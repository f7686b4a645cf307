//! Calendar quarters, and which one a scheduled run exports.
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use std::fmt;

/// A calendar quarter: Q1 is January to March. Shown as `2026-Q2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    year: i32,
    number: u8,
}

impl Quarter {
    /// `None` unless `number` is 1..=4.
    pub fn new(year: i32, number: u8) -> Option<Self> {
        (1..=4).contains(&number).then_some(Self { year, number })
    }

    /// The quarter `day` falls in.
    pub fn containing(day: NaiveDate) -> Self {
        Self {
            year: day.year(),
            number: (day.month0() / 3 + 1) as u8,
        }
    }

    /// The quarter before the one a run at `now` falls in, where the run's
    /// date is its local date in `tz`: the quarter a scheduled run exports.
    pub fn previous_at(now: DateTime<Utc>, tz: Tz) -> Self {
        Self::containing(now.with_timezone(&tz).date_naive()).previous()
    }

    pub fn previous(self) -> Self {
        match self.number {
            1 => Self {
                year: self.year - 1,
                number: 4,
            },
            n => Self {
                year: self.year,
                number: n - 1,
            },
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// 1..=4.
    pub fn number(self) -> u8 {
        self.number
    }

    pub fn first_day(self) -> NaiveDate {
        let month = u32::from(self.number - 1) * 3 + 1;
        NaiveDate::from_ymd_opt(self.year, month, 1).expect("quarters start on valid dates")
    }

    /// The last day, inclusive.
    pub fn last_day(self) -> NaiveDate {
        let next = match self.number {
            4 => NaiveDate::from_ymd_opt(self.year + 1, 1, 1),
            n => NaiveDate::from_ymd_opt(self.year, u32::from(n) * 3 + 1, 1),
        };
        next.and_then(|d| d.pred_opt())
            .expect("quarters end on valid dates")
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.number)
    }
}

/// First and last day (inclusive) of the quarter before the one `now` falls
/// in, reading `now` as a local date in `tz`.
///
/// On 2026-07-01 in Europe/Madrid that is 2026-04-01..2026-06-30; in January,
/// Q4 of the year before. The zone matters at the edges: 2026-07-01T00:30Z is
/// still June 30 in America/New_York, so a run then exports Q1 there.
pub fn previous_quarter(now: DateTime<Utc>, tz: Tz) -> (NaiveDate, NaiveDate) {
    let q = Quarter::previous_at(now, tz);
    (q.first_day(), q.last_day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Europe, Pacific};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn span(a: &str, b: &str) -> (NaiveDate, NaiveDate) {
        (day(a), day(b))
    }

    #[test]
    fn quarters_span_three_months_and_name_themselves() {
        let q2 = Quarter::containing(day("2026-05-17"));
        assert_eq!(q2, Quarter::new(2026, 2).unwrap());
        assert_eq!(
            (q2.first_day(), q2.last_day()),
            span("2026-04-01", "2026-06-30")
        );
        assert_eq!(q2.to_string(), "2026-Q2");
        let q4 = Quarter::new(2026, 4).unwrap();
        assert_eq!(
            (q4.first_day(), q4.last_day()),
            span("2026-10-01", "2026-12-31")
        );
        let leap_q1 = Quarter::new(2024, 1).unwrap();
        assert_eq!(leap_q1.last_day(), day("2024-03-31"));
        assert_eq!(Quarter::new(2026, 0), None);
        assert_eq!(Quarter::new(2026, 5), None);
    }

    #[test]
    fn the_previous_quarter_crosses_the_year_boundary_in_january() {
        let cases = [
            ("2026-07-01T03:00:00Z", "2026-04-01", "2026-06-30"),
            ("2026-01-01T03:00:00Z", "2025-10-01", "2025-12-31"),
            ("2026-02-14T12:00:00Z", "2025-10-01", "2025-12-31"),
            ("2026-03-31T23:59:59Z", "2025-10-01", "2025-12-31"),
            ("2026-04-01T00:00:00Z", "2026-01-01", "2026-03-31"),
            ("2026-12-31T12:00:00Z", "2026-07-01", "2026-09-30"),
        ];
        for (now, first, last) in cases {
            assert_eq!(
                previous_quarter(at(now), Tz::UTC),
                span(first, last),
                "{now}"
            );
        }
    }

    #[test]
    fn the_quarter_follows_the_local_date_in_the_schedule_zone() {
        let run = at("2026-07-01T00:30:00Z");
        // 02:30 on July 1 in Madrid: Q3 has started, Q2 is exported.
        assert_eq!(
            previous_quarter(run, Europe::Madrid),
            span("2026-04-01", "2026-06-30")
        );
        // 20:30 on June 30 in New York: still Q2 there, so Q1 is the previous one.
        assert_eq!(
            previous_quarter(run, America::New_York),
            span("2026-01-01", "2026-03-31")
        );
        // New Year's Eve in UTC is already January 1 in Auckland.
        let nye = at("2025-12-31T12:30:00Z");
        assert_eq!(
            previous_quarter(nye, Tz::UTC),
            span("2025-07-01", "2025-09-30")
        );
        assert_eq!(
            previous_quarter(nye, Pacific::Auckland),
            span("2025-10-01", "2025-12-31")
        );
        assert_eq!(
            Quarter::previous_at(nye, Pacific::Auckland).to_string(),
            "2025-Q4"
        );
    }
}
