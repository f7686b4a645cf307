//! The sweeper's transitions, as pure functions like the transitions of [`crate::Job`]: what
//! happens to an active job nobody is working on. Each returns `None` when
//! the job is not stranded (finished, or held by a live lease), so a sweeper
//! racing a worker can only ever lose.
use crate::{Job, JobError, JobStatus};
use chrono::{DateTime, Duration, Utc};

/// How patient the sweeper is with a stranded job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepPolicy {
    /// A queued job (or a processing one whose lease lapsed) this long ago
    /// without progress gets a new message.
    pub requeue_after: Duration,
    /// New messages per job before it is failed instead.
    pub max_requeues: u32,
    /// Claims per job: a lapsed lease on the last one fails the job at once.
    pub max_attempts: u32,
    /// The export queue has messages waiting while workers hold others: the
    /// workers are busy, so a queued job's message is most likely in the
    /// line. Queued jobs are then left alone (a new message would only join
    /// the line, and failing them would fail healthy work under load), for
    /// at most [`BACKLOG_HOLD`] thresholds; a processing job whose lease
    /// lapsed is still handled.
    pub queue_backlogged: bool,
}

/// How many `requeue_after` thresholds a backlog holds a queued job at
/// most: a line that long is not moving, and the job's message may have
/// been lost after all (2 h with the 15-minute default).
pub const BACKLOG_HOLD: i32 = 8;

/// What the sweeper did to a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepAction {
    /// Recorded a re-enqueue: the sweeper sends a new message.
    Requeued,
    /// Failed with a reason.
    Failed,
}

/// Whether nobody holds the job: queued, or processing with its lease ended.
fn unheld(job: &Job, now: DateTime<Utc>) -> bool {
    match job.status {
        JobStatus::Queued => true,
        JobStatus::Processing => job.lease_until.is_none_or(|lease| lease <= now),
        _ => false,
    }
}

/// Since when the job has been waiting for someone: its creation (queued),
/// the end of its lease (processing), or the sweeper's last re-enqueue.
pub fn waiting_since(job: &Job) -> DateTime<Utc> {
    let base = match job.status {
        JobStatus::Processing => job.lease_until.unwrap_or(job.created_at),
        _ => job.created_at,
    };
    job.requeued_at.map_or(base, |r| r.max(base))
}

fn failed(job: &Job, now: DateTime<Utc>, error: JobError) -> Job {
    Job {
        status: JobStatus::Failed,
        completed_at: Some(now),
        error: Some(error),
        lease_until: None,
        ..job.clone()
    }
}

/// The message a tenant sees when the worker was lost on the last attempt.
pub fn worker_lost(attempts: u32) -> JobError {
    JobError {
        code: "worker_lost".into(),
        message: format!(
            "The export stopped without finishing and was not picked up again after \
             {attempts} attempts. Create the export again; if it keeps happening, export a \
             shorter window or contact support with the job id."
        ),
    }
}

/// The message a tenant sees when the job could never be started.
pub fn not_started() -> JobError {
    JobError {
        code: "not_started".into(),
        message: "The export could not be started: the export queue did not deliver it. \
                  Create the export again later."
            .into(),
    }
}

/// The message a tenant sees when the job's message was dead-lettered.
pub fn dead_lettered() -> JobError {
    JobError {
        code: "delivery_failed".into(),
        message: "The export could not be run: its work item was given up after repeated \
                  delivery failures. Create the export again."
            .into(),
    }
}

/// A stranded job: failed on a lapsed last attempt, re-enqueued once per
/// `requeue_after`, failed when re-enqueues run out.
pub fn sweep(job: &Job, now: DateTime<Utc>, policy: &SweepPolicy) -> Option<Job> {
    if !unheld(job, now) {
        return None;
    }
    let processing = job.status == JobStatus::Processing;
    if processing && job.attempts >= policy.max_attempts {
        return Some(failed(job, now, worker_lost(job.attempts)));
    }
    if !processing
        && policy.queue_backlogged
        && now < waiting_since(job) + policy.requeue_after * BACKLOG_HOLD
    {
        return None;
    }
    if waiting_since(job) + policy.requeue_after > now {
        return None;
    }
    if job.requeues >= policy.max_requeues {
        let error = if processing {
            worker_lost(job.attempts)
        } else {
            not_started()
        };
        return Some(failed(job, now, error));
    }
    Some(Job {
        requeues: job.requeues + 1,
        requeued_at: Some(now),
        ..job.clone()
    })
}

/// What a sweep transition did, from the job it produced.
pub fn action_of(job: &Job) -> SweepAction {
    if job.status == JobStatus::Failed {
        SweepAction::Failed
    } else {
        SweepAction::Requeued
    }
}

