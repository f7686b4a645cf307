//! Scheduled exports: each quarter, an evidence export of the quarter just
//! ended for every tenant whose compliance profile enables it, created the way
//! a caller would create it (same window rules and queue), see
//! `docs/scheduling.md`. Tenants manage their schedule in their profile; the
//! scheduler reads the enabled ones from the store on every run.
//!
//! A run may be delivered twice or retried, and runs hourly: every job is
//! created under a key derived from tenant, quarter and format in the
//! scheduler's own key space, so later runs replay the first run's job
//! instead of adding one, and no caller's `Idempotency-Key` can take it.
//! A job that ran and failed gets a new attempt, under a key of its own
//! (`attempts`), a bounded number of times and a day apart.
mod attempts;
mod due;
mod outcome;
mod quarter;

pub use attempts::{MAX_ATTEMPTS, RETRY_SPACING_HOURS, attempt_key, failed_when_run, retry_after};
pub use due::{CATCH_UP_DAYS, NextRun, RUN_LOCAL_HOUR, catch_up_end, due_quarter, next_run};
pub use outcome::{OutcomeSummary, ScheduledOutcome};
pub use quarter::{Quarter, previous_quarter};

/// Scheduled exports are 30 days downloadable unless the schedule says otherwise.
pub const DEFAULT_SCHEDULE_EXPIRES_IN_DAYS: u32 = 30;

use crate::job_creation::{ExportRequest, JobCreator, Requester};
use chrono::{DateTime, Utc};
use kt_domain::profile::ScheduleDeclaration;
use kt_domain::{DateBound, ExportFormat, ExportType, TenantId, WindowError};
use kt_store::TenantSchedule;
use kt_store::{JobQueue, JobStore, StoreError};
use serde_json::Value;
use tracing::Instrument;

/// `created_by` and `origin` of every quarterly job.
pub const QUARTERLY_ORIGIN: &str = "schedule:quarterly";
/// Prefix of the scheduler's idempotency keys. `§` is not ASCII, and an
/// `Idempotency-Key` header is visible ASCII, so no caller can send one.
pub const SCHEDULED_KEY_PREFIX: &str = "§schedule:quarterly:";
/// Scheduled jobs are exempt from the tenant's active-job limit: a quarter's
/// evidence must not be lost because the tenant's own jobs filled its slots.
/// They are bounded anyway: [`MAX_ATTEMPTS`] per tenant, quarter and format.
pub const SCHEDULED_ACTIVE_LIMIT: u32 = u32::MAX;

