//! What one scheduled export came to, as the run reports and logs it.
use super::{Quarter, ScheduleError};
use crate::job_creation::{Submitted, was_never_queued};
use chrono::{DateTime, Utc};
use kt_domain::{ExportFormat, Job, JobStatus, TenantId};
use kt_engine::ErrorChain;
use serde::Serialize;

/// What one scheduled export (a tenant, a format, a quarter) came to.
#[derive(Debug, Clone)]
pub struct ScheduledOutcome {
    pub tenant: TenantId,
    pub format: ExportFormat,
    pub quarter: Quarter,
    /// The key the reported job was (or would have been) created under.
    pub idempotency_key: String,
    /// 1 for the quarter's first job, 2.. for one created after a failed one.
    pub attempt: u32,
    /// The failed job of the attempt before, when there was one.
    pub after_failed: Option<Job>,
    /// The reported job failed; a run from this instant, within the
    /// catch-up week, makes the next attempt (`failed_waiting`).
    pub retry_after: Option<DateTime<Utc>>,
    pub result: Result<Submitted, ScheduleError>,
}

/// One line of the run's report (the Lambda function's response).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeSummary {
    pub tenant: String,
    pub format: String,
    pub quarter: String,
    /// `queued`, `retried`, `replayed`, `failed_waiting`, `failed`, `canceled`,
    /// `too_many_active`, `idempotency_conflict`, `enqueue_failed`,
    /// `window_refused` or `store_error`.
    pub outcome: &'static str,
    /// Whether the quarter has a job queued, running or done for it.
    pub covered: bool,
    /// Whether running the schedule again may cover it (the run then errs).
    pub retryable: bool,
    pub job_id: Option<String>,
    pub idempotency_key: String,
    pub attempt: u32,
    /// The failed job this attempt follows (`retried`, and later replays of
    /// that attempt; `failed`, `failed_waiting`: the attempt before the
    /// reported one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_job_id: Option<String>,
    /// `failed_waiting`: from when a run makes the next attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<DateTime<Utc>>,
    /// The error code of `job_id` when it failed (`failed`,
    /// `failed_waiting`), else of `failed_job_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl OutcomeSummary {
    /// Whether the quarter is left without evidence and no later run will
    /// create it (a person's cancel is a choice, not a loss; a planned
    /// attempt may still cover it).
    pub fn is_lost(&self) -> bool {
        !self.covered && !self.retryable && self.retry_after.is_none() && self.outcome != "canceled"
    }
}