/// A job whose message reached the dead-letter queue: failed, unless a live
/// lease still holds it (that worker finishes or the lease sweep takes over).
pub fn fail_dead_lettered(job: &Job, now: DateTime<Utc>) -> Option<Job> {
    unheld(job, now).then(|| failed(job, now, dead_lettered()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ExportFormat, ExportType, JobId, TenantId};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn policy() -> SweepPolicy {
        SweepPolicy {
            requeue_after: Duration::minutes(15),
            max_requeues: 2,
            max_attempts: 3,
            queue_backlogged: false,
        }
    }

    fn job(status: JobStatus) -> Job {
        let created = t("2026-06-01T10:00:00Z");
        Job {
            id: JobId::new(),
            tenant_id: TenantId::parse("acme").unwrap(),
            export_type: ExportType::Events,
            format: ExportFormat::Csv,
            status,
            timezone: "UTC".into(),
            window_start: created - Duration::days(1),
            window_end: created,
            label: None,
            expires_in_days: 7,
            created_at: created,
            created_by: "u_1".into(),
            started_at: None,
            completed_at: None,
            expires_at: None,
            file_name: "kt.csv".into(),
            event_count: None,
            progress: 0.0,
            size_bytes: None,
            sha256: None,
            content_type: "text/csv".into(),
            stats: None,
            error: None,
            artifact_key: None,
            lease_until: None,
            attempts: 0,
            request_hash: None,
            retention_days: None,
            retained_until: None,
            origin: None,
            requeues: 0,
            requeued_at: None,
        }
    }

    #[test]
    fn a_queued_job_is_requeued_once_per_threshold_then_failed() {
        let p = policy();
        let queued = job(JobStatus::Queued);
        assert_eq!(sweep(&queued, t("2026-06-01T10:14:59Z"), &p), None);
        let first = sweep(&queued, t("2026-06-01T10:15:00Z"), &p).unwrap();
        assert_eq!((first.status, first.requeues), (JobStatus::Queued, 1));
        assert_eq!(action_of(&first), SweepAction::Requeued);
        // Not again within the threshold of the re-enqueue.
        assert_eq!(sweep(&first, t("2026-06-01T10:29:00Z"), &p), None);
        let second = sweep(&first, t("2026-06-01T10:30:00Z"), &p).unwrap();
        assert_eq!(second.requeues, 2);
        let last = sweep(&second, t("2026-06-01T10:45:00Z"), &p).unwrap();
        assert_eq!(last.status, JobStatus::Failed);
        assert_eq!(last.error.as_ref().unwrap().code, "not_started");
        assert_eq!(last.completed_at, Some(t("2026-06-01T10:45:00Z")));
        assert_eq!(action_of(&last), SweepAction::Failed);
    }

    #[test]
    fn a_live_lease_is_never_swept() {
        let mut held = job(JobStatus::Processing);
        held.attempts = 3;
        held.lease_until = Some(t("2026-06-01T12:00:00Z"));
        assert_eq!(sweep(&held, t("2026-06-01T11:59:59Z"), &policy()), None);
        assert_eq!(fail_dead_lettered(&held, t("2026-06-01T11:59:59Z")), None);
        for done in [JobStatus::Completed, JobStatus::Failed, JobStatus::Canceled] {
            assert_eq!(
                sweep(&job(done), t("2027-01-01T00:00:00Z"), &policy()),
                None
            );
            assert_eq!(
                fail_dead_lettered(&job(done), t("2027-01-01T00:00:00Z")),
                None
            );
        }
    }

    #[test]
    fn a_lapsed_last_attempt_fails_at_once_earlier_ones_are_requeued_later() {
        let mut lost = job(JobStatus::Processing);
        lost.attempts = 3;
        lost.lease_until = Some(t("2026-06-01T12:00:00Z"));
        let failed = sweep(&lost, t("2026-06-01T12:00:00Z"), &policy()).unwrap();
        assert_eq!(failed.status, JobStatus::Failed);
        assert_eq!(failed.error.unwrap().code, "worker_lost");
        assert_eq!(failed.lease_until, None);

        lost.attempts = 1;
        assert_eq!(sweep(&lost, t("2026-06-01T12:10:00Z"), &policy()), None);
        let requeued = sweep(&lost, t("2026-06-01T12:15:00Z"), &policy()).unwrap();
        assert_eq!(
            (requeued.status, requeued.requeues),
            (JobStatus::Processing, 1)
        );
    }

    #[test]
    fn a_dead_lettered_job_fails_with_a_reason_unless_held() {
        let queued = job(JobStatus::Queued);
        let failed = fail_dead_lettered(&queued, t("2026-06-01T10:01:00Z")).unwrap();
        assert_eq!(failed.status, JobStatus::Failed);
        let error = failed.error.unwrap();
        assert_eq!(error.code, "delivery_failed");
        assert!(!error.message.contains("arn:"));
    }

    #[test]
    fn a_backlog_holds_queued_jobs_but_not_lapsed_leases() {
        let busy = SweepPolicy {
            queue_backlogged: true,
            ..policy()
        };
        let queued = job(JobStatus::Queued);
        let much_later = queued.created_at + Duration::hours(6);
        assert!(sweep(&queued, much_later, &policy()).is_some());
        let within_hold = queued.created_at + Duration::minutes(90);
        assert_eq!(sweep(&queued, within_hold, &busy), None, "waits its turn");
        // Not forever: past the hold, it is handled as without a line.
        let stalled = queued.created_at + policy().requeue_after * BACKLOG_HOLD;
        assert!(sweep(&queued, stalled, &busy).is_some());
        let lapsed = Job {
            attempts: 3,
            lease_until: Some(much_later - Duration::minutes(1)),
            ..job(JobStatus::Processing)
        };
        let ended = sweep(&lapsed, much_later, &busy).expect("failed");
        assert_eq!(ended.error.unwrap().code, "worker_lost");
    }
}
