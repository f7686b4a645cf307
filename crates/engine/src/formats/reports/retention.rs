//! Log retention, which the AI Act report (Art. 26(6)) and the ENS report
//! (op.exp.8.r3) judge by one rule: the figures, and the status with its gaps.
use super::aggregate::Aggregate;
use super::declared::Profile;
use super::envelope::{Section, Status};
use super::head::NotDeclared;
use super::num::iso_ms;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;

/// Deployers keep logs at least six months (AI Act Art. 26(6)); 183 days.
pub const RETENTION_MIN_DAYS: i64 = 183;

/// The retention figures (AI Act Art. 26(6), ENS op.exp.8.r3), with the declared retention.
pub fn retention_metrics(agg: &Aggregate, profile: Profile<'_>) -> RetentionMetrics {
    let oldest_age = agg.first_ts.map(|t| agg.age_days_at_window_end(t));
    let newest_age = agg.last_ts.map(|t| agg.age_days_at_window_end(t));
    let declared = profile.and_then(|p| p.profile.retention.as_ref().and_then(|r| r.log_days));
    RetentionMetrics {
        reference_time: "window end",
        oldest_event_at: agg.first_ts.map(iso_ms),
        newest_event_at: agg.last_ts.map(iso_ms),
        oldest_event_age_days: oldest_age,
        newest_event_age_days: newest_age,
        days_with_events: agg.traffic.daily.len() as u64,
        window_days: agg.window_days(),
        retention_configured_days: declared.map_or(
            DaysOrNot::NotDeclared(NotDeclared::NotDeclared),
            DaysOrNot::Days,
        ),
        retention_required_days: RETENTION_MIN_DAYS,
    }
}

/// AI Act Art. 26(6) retention evidence: the log's age shows retention of at
/// least that long; the declared policy says how long it is kept.
pub fn retention(agg: &Aggregate, profile: Profile<'_>, s: &mut Section) {
    s.set_metrics(retention_metrics(agg, profile));
    s.status = retention_status(agg, profile, s);
}

/// The retention rule both reports apply (AI Act Art. 26(6), ENS
/// op.exp.8.r3): shown when exported events are at least
/// [`RETENTION_MIN_DAYS`] old at the window end, or when the tenant declares
/// a retention (`retention.log_days`, cited) of at least that; a declared
/// retention shorter than that is never enough. Adds the gaps and the
/// declaration to `s`.
pub fn retention_status(agg: &Aggregate, profile: Profile<'_>, s: &mut Section) -> Status {
    let oldest_age = agg.first_ts.map(|t| agg.age_days_at_window_end(t));
    let declared = profile.and_then(|p| {
        p.profile
            .retention
            .as_ref()
            .and_then(|r| r.log_days)
            .map(|d| (p.version, d))
    });
    let declared_enough = match declared {
        Some((version, days)) => {
            s.declare(version, "retention.log_days", json!(days));
            let enough = i64::from(days) >= RETENTION_MIN_DAYS;
            if !enough {
                s.gap(format!(
                    "the declared retention ({days} days) is shorter than {RETENTION_MIN_DAYS} days"
                ));
            }
            Some(enough)
        }
        None => {
            s.gap("the retention period is not in the event log and not declared in the tenant's compliance profile (retention.log_days)");
            None
        }
    };
    let status = match oldest_age {
        None => {
            s.gap("no events in the window");
            Status::NotEvidenced
        }
        Some(_) if declared_enough == Some(false) => Status::Partial,
        Some(age) if age >= RETENTION_MIN_DAYS => Status::Evidenced,
        Some(age) if declared_enough == Some(true) => {
            s.gap(format!(
                "the oldest exported event is {age} days old at the window end: retention of {RETENTION_MIN_DAYS} days rests on the tenant's declaration, not on the exported events"
            ));
            Status::Evidenced
        }
        Some(age) => {
            s.gap(format!(
                "the oldest exported event is {age} days old at the window end; the export shows retention of at least that, not of {RETENTION_MIN_DAYS} days (export a window reaching {RETENTION_MIN_DAYS} days back to show it)"
            ));
            Status::Partial
        }
    };
    s.gap("that events are deleted when the retention period ends is not shown by an export of what is kept");
    status
}

/// Retention figures (AI Act Art. 26(6); ENS op.exp.8.r3 nests them).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RetentionMetrics {
    pub reference_time: &'static str,
    pub oldest_event_at: Option<String>,
    pub newest_event_at: Option<String>,
    pub oldest_event_age_days: Option<i64>,
    pub newest_event_age_days: Option<i64>,
    pub days_with_events: u64,
    pub window_days: i64,
    pub retention_configured_days: DaysOrNot,
    pub retention_required_days: i64,
}

/// A declared number of days, or `"not_declared"`.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum DaysOrNot {
    Days(u32),
    NotDeclared(NotDeclared),
}
