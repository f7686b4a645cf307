//! A quarter's scheduled export that ran and failed (a lake object that
//! could not be read, say) is created again by a later run of the catch-up
//! week, under a key of its own per attempt, at most [`MAX_ATTEMPTS`] times a
//! quarter: evidence is not lost to one bad hour, and a lake that stays
//! broken does not get a job every hour.
use crate::job_creation::{JobCreator, Submitted, was_never_queued};
use chrono::{DateTime, Utc};
use kt_domain::{Job, JobId, JobStatus};
use kt_store::StoreError;

/// Jobs one tenant, quarter and format may get, counting the first.
pub const MAX_ATTEMPTS: u32 = 3;

/// The key of attempt `attempt` (from 1): the quarter's key for the first,
/// so jobs created before attempts existed are still found, and
/// `<key>:attempt:<n>` after it.
pub fn attempt_key(base_key: &str, attempt: u32) -> String {
    match attempt {
        0 | 1 => base_key.to_string(),
        n => format!("{base_key}:attempt:{n}"),
    }
}

/// Whether `job` ran and failed, so that another attempt may succeed. Not a
/// job the queue refused (the `:after:` keys create that again, see
/// [`JobCreator::submit_past_unqueued`]) and not one a person canceled.
pub fn failed_when_run(job: &Job) -> bool {
    job.status == JobStatus::Failed && !was_never_queued(job)
}

/// What the attempts came to.
pub(super) struct Attempted {
    /// The key the outcome is stored under.
    pub key: String,
    pub attempt: u32,
    /// The failed job of the attempt before, when there was one.
    pub after_failed: Option<Job>,
    pub result: Result<Submitted, StoreError>,
}

/// Submits `job` under the first attempt's key whose job has not failed:
/// replays a job that is queued, running, done or canceled; creates the
/// next attempt after a failed one; after [`MAX_ATTEMPTS`] failed ones,
/// replays the last (reported as `failed`).
pub(super) async fn submit_attempts(
    creator: &JobCreator<'_>,
    job: Job,
    base_key: &str,
    now: DateTime<Utc>,
) -> Attempted {
    let mut after_failed = None;
    let mut attempt = 1;
    loop {
        let mut this = job.clone();
        if attempt > 1 {
            this.id = JobId::new();
        }
        let (key, result) = creator
            .submit_past_unqueued(this, attempt_key(base_key, attempt), now)
            .await;
        match result {
            Ok(Submitted::Replayed(failed))
                if failed_when_run(&failed) && attempt < MAX_ATTEMPTS =>
            {
                after_failed = Some(failed);
                attempt += 1;
            }
            result => {
                return Attempted {
                    key,
                    attempt,
                    after_failed,
                    result,
                };
            }
        }
    }
}
