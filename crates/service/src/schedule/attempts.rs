//! A quarter's scheduled export that ran and failed (a lake object that
//! could not be read, say) is created again by a later run of the catch-up
//! week, under a key of its own per attempt, at most [`MAX_ATTEMPTS`] times a
//! quarter and [`RETRY_SPACING_HOURS`] after the failure: an outage of a day
//! does not use up every attempt, and a lake that stays broken does not get a
//! job every hour.
use super::due::CATCH_UP_DAYS;
use crate::job_creation::{JobCreator, Submitted, was_never_queued};
use chrono::{DateTime, Duration, Utc};
use kt_domain::{Job, JobId, JobStatus};
use kt_store::StoreError;

/// Jobs one tenant, quarter and format may get, counting the first.
pub const MAX_ATTEMPTS: u32 = 3;

/// Hours between a failed attempt's end and the next attempt. The hourly
/// runs would otherwise spend all attempts within three hours of an outage;
/// a day apart, a quarter whose first attempt runs on the week's first day
/// gets its attempts on the week's first three days.
pub const RETRY_SPACING_HOURS: i64 = 24;

// Every attempt of a first run on time fits in the catch-up week, with a
// day to spare for the jobs' own run time.
const _: () = assert!((MAX_ATTEMPTS as i64 - 1) * RETRY_SPACING_HOURS < (CATCH_UP_DAYS - 1) * 24);

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

/// When the attempt after `failed` may be created: [`RETRY_SPACING_HOURS`]
/// after it ended (`completed_at`, set by every failure; its creation if a
/// record lacks it).
pub fn retry_after(failed: &Job) -> DateTime<Utc> {
    failed.completed_at.unwrap_or(failed.created_at) + Duration::hours(RETRY_SPACING_HOURS)
}

/// What the attempts came to.
pub(super) struct Attempted {
    /// The key the outcome is stored under.
    pub key: String,
    pub attempt: u32,
    /// The failed job of the attempt before, when there was one.
    pub after_failed: Option<Job>,
    /// When the reported job failed and a later run of the week will make
    /// the next attempt: from when.
    pub retry_after: Option<DateTime<Utc>>,
    pub result: Result<Submitted, StoreError>,
}

/// Submits `job` under the first attempt's key whose job has not failed:
/// replays a job that is queued, running, done or canceled; creates the
/// next attempt after a failed one whose spacing has passed at `now` (the
/// clock's time); replays a failed one still within it, with the instant
/// of its retry when that is before `week_end`. After [`MAX_ATTEMPTS`]
/// failed ones, or when the retry would fall after `week_end`, replays the
/// last failed one (reported as `failed`).
pub(super) async fn submit_attempts(
    creator: &JobCreator<'_>,
    job: Job,
    base_key: &str,
    now: DateTime<Utc>,
    week_end: DateTime<Utc>,
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
        let retry = match &result {
            Ok(Submitted::Replayed(failed))
                if failed_when_run(failed) && attempt < MAX_ATTEMPTS =>
            {
                Some(retry_after(failed))
            }
            _ => None,
        };
        match (retry, result) {
            (Some(at), Ok(Submitted::Replayed(failed))) if at <= now => {
                after_failed = Some(failed);
                attempt += 1;
            }
            (retry, result) => {
                return Attempted {
                    key,
                    attempt,
                    after_failed,
                    retry_after: retry.filter(|at| *at < week_end),
                    result,
                };
            }
        }
    }
}
