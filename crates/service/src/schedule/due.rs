//! When a tenant's quarterly export is due, and when it will next run.
//!
//! A tenant's previous quarter is exported on the first day of each quarter
//! from [`RUN_LOCAL_HOUR`]:00 in the tenant's zone (three hours after midnight
//! leave time for late events to land in the lake). The scheduler runs hourly;
//! a run up to [`CATCH_UP_DAYS`] days into the quarter still creates a missed
//! export (later runs replay it, by its key, or make a new attempt when it
//! failed), so an outage of the scheduler on the first day does not lose a
//! quarter.
use super::Quarter;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use kt_domain::profile::ScheduleDeclaration;
use serde::Serialize;

pub const RUN_LOCAL_HOUR: u32 = 3;
pub const CATCH_UP_DAYS: i64 = 7;

/// The instant a quarter's run starts: `RUN_LOCAL_HOUR` on its first day,
/// local to `tz` (the later instant when that hour repeats, the hour after
/// when it is skipped).
fn run_start(quarter: Quarter, tz: Tz) -> DateTime<Utc> {
    let local = quarter
        .first_day()
        .and_time(NaiveTime::from_hms_opt(RUN_LOCAL_HOUR, 0, 0).expect("a valid hour"));
    let resolved = tz.from_local_datetime(&local).latest().or_else(|| {
        tz.from_local_datetime(&(local + Duration::hours(1)))
            .latest()
    });
    resolved.map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

/// The quarter a run at `now` exports for this schedule, if it is due: the
/// previous quarter, from its run start until [`CATCH_UP_DAYS`] days into
/// the quarter.
pub fn due_quarter(schedule: &ScheduleDeclaration, now: DateTime<Utc>) -> Option<Quarter> {
    if !schedule.enabled {
        return None;
    }
    let tz = schedule.timezone();
    let today: NaiveDate = now.with_timezone(&tz).date_naive();
    let current = Quarter::containing(today);
    let in_catch_up = (today - current.first_day()).num_days() < CATCH_UP_DAYS;
    (now >= run_start(current, tz) && in_catch_up).then(|| current.previous())
}

/// When the catch-up week of the run exporting `exported` ends: midnight
/// starting the quarter's day [`CATCH_UP_DAYS`] + 1, in the schedule's zone
/// (the first instant [`due_quarter`] no longer returns it). A retry planned
/// for later would never run.
pub fn catch_up_end(schedule: &ScheduleDeclaration, exported: Quarter) -> DateTime<Utc> {
    let tz = schedule.timezone();
    let local =
        (exported.next().first_day() + Duration::days(CATCH_UP_DAYS)).and_time(NaiveTime::MIN);
    let resolved = tz.from_local_datetime(&local).earliest().or_else(|| {
        tz.from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
    });
    resolved.map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

/// The next scheduled run, as `GET /v1/compliance-profile` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextRun {
    /// When it starts (UTC).
    pub at: DateTime<Utc>,
    /// The same instant in the schedule's zone.
    pub local: String,
    pub timezone: String,
    /// The quarter it exports, e.g. `2026-Q2`.
    pub quarter: String,
    pub formats: Vec<String>,
}

/// The first run starting after `now`; `None` when the schedule is disabled.
pub fn next_run(schedule: &ScheduleDeclaration, now: DateTime<Utc>) -> Option<NextRun> {
    if !schedule.enabled {
        return None;
    }
    let tz = schedule.timezone();
    let mut quarter = Quarter::containing(now.with_timezone(&tz).date_naive());
    while run_start(quarter, tz) <= now {
        quarter = quarter.next();
    }
    let at = run_start(quarter, tz);
    Some(NextRun {
        at,
        local: at.with_timezone(&tz).to_rfc3339(),
        timezone: tz.name().to_string(),
        quarter: quarter.previous().to_string(),
        formats: schedule
            .formats()
            .iter()
            .map(|f| f.as_str().to_string())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn madrid(enabled: bool) -> ScheduleDeclaration {
        ScheduleDeclaration {
            enabled,
            formats: None,
            timezone: Some("Europe/Madrid".into()),
            expires_in_days: None,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn due_from_three_local_on_the_first_day_for_a_week() {
        let s = madrid(true);
        // 03:00 in Madrid on 1 July is 01:00 UTC (summer time).
        assert_eq!(due_quarter(&s, at("2026-07-01T00:59:59Z")), None);
        assert_eq!(
            due_quarter(&s, at("2026-07-01T01:00:00Z")).map(|q| q.to_string()),
            Some("2026-Q2".into())
        );
        assert!(due_quarter(&s, at("2026-07-07T21:59:59Z")).is_some());
        assert_eq!(
            due_quarter(&s, at("2026-07-07T22:00:00Z")),
            None,
            "8 July in Madrid"
        );
        assert_eq!(due_quarter(&s, at("2026-08-15T12:00:00Z")), None);
        let q2 = Quarter::containing(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap());
        assert_eq!(catch_up_end(&s, q2), at("2026-07-07T22:00:00Z"));
        assert_eq!(
            due_quarter(&madrid(false), at("2026-07-01T05:00:00Z")),
            None
        );
    }

    #[test]
    fn the_next_run_is_the_next_quarter_start_in_the_tenants_zone() {
        let s = madrid(true);
        let n = next_run(&s, at("2026-05-20T10:00:00Z")).unwrap();
        assert_eq!(n.at, at("2026-07-01T01:00:00Z"));
        assert_eq!(n.local, "2026-07-01T03:00:00+02:00");
        assert_eq!(n.quarter, "2026-Q2");
        assert_eq!(n.formats, ["compliance-all"]);
        // Winter time, and the turn of the year.
        let n = next_run(&s, at("2026-10-01T01:00:00Z")).unwrap();
        assert_eq!(n.at, at("2027-01-01T02:00:00Z"));
        assert_eq!(n.quarter, "2026-Q4");
        assert_eq!(next_run(&madrid(false), at("2026-05-20T10:00:00Z")), None);
    }
}
