//! The job transitions, once: which state each change is allowed from and
//! what the job looks like after it. Every [`super::JobStore`] decides with
//! these pure functions and only differs in how it stores the result
//! (a conditional write in DynamoDB, a map entry in memory).
//!
//! Each returns `None` when the job's state does not allow the change.
use super::Completion;
use crate::domain::{Job, JobError, JobStats, JobStatus};
use chrono::{DateTime, Utc};

/// Whether the worker on `attempt` still holds the job.
fn holds(job: &Job, attempt: u32) -> bool {
    job.status == JobStatus::Processing && job.attempts == attempt
}

/// queued -> processing, or a takeover of a processing job whose lease has
/// ended (a lease that ends now is free now).
pub(crate) fn claim(job: &Job, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> Option<Job> {
    let lease_passed = job.lease_until.is_none_or(|lease| lease <= now);
    let claimable =
        job.status == JobStatus::Queued || (job.status == JobStatus::Processing && lease_passed);
    claimable.then(|| Job {
        status: JobStatus::Processing,
        attempts: job.attempts + 1,
        lease_until: Some(lease_until),
        started_at: job.started_at.or(Some(now)),
        ..job.clone()
    })
}

pub(crate) fn heartbeat(
    job: &Job,
    attempt: u32,
    progress: f64,
    event_count: u64,
    lease_until: DateTime<Utc>,
) -> Option<Job> {
    holds(job, attempt).then(|| Job {
        progress: progress.clamp(0.0, 1.0),
        event_count: Some(event_count),
        lease_until: Some(lease_until),
        ..job.clone()
    })
}

pub(crate) fn complete(job: &Job, attempt: u32, c: &Completion) -> Option<Job> {
    holds(job, attempt).then(|| Job {
        status: JobStatus::Completed,
        completed_at: Some(c.completed_at),
        expires_at: Some(c.expires_at),
        event_count: Some(c.event_count),
        progress: 1.0,
        size_bytes: Some(c.size_bytes),
        sha256: Some(c.sha256.clone()),
        stats: Some(c.stats.clone()),
        artifact_key: Some(c.artifact_key.clone()),
        lease_until: None,
        ..job.clone()
    })
}

/// processing -> failed by the worker on `attempt`, or queued -> failed
/// (`attempt` `None`: the job never started). Stats already recorded stay
/// unless new ones are given.
pub(crate) fn fail(
    job: &Job,
    attempt: Option<u32>,
    error: &JobError,
    stats: Option<&JobStats>,
    now: DateTime<Utc>,
) -> Option<Job> {
    let allowed = match attempt {
        Some(attempt) => holds(job, attempt),
        None => job.status == JobStatus::Queued,
    };
    allowed.then(|| Job {
        status: JobStatus::Failed,
        // The time the job ended, whatever the outcome.
        completed_at: Some(now),
        error: Some(error.clone()),
        stats: stats.cloned().or_else(|| job.stats.clone()),
        lease_until: None,
        ..job.clone()
    })
}

/// queued or processing -> canceled.
pub(crate) fn cancel(job: &Job, now: DateTime<Utc>) -> Option<Job> {
    job.status.is_active().then(|| Job {
        status: JobStatus::Canceled,
        completed_at: Some(now),
        lease_until: None,
        ..job.clone()
    })
}
