//! Export windows: what `date_from`/`date_to` + `timezone` resolve to, and the
//! file name that states it.
//!
//! The resolution rules of the API contract: dates vs instants, an inclusive
//! end date, an IANA zone, DST (see [`Window::resolve`] and its tests).
use super::ExportFormat;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// One side of a requested window, as the caller wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBound {
    /// `YYYY-MM-DD`: a whole day in the job's timezone.
    Date(NaiveDate),
    /// An RFC 3339 instant.
    Instant(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("must be a date (YYYY-MM-DD) or an RFC 3339 instant")]
    Unparseable,
    /// Shaped like a date, but no such day (2026-02-30, 2026-13-01).
    #[error("is not a day of the calendar (YYYY-MM-DD)")]
    NoSuchDay,
    #[error("a leap second (:60) is not accepted; give the next second (:00 of the next minute)")]
    LeapSecond,
    #[error("unknown IANA time zone")]
    UnknownZone,
    #[error("the start is after the end")]
    StartAfterEnd,
    #[error("the window is empty")]
    Empty,
    #[error("the window is longer than 366 days")]
    TooLong,
    #[error("the window ends more than a minute in the future")]
    InFuture,
    #[error("the window starts before 2000-01-01T00:00:00Z, the earliest supported instant")]
    TooEarly,
}

/// A resolved half-open window `[start, end)` in UTC, with the zone its dates were read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub timezone: Tz,
}

impl DateBound {
    /// Parses `YYYY-MM-DD` (exactly ten characters) or an RFC 3339 instant.
    pub fn parse(s: &str) -> Result<Self, WindowError> {
        if s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            })
        {
            return NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Self::Date)
                .map_err(|_| WindowError::NoSuchDay);
        }
        let t = DateTime::parse_from_rfc3339(s).map_err(|_| WindowError::Unparseable)?;
        // chrono keeps `:60` as a nanosecond past 1e9: an instant no other
        // parser (JavaScript, Python) reads back, and one the engine's hour
        // walk does not place, so the job exported nothing.
        if t.timestamp_subsec_nanos() >= 1_000_000_000 {
            return Err(WindowError::LeapSecond);
        }
        Ok(Self::Instant(t.with_timezone(&Utc)))
    }
}

/// The longest window a job may cover.
const MAX_DAYS: i64 = 366;
/// The earliest instant a window may start at (no gateway event is older;
/// earlier years only produce windows the file name and the engine cannot state).
pub const EARLIEST_START: DateTime<Utc> = DateTime::from_timestamp_nanos(946_684_800_000_000_000);
/// How far past `now` a window may end (clock skew between caller and us).
const FUTURE_SLACK: TimeDelta = TimeDelta::seconds(60);

impl Window {
    /// Resolves a request's bounds by the API contract's rules; `now` bounds the future.
    ///
    /// A date in `from` is the start of that day in `timezone`; a date in `to`
    /// is the end of that day (the start of the next, exclusive); an instant
    /// is taken as is (exclusive in `to`).
    pub fn resolve(
        from: DateBound,
        to: DateBound,
        timezone: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, WindowError> {
        let tz: Tz = timezone.parse().map_err(|_| WindowError::UnknownZone)?;
        let start = match from {
            DateBound::Date(d) => start_of_day(d, tz)?,
            DateBound::Instant(t) => t,
        };
        let end = match to {
            DateBound::Date(d) => start_of_day(d.succ_opt().ok_or(WindowError::InFuture)?, tz)?,
            DateBound::Instant(t) => t,
        };
        // Two dates compare as days: 05-02..05-01 is reversed, not empty.
        let reversed_days = matches!((from, to), (DateBound::Date(f), DateBound::Date(t)) if f > t);
        if start > end || reversed_days {
            return Err(WindowError::StartAfterEnd);
        }
        if start == end {
            return Err(WindowError::Empty);
        }
        if start < EARLIEST_START {
            return Err(WindowError::TooEarly);
        }
        // Wall-clock length, so that a year of dates across a DST change
        // (366 days +- 1 hour in UTC) is still one year.
        let wall = end.with_timezone(&tz).naive_local() - start.with_timezone(&tz).naive_local();
        if (end - start).min(wall) > TimeDelta::days(MAX_DAYS) {
            return Err(WindowError::TooLong);
        }
        if end > now + FUTURE_SLACK {
            return Err(WindowError::InFuture);
        }
        Ok(Self {
            start,
            end,
            timezone: tz,
        })
    }

    /// The first and last day (in the window's zone) that the window covers:
    /// the day of `start` and the day of the last instant inside the window.
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        let first = self.start.with_timezone(&self.timezone).date_naive();
        // The window is half-open at nanosecond resolution (an instant bound
        // may carry sub-millisecond digits), so the last instant is end - 1 ns.
        let last_instant = self.end - TimeDelta::nanoseconds(1);
        let last = last_instant.with_timezone(&self.timezone).date_naive();
        (first, last.max(first))
    }
}

/// The first instant of `day` in `tz`: local midnight, the earlier one when
/// midnight happens twice, or the first valid instant when a DST change skips
/// midnight (e.g. America/Santiago, America/Havana).
fn start_of_day(day: NaiveDate, tz: Tz) -> Result<DateTime<Utc>, WindowError> {
    let midnight = day.and_time(NaiveTime::MIN);
    // Transitions fall on whole minutes; the longest gap ever was one day (Samoa 2011).
    for minute in 0..=(2 * 24 * 60) {
        let local = midnight + TimeDelta::minutes(minute);
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return Ok(t.with_timezone(&Utc));
        }
    }
    Err(WindowError::Unparseable)
}

/// `kt_<first day>_to_<last day><suffix>` (see [`ExportFormat::file_suffix`]).
pub fn file_name(window: &Window, format: ExportFormat) -> String {
    let (first, last) = window.days();
    format!("kt_{first}_to_{last}{}", format.file_suffix())
}

#[cfg(test)]
#[path = "window_tests.rs"]
mod tests;
