//! The job state machine, once: which state each change is allowed from and
//! what the job looks like after it. Every job store decides with these pure
//! methods and only differs in how it persists the result (a conditional
//! write in DynamoDB, a map entry in memory).
//!
//! Each returns `None` when the job's state does not allow the change.
use crate::{Job, JobError, JobStats, JobStatus};
use chrono::{DateTime, Utc};

/// What a finished export leaves on its self.
#[derive(Debug, Clone)]
pub struct Completion {
    pub completed_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub event_count: u64,
    pub size_bytes: u64,
    pub sha256: String,
    pub stats: JobStats,
    pub artifact_key: String,
    /// For retained exports: until when the artifact is locked.
    pub retained_until: Option<DateTime<Utc>>,
}

impl Job {
    /// Whether the worker on `attempt` still holds the self.
    pub fn is_held_by(&self, attempt: u32) -> bool {
        self.status == JobStatus::Processing && self.attempts == attempt
    }

    /// queued -> processing, or a takeover of a processing job whose lease has
    /// ended (a lease that ends now is free now).
    pub fn claim(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> Option<Job> {
        let lease_passed = self.lease_until.is_none_or(|lease| lease <= now);
        let claimable = self.status == JobStatus::Queued
            || (self.status == JobStatus::Processing && lease_passed);
        claimable.then(|| Job {
            status: JobStatus::Processing,
            attempts: self.attempts + 1,
            lease_until: Some(lease_until),
            started_at: self.started_at.or(Some(now)),
            ..self.clone()
        })
    }

    pub fn heartbeat(
        &self,
        attempt: u32,
        progress: f64,
        event_count: u64,
        lease_until: DateTime<Utc>,
    ) -> Option<Job> {
        self.is_held_by(attempt).then(|| Job {
            progress: progress.clamp(0.0, 1.0),
            event_count: Some(event_count),
            lease_until: Some(lease_until),
            ..self.clone()
        })
    }

    pub fn complete(&self, attempt: u32, c: &Completion) -> Option<Job> {
        self.is_held_by(attempt).then(|| Job {
            status: JobStatus::Completed,
            completed_at: Some(c.completed_at),
            expires_at: Some(c.expires_at),
            event_count: Some(c.event_count),
            progress: 1.0,
            size_bytes: Some(c.size_bytes),
            sha256: Some(c.sha256.clone()),
            stats: Some(c.stats.clone()),
            artifact_key: Some(c.artifact_key.clone()),
            retained_until: c.retained_until,
            lease_until: None,
            ..self.clone()
        })
    }

    /// processing -> failed by the worker on `attempt`, or queued -> failed
    /// (`attempt` `None`: the job never started). Stats already recorded stay
    /// unless new ones are given.
    pub fn fail(
        &self,
        attempt: Option<u32>,
        error: &JobError,
        stats: Option<&JobStats>,
        now: DateTime<Utc>,
    ) -> Option<Job> {
        let allowed = match attempt {
            Some(attempt) => self.is_held_by(attempt),
            None => self.status == JobStatus::Queued,
        };
        allowed.then(|| Job {
            status: JobStatus::Failed,
            // The time the job ended, whatever the outcome.
            completed_at: Some(now),
            error: Some(error.clone()),
            stats: stats.cloned().or_else(|| self.stats.clone()),
            lease_until: None,
            ..self.clone()
        })
    }

    /// queued or processing -> canceled.
    pub fn cancel(&self, now: DateTime<Utc>) -> Option<Job> {
        self.status.is_active().then(|| Job {
            status: JobStatus::Canceled,
            completed_at: Some(now),
            lease_until: None,
            ..self.clone()
        })
    }
}
