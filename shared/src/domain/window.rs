//! Export windows: what `date_from`/`date_to` + `timezone` resolve to, and the
//! file name that states it.
//!
//! OWNER: the API helper implements the resolution rules of `contracts/api.md`
//! (dates vs instants, inclusive end date, IANA zone, DST) with unit tests.
use super::ExportFormat;
use chrono::{DateTime, NaiveDate, Utc};
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
}

/// A resolved half-open window `[start, end)` in UTC, with the zone its dates were read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub timezone: Tz,
}

impl DateBound {
    /// Parses `YYYY-MM-DD` or an RFC 3339 instant.
    pub fn parse(s: &str) -> Result<Self, WindowError> {
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(Self::Date(d));
        }
        DateTime::parse_from_rfc3339(s)
            .map(|t| Self::Instant(t.with_timezone(&Utc)))
            .map_err(|_| WindowError::Unparseable)
    }
}

impl Window {
    /// Resolves a request's bounds per `contracts/api.md`; `now` bounds the future.
    pub fn resolve(
        _from: DateBound,
        _to: DateBound,
        _timezone: &str,
        _now: DateTime<Utc>,
    ) -> Result<Self, WindowError> {
        todo!("API helper")
    }

    /// The first and last day (in the window's zone) that the window covers:
    /// the day of `start` and the day of the last instant inside the window.
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        todo!("API helper")
    }
}

/// `kt_<first day>_to_<last day><suffix>` (see [`ExportFormat::file_suffix`]).
pub fn file_name(window: &Window, format: ExportFormat) -> String {
    let (first, last) = window.days();
    format!("kt_{first}_to_{last}{}", format.file_suffix())
}