fn error_code(job: &Job) -> Option<String> {
    job.error.as_ref().map(|e| e.code.clone())
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
            Ok(Submitted::Queued(_)) if self.after_failed.is_some() => "retried",
            Ok(Submitted::Queued(_)) => "queued",
            Ok(Submitted::Replayed(job)) if super::failed_when_run(job) => match self.retry_after {
                Some(_) => "failed_waiting",
                None => "failed",
            },
            Ok(Submitted::Replayed(job)) if job.status == JobStatus::Canceled => "canceled",
            Ok(Submitted::Replayed(_)) => "replayed",
            Ok(Submitted::TooManyActive { .. }) => "too_many_active",
            Ok(Submitted::IdempotencyConflict) => "idempotency_conflict",
            Ok(Submitted::EnqueueFailed { .. }) => "enqueue_failed",
            Err(ScheduleError::Window(_)) => "window_refused",
            Err(ScheduleError::Store(_)) => "store_error",
        }
    }

    /// Whether the quarter now has a job, queued, running or done, for this
    /// tenant and format (not one that failed or was canceled).
    pub fn is_covered(&self) -> bool {
        match &self.result {
            Ok(Submitted::Queued(_)) => true,
            Ok(Submitted::Replayed(job)) => {
                !matches!(job.status, JobStatus::Failed | JobStatus::Canceled)
            }
            _ => false,
        }
    }

    /// Whether running the schedule again (an EventBridge retry) may cover it.
    /// Covered ones only replay, so a retry is always safe. A job that ran
    /// and failed is not: a later run makes the next attempt, once its
    /// spacing has passed.
    pub fn is_retryable(&self) -> bool {
        match &self.result {
            Ok(Submitted::EnqueueFailed { .. }) => true,
            Ok(Submitted::Replayed(job)) => was_never_queued(job),
            Err(ScheduleError::Store(e)) => e.is_retryable(),
            _ => false,
        }
    }

    pub fn summary(&self) -> OutcomeSummary {
        // `failed`: the last attempt's own error; otherwise the one it follows.
        let failed = self
            .job()
            .filter(|j| super::failed_when_run(j))
            .or(self.after_failed.as_ref());
        OutcomeSummary {
            tenant: self.tenant.to_string(),
            format: self.format.to_string(),
            quarter: self.quarter.to_string(),
            outcome: self.kind(),
            covered: self.is_covered(),
            retryable: self.is_retryable(),
            job_id: self.job().map(|j| j.id.to_string()),
            idempotency_key: self.idempotency_key.clone(),
            attempt: self.attempt,
            failed_job_id: self.after_failed.as_ref().map(|j| j.id.to_string()),
            retry_after: self.retry_after,
            reason: failed.and_then(error_code),
        }
    }

    /// One line per outcome: info when the quarter is covered as planned,
    /// warn for a new attempt, one still to come or a person's cancel, error
    /// when it is not covered and no run will cover it.
    pub(super) fn log(&self) {
        let job_id = self.job().map(|j| j.id.to_string()).unwrap_or_default();
        let key = self.idempotency_key.as_str();
        let attempt = self.attempt;
        match (&self.result, self.kind()) {
            (Ok(Submitted::Queued(_)), "queued") => {
                tracing::info!(job_id, key, "scheduled export queued");
            }
            (Ok(Submitted::Queued(_)), _) => {
                let failed = self.after_failed.as_ref();
                tracing::warn!(
                    job_id,
                    key,
                    attempt,
                    failed_job_id = failed.map(|j| j.id.to_string()).unwrap_or_default(),
                    reason = failed.and_then(error_code).unwrap_or_default(),
                    "the quarter's scheduled export failed; queued another attempt"
                );
            }
            (Ok(Submitted::Replayed(job)), "failed_waiting") => tracing::warn!(
                job_id,
                key,
                attempt,
                reason = error_code(job).unwrap_or_default(),
                retry_after = %self.retry_after.map(|t| t.to_rfc3339()).unwrap_or_default(),
                "the quarter's scheduled export failed; a run from retry_after makes the next attempt"
            ),
            (Ok(Submitted::Replayed(job)), "failed") if attempt < super::MAX_ATTEMPTS => {
                tracing::error!(
                    job_id,
                    key,
                    attempt,
                    reason = error_code(job).unwrap_or_default(),
                    "scheduled export failed; the catch-up week ends before another attempt"
                );
            }
            (Ok(Submitted::Replayed(job)), "failed") => tracing::error!(
                job_id,
                key,
                attempt,
                reason = error_code(job).unwrap_or_default(),
                "scheduled export failed on every attempt; no further attempt this quarter"
            ),
            (Ok(Submitted::Replayed(_)), "canceled") => tracing::warn!(
                job_id,
                key,
                attempt,
                "the quarter's scheduled export was canceled; not created again"
            ),
            (Ok(Submitted::Replayed(job)), _) if self.is_covered() => tracing::info!(
                job_id,
                key,
                attempt,
                status = job.status.as_str(),
                "scheduled export already created for this quarter; replayed"
            ),
            (Ok(Submitted::TooManyActive { limit }), _) => tracing::error!(
                key,
                limit,
                "scheduled export not created: the tenant has too many jobs queued or processing"
            ),
            (Ok(Submitted::IdempotencyConflict), _) => tracing::error!(
                key,
                "scheduled export not created: this quarter's key was used with another request (was the schedule's configuration changed?)"
            ),
            (Err(e), _) => {
                tracing::error!(key, error = %ErrorChain(&e), "scheduled export not created");
            }
            _ => tracing::error!(
                job_id,
                key,
                outcome = self.kind(),
                "scheduled export could not be queued"
            ),
        }
    }
}
