//! The per-job fan-out cap (`KT_FANOUT_MAX_CONCURRENT`, `docs/scale.md`
//! "Limits"): the planner sends the first `cap` segments; the recording of
//! segment `i` (exactly once: the record's transaction) sends segment
//! `i + cap`. So at most `cap` of a job's segments are queued or running at
//! any time, and every segment is sent by exactly one recording, whatever
//! SQS redelivers. A mark notes each release after it was sent; a
//! redelivered message of a recorded segment whose release has no mark (its
//! worker died between recording and sending) sends it again: a duplicate
//! segment message at worst, which is a no-op.
use super::FanOut;
use crate::worker::Worker;
use kt_domain::Job;
use kt_engine::ErrorChain;
use kt_store::fanout::FanOutRun;
use kt_store::sqs::fanout::{FanOutMessage, FanOutTask};
use tracing::{info, warn};

/// The segments the planner sends: all, or the first `max_concurrent`.
pub(super) fn first_wave(run: &FanOutRun) -> std::ops::Range<u32> {
    0..run
        .max_concurrent
        .map_or(run.segments, |cap| cap.min(run.segments))
}

/// The segment that recording segment `index` releases, if any.
pub(super) fn released_by(run: &FanOutRun, index: u32) -> Option<u32> {
    let next = index.checked_add(run.max_concurrent?)?;
    (next < run.segments).then_some(next)
}

fn release_mark(next: u32) -> String {
    format!("SEG#{next:06}")
}

impl Worker {
    /// After segment `index` was recorded (by this delivery): sends the
    /// segment it releases. An error is returned for the caller to retry the
    /// message (its redelivery finds the segment recorded and comes here).
    pub(super) async fn release_next(
        &self,
        fan_out: &FanOut,
        job: &Job,
        run: &FanOutRun,
        index: u32,
    ) -> Result<(), kt_store::StoreError> {
        let Some(next) = released_by(run, index) else {
            return Ok(());
        };
        let message = FanOutMessage {
            tenant_id: job.tenant_id.clone(),
            job_id: job.id.clone(),
            attempt: job.attempts,
            task: FanOutTask::Segment(next),
        };
        fan_out.queue.send_fan_out(&[message]).await?;
        info!(index, next, "segment released the next one");
        if let Err(e) = fan_out
            .checkpoints
            .mark_sent(&job.tenant_id, &job.id, job.attempts, &release_mark(next))
            .await
        {
            warn!(error = %ErrorChain(&e), "could not note the released segment as sent");
        }
        Ok(())
    }

    /// A redelivered message of a recorded segment: sends its release unless
    /// a mark says it was sent.
    pub(super) async fn release_next_if_unsent(
        &self,
        fan_out: &FanOut,
        job: &Job,
        run: &FanOutRun,
        index: u32,
    ) -> Result<(), kt_store::StoreError> {
        let Some(next) = released_by(run, index) else {
            return Ok(());
        };
        let sent = fan_out
            .checkpoints
            .was_sent(&job.tenant_id, &job.id, job.attempts, &release_mark(next))
            .await?;
        if sent {
            return Ok(());
        }
        warn!(
            index,
            next, "the segment's release was not sent; sending it"
        );
        self.release_next(fan_out, job, run, index).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn run(segments: u32, max_concurrent: Option<u32>) -> FanOutRun {
        FanOutRun {
            attempt: 1,
            segments,
            generated_at: Utc::now(),
            plan_key: "p".into(),
            segments_prefix: "s/".into(),
            max_concurrent,
        }
    }

    #[test]
    fn each_segment_is_sent_once_by_the_plan_or_by_one_recorded_segment() {
        for (segments, cap) in [(10, Some(3)), (10, Some(1)), (4, Some(9)), (7, None)] {
            let run = run(segments, cap);
            let mut sent: Vec<u32> = first_wave(&run).collect();
            sent.extend((0..segments).filter_map(|i| released_by(&run, i)));
            sent.sort_unstable();
            assert_eq!(
                sent,
                (0..segments).collect::<Vec<_>>(),
                "{segments} segments, cap {cap:?}"
            );
            if let Some(cap) = cap {
                assert_eq!(first_wave(&run).len() as u32, cap.min(segments));
            }
        }
    }
}