/// Why a scheduled job could not be created.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ScheduleError {
    /// The quarter's window was refused (only a clock far behind could cause it).
    #[error("the quarter's window was refused: {0}")]
    Window(#[from] WindowError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `§schedule:quarterly:<tenant>:<YYYY>-Q<n>`, with `:<format>` appended for
/// any format but the default bundle, so each (tenant, quarter, format) has a
/// key of its own that does not change when the list of formats does.
pub fn quarterly_idempotency_key(
    tenant: &TenantId,
    quarter: Quarter,
    format: ExportFormat,
) -> String {
    let base = format!("{SCHEDULED_KEY_PREFIX}{tenant}:{quarter}");
    match format {
        ExportFormat::ComplianceAll => base,
        other => format!("{base}:{other}"),
    }
}

/// The request a quarterly run makes: the quarter's dates, read in the schedule's zone.
pub fn quarterly_request(
    quarter: Quarter,
    format: ExportFormat,
    schedule: &ScheduleDeclaration,
) -> ExportRequest {
    ExportRequest {
        export_type: ExportType::Events,
        format,
        date_from: DateBound::Date(quarter.first_day()),
        date_to: DateBound::Date(quarter.last_day()),
        timezone: schedule.timezone(),
        label: Some(format!("Quarterly evidence {quarter}")),
        expires_in_days: schedule
            .expires_in_days
            .unwrap_or(DEFAULT_SCHEDULE_EXPIRES_IN_DAYS),
        // The tenant's `retention.evidence_days` applies when the export runs.
        retention_days: None,
    }
}

/// The actual time, read as each job is created. A run's `now` (the event's
/// time) may be hours old on a late or retried invocation; a job's
/// `created_at` and its trail's `created` entry must not be back-dated to it.
pub type Clock<'a> = &'a (dyn Fn() -> DateTime<Utc> + Sync);

/// Creates, for each tenant whose enabled schedule is due at `now` (see
/// [`due_quarter`]) and each of its formats, the export of the quarter
/// before the one its local date falls in. `now` only chooses the quarter
/// and its window; `clock` dates the jobs.
///
/// Tenants are independent: one that fails (a store error) is reported and
/// the others still get their jobs. Every outcome is logged and returned, in
/// tenant order. `Err` only when the schedules themselves cannot be read.
pub async fn run_quarterly(
    jobs: &dyn JobStore,
    queue: &dyn JobQueue,
    now: DateTime<Utc>,
    clock: Clock<'_>,
) -> Result<Vec<ScheduledOutcome>, StoreError> {
    let schedules = jobs.enabled_schedules().await?;
    Ok(run_schedules(jobs, queue, &schedules, now, clock).await)
}

/// [`run_quarterly`] over schedules already read.
pub async fn run_schedules(
    jobs: &dyn JobStore,
    queue: &dyn JobQueue,
    schedules: &[TenantSchedule],
    now: DateTime<Utc>,
    clock: Clock<'_>,
) -> Vec<ScheduledOutcome> {
    let creator = JobCreator::new(jobs, queue, SCHEDULED_ACTIVE_LIMIT);
    let mut outcomes = Vec::new();
    for TenantSchedule {
        tenant,
        version,
        schedule,
    } in schedules
    {
        let Some(quarter) = due_quarter(schedule, now) else {
            continue;
        };
        for format in schedule.formats() {
            let span = tracing::info_span!("scheduled_export", tenant = %tenant, %format, %quarter, profile_version = version);
            let outcome = schedule_one(&creator, schedule, tenant, format, quarter, now, clock)
                .instrument(span.clone())
                .await;
            span.in_scope(|| outcome.log());
            outcomes.push(outcome);
        }
    }
    outcomes
}

async fn schedule_one(
    creator: &JobCreator<'_>,
    schedule: &ScheduleDeclaration,
    tenant: &TenantId,
    format: ExportFormat,
    quarter: Quarter,
    now: DateTime<Utc>,
    clock: Clock<'_>,
) -> ScheduledOutcome {
    let base_key = quarterly_idempotency_key(tenant, quarter, format);
    let request = quarterly_request(quarter, format, schedule);
    let requester = Requester {
        tenant: tenant.clone(),
        created_by: QUARTERLY_ORIGIN.into(),
        origin: Some(QUARTERLY_ORIGIN.into()),
    };
    let outcome = |idempotency_key, attempt, after_failed, retry_after, result| ScheduledOutcome {
        tenant: tenant.clone(),
        format,
        quarter,
        idempotency_key,
        attempt,
        after_failed,
        retry_after,
        result,
    };
    match request.resolve_window(now) {
        Err(e) => outcome(base_key, 1, None, None, Err(e.into())),
        Ok(window) => {
            let created_at = clock();
            let job = request.into_job(&window, requester, created_at);
            let week_end = catch_up_end(schedule, quarter);
            let done =
                attempts::submit_attempts(creator, job, &base_key, created_at, week_end).await;
            outcome(
                done.key,
                done.attempt,
                done.after_failed,
                done.retry_after,
                done.result.map_err(ScheduleError::from),
            )
        }
    }
}

/// Some scheduled exports hit errors that running the schedule again may fix.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{failed} of {total} scheduled exports hit retryable errors; running the schedule again is safe (covered ones replay)"
)]
pub struct RetryableRunError {
    pub failed: usize,
    pub total: usize,
    /// Every outcome, covered or not, for the log.
    pub outcomes: Vec<OutcomeSummary>,
}

/// The scheduler function's handler: runs the quarter of the event's `time`
/// (or the clock's time when the event has none) and reports every outcome;
/// jobs are dated by `clock`.
/// Errs when a retry may help, so that Lambda's retries of an asynchronous
/// invocation run the schedule again; other failures (a tenant at its limit)
/// are reported in the `Ok` summary and logged as errors.
pub async fn handle_event(
    jobs: &dyn JobStore,
    queue: &dyn JobQueue,
    event: &Value,
    clock: Clock<'_>,
) -> Result<Vec<OutcomeSummary>, RetryableRunError> {
    let now = scheduled_time(event).unwrap_or_else(|| {
        tracing::warn!("the event has no RFC 3339 `time`; using the current time");
        clock()
    });
    let outcomes = match run_quarterly(jobs, queue, now, clock).await {
        Ok(outcomes) => outcomes,
        Err(e) => {
            tracing::error!(error = %e, "the enabled schedules could not be read");
            return Err(RetryableRunError {
                failed: 1,
                total: 1,
                outcomes: vec![],
            });
        }
    };
    let failed = outcomes.iter().filter(|o| o.is_retryable()).count();
    let summaries: Vec<OutcomeSummary> = outcomes.iter().map(ScheduledOutcome::summary).collect();
    let lost = summaries.iter().filter(|s| s.is_lost()).count();
    let covered = outcomes.iter().filter(|o| o.is_covered()).count();
    let total = summaries.len();
    if lost > 0 {
        tracing::error!(run_at = %now, total, covered, retryable = failed, lost, "quarterly schedule ran; some quarters have no export");
    } else {
        tracing::info!(run_at = %now, total, covered, retryable = failed, "quarterly schedule ran");
    }
    if failed > 0 {
        return Err(RetryableRunError {
            failed,
            total: summaries.len(),
            outcomes: summaries,
        });
    }
    Ok(summaries)
}

/// When an EventBridge event says it was scheduled: its `time` (RFC 3339).
/// Both an EventBridge rule's event and an EventBridge Scheduler input of
/// `{"time": "<aws.scheduler.scheduled-time>"}` carry it.
pub fn scheduled_time(event: &Value) -> Option<DateTime<Utc>> {
    let time = event.get("time")?.as_str()?;
    DateTime::parse_from_rfc3339(time)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests;
