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
mod due;
mod quarter;

pub use due::{CATCH_UP_DAYS, NextRun, RUN_LOCAL_HOUR, due_quarter, next_run};
pub use quarter::{Quarter, previous_quarter};

/// Scheduled exports are 30 days downloadable unless the schedule says otherwise.
pub const DEFAULT_SCHEDULE_EXPIRES_IN_DAYS: u32 = 30;

use crate::job_creation::{ExportRequest, JobCreator, Requester, Submitted, was_never_queued};
use chrono::{DateTime, Utc};
use kt_domain::profile::ScheduleDeclaration;
use kt_domain::{DateBound, ExportFormat, ExportType, Job, TenantId, WindowError};
use kt_engine::ErrorChain;
use kt_store::TenantSchedule;
use kt_store::{JobQueue, JobStore, StoreError};
use serde::Serialize;
use serde_json::Value;
use tracing::Instrument;

/// `created_by` and `origin` of every quarterly job.
pub const QUARTERLY_ORIGIN: &str = "schedule:quarterly";
/// Prefix of the scheduler's idempotency keys. `§` is not ASCII, and an
/// `Idempotency-Key` header is visible ASCII, so no caller can send one.
pub const SCHEDULED_KEY_PREFIX: &str = "§schedule:quarterly:";
/// Scheduled jobs are exempt from the tenant's active-job limit: a quarter's
/// evidence must not be lost because the tenant's own jobs filled its slots.
/// They are bounded anyway: one per tenant, quarter and format.
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

/// What one scheduled export (a tenant, a format, a quarter) came to.
#[derive(Debug, Clone)]
pub struct ScheduledOutcome {
    pub tenant: TenantId,
    pub format: ExportFormat,
    pub quarter: Quarter,
    /// The key the reported job was (or would have been) created under.
    pub idempotency_key: String,
    pub result: Result<Submitted, ScheduleError>,
}

/// One line of the run's report (the Lambda function's response).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeSummary {
    pub tenant: String,
    pub format: String,
    pub quarter: String,
    /// `queued`, `replayed`, `too_many_active`, `idempotency_conflict`,
    /// `enqueue_failed`, `window_refused` or `store_error`.
    pub outcome: &'static str,
    pub job_id: Option<String>,
    pub idempotency_key: String,
}

impl ScheduledOutcome {
    /// The job the quarter has for this tenant and format, if any.
    pub fn job(&self) -> Option<&Job> {
        match &self.result {
            Ok(Submitted::Queued(job) | Submitted::Replayed(job)) => Some(job),
            Ok(Submitted::EnqueueFailed { job, .. }) => Some(job),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match &self.result {
            Ok(Submitted::Queued(_)) => "queued",
            Ok(Submitted::Replayed(_)) => "replayed",
            Ok(Submitted::TooManyActive { .. }) => "too_many_active",
            Ok(Submitted::IdempotencyConflict) => "idempotency_conflict",
            Ok(Submitted::EnqueueFailed { .. }) => "enqueue_failed",
            Err(ScheduleError::Window(_)) => "window_refused",
            Err(ScheduleError::Store(_)) => "store_error",
        }
    }

    /// Whether the quarter now has a job that was queued for this tenant and format.
    pub fn is_covered(&self) -> bool {
        match &self.result {
            Ok(Submitted::Queued(_)) => true,
            Ok(Submitted::Replayed(job)) => !was_never_queued(job),
            _ => false,
        }
    }

    /// Whether running the schedule again (an EventBridge retry) may cover it.
    /// Covered ones only replay, so a retry is always safe.
    pub fn is_retryable(&self) -> bool {
        match &self.result {
            Ok(Submitted::EnqueueFailed { .. }) => true,
            Ok(Submitted::Replayed(job)) => was_never_queued(job),
            Err(ScheduleError::Store(e)) => e.is_retryable(),
            _ => false,
        }
    }

    pub fn summary(&self) -> OutcomeSummary {
        OutcomeSummary {
            tenant: self.tenant.to_string(),
            format: self.format.to_string(),
            quarter: self.quarter.to_string(),
            outcome: self.kind(),
            job_id: self.job().map(|j| j.id.to_string()),
            idempotency_key: self.idempotency_key.clone(),
        }
    }

    /// One line per outcome; anything that leaves the quarter without a job is an error.
    fn log(&self) {
        let job_id = self.job().map(|j| j.id.to_string()).unwrap_or_default();
        let key = self.idempotency_key.as_str();
        match &self.result {
            Ok(Submitted::Queued(_)) => tracing::info!(job_id, key, "scheduled export queued"),
            Ok(Submitted::Replayed(job)) if self.is_covered() => tracing::info!(
                job_id,
                key,
                status = job.status.as_str(),
                "scheduled export already created for this quarter; replayed"
            ),
            Ok(Submitted::TooManyActive { limit }) => tracing::error!(
                key,
                limit,
                "scheduled export not created: the tenant has too many jobs queued or processing"
            ),
            Ok(Submitted::IdempotencyConflict) => tracing::error!(
                key,
                "scheduled export not created: this quarter's key was used with another request (was the schedule's configuration changed?)"
            ),
            Err(e) => tracing::error!(key, error = %ErrorChain(&e), "scheduled export not created"),
            _ => tracing::error!(
                job_id,
                key,
                outcome = self.kind(),
                "scheduled export could not be queued"
            ),
        }
    }
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
    let (idempotency_key, result) = match request.resolve_window(now) {
        Err(e) => (base_key, Err(e.into())),
        Ok(window) => {
            let created_at = clock();
            let job = request.into_job(&window, requester, created_at);
            let (key, result) = creator
                .submit_past_unqueued(job, base_key, created_at)
                .await;
            (key, result.map_err(ScheduleError::from))
        }
    };
    ScheduledOutcome {
        tenant: tenant.clone(),
        format,
        quarter,
        idempotency_key,
        result,
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
    tracing::info!(
        run_at = %now,
        total = summaries.len(),
        covered = outcomes.iter().filter(|o| o.is_covered()).count(),
        retryable = failed,
        "quarterly schedule ran"
    );
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
