//! One segment of a fanned-out export: its hours through the ordinary
//! engine into its own object (one per invocation when it checkpoints,
//! [`super::checkpoint`]), recorded once; the last one enqueues the finisher.
use super::checkpoint::{self, Start, StopTimer};
use super::{FanOut, frozen_plan, store_failure};
use crate::worker::failure::failure_for;
use crate::worker::{DEADLINE_MARGIN, Disposition, Worker};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kt_domain::{Job, JobError};
use kt_engine::resume::{HourStop, Resume, RunEnd};
use kt_engine::run_resumable;
use kt_engine::segment::segment_plan;
use kt_engine::{ErrorChain, ExportError, Progress, ProgressObserver};
use kt_store::checkpoint::SegmentCheckpoint;
use kt_store::fanout::{FanOutRun, FanOutStore, Recorded};
use kt_store::sqs::fanout::{FanOutMessage, FanOutTask};
use kt_store::{ArtifactMeta, JobStore, Transition};
use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};

/// One invocation's run of a segment: the object it wrote, how the engine
/// ended, and the plan hour to continue at if it stopped early.
struct PieceRun {
    object_key: String,
    end: RunEnd,
    next_hour: Option<usize>,
}

impl Worker {
    /// Runs segment `index`, from its start or (`from`) the checkpoint a
    /// continuation names.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn run_segment(
        &self,
        fan_out: &FanOut,
        job: &Job,
        run: &FanOutRun,
        index: u32,
        from: Option<u32>,
        receive_count: u32,
        deadline: Option<DateTime<Utc>>,
    ) -> Disposition {
        let store = &fan_out.store;
        match store
            .segment(&job.tenant_id, &job.id, job.attempts, index)
            .await
        {
            Ok(Some(_)) => {
                info!(index, "segment already recorded; duplicate message");
                if let Err(e) = self.release_next_if_unsent(fan_out, job, run, index).await {
                    return self.store_trouble("releasing the next segment", &e);
                }
                return self.enqueue_finisher_if_done(fan_out, job).await;
            }
            Ok(None) => {}
            Err(e) => return self.store_trouble("reading a segment", &e),
        }
        let resumed = match self.segment_start(fan_out, job, index, from).await {
            Ok(Start::Run(resumed)) => resumed,
            Ok(Start::Stale) => return Disposition::Done,
            Err(e) => return self.store_trouble("reading a segment's checkpoint", &e),
        };
        let stop = HourStop::new();
        let _timer = checkpoint::checkpointable(job.format).then(|| {
            let at = checkpoint::stop_time(Utc::now(), deadline, fan_out.checkpoint_after);
            StopTimer::start(&stop, at)
        });
        let exporting =
            self.export_segment(fan_out, job, run, index, resumed.as_ref(), stop.clone());
        let exported = match deadline {
            None => exporting.await,
            Some(deadline) => {
                let budget = (deadline - Utc::now())
                    .to_std()
                    .unwrap_or_default()
                    .saturating_sub(DEADLINE_MARGIN);
                match tokio::time::timeout(budget, exporting).await {
                    Ok(exported) => exported,
                    Err(_) => {
                        if receive_count < self.deps.max_attempts {
                            warn!(
                                index,
                                "segment ran out of time; its message will be retried"
                            );
                            return Disposition::Retry;
                        }
                        let error = JobError {
                            code: "timed_out".into(),
                            message: format!(
                                "A part of the export did not finish within the worker's time \
                                 limit in {receive_count} attempts. Export a shorter window, or \
                                 split it into several jobs."
                            ),
                        };
                        return self.fail_run(fan_out, job, run, &error).await;
                    }
                }
            }
        };
        let piece = match exported {
            Ok(piece) => piece,
            Err(ExportError::Canceled) => {
                info!(index, "segment stopped: job canceled or taken over");
                self.discard_segments(fan_out, run).await;
                return Disposition::Done;
            }
            // A segment reads the plan's frozen listing: an object gone since
            // would be gone again on every attempt (not `..._with_a_new_listing`).
            Err(e) if e.is_retryable() && receive_count < self.deps.max_attempts => {
                warn!(index, error = %ErrorChain(&e), "retryable segment failure; its message will be retried");
                return Disposition::Retry;
            }
            Err(e) => {
                warn!(index, error = %ErrorChain(&e), "segment failed for good; failing the job");
                return self
                    .fail_run(fan_out, job, run, &failure_for(&e, receive_count))
                    .await;
            }
        };
        let PieceRun {
            object_key,
            end,
            next_hour,
        } = piece;
        if let Some(next_hour) = next_hour {
            return self
                .continue_later(
                    fan_out,
                    job,
                    index,
                    resumed.as_ref(),
                    (object_key, end, next_hour),
                )
                .await;
        }
        let done = checkpoint::segment_done(index, resumed.as_ref(), object_key.clone(), end);
        match store
            .record_segment(&job.tenant_id, &job.id, job.attempts, &done)
            .await
        {
            Ok(Recorded::First(progress)) => {
                info!(
                    index,
                    done = progress.done,
                    total = progress.total,
                    events = done.event_count,
                    pieces = done.pieces.len().max(1),
                    "segment recorded"
                );
                let lease_until = Utc::now() + self.deps.lease;
                let progress_fraction = f64::from(progress.done) / f64::from(progress.total.max(1));
                if let Err(e) = self
                    .deps
                    .jobs
                    .heartbeat(
                        &job.tenant_id,
                        &job.id,
                        job.attempts,
                        progress_fraction,
                        progress.events,
                        lease_until,
                    )
                    .await
                {
                    warn!(error = %ErrorChain(&e), "could not record the segment's progress on the job");
                }
                if let Err(e) = self.release_next(fan_out, job, run, index).await {
                    // Recorded: the redelivery finds it so and releases then.
                    return self.store_trouble("releasing the next segment", &e);
                }
                if progress.done >= progress.total {
                    return self.enqueue_finisher(fan_out, job).await;
                }
                Disposition::Done
            }
            Ok(Recorded::Duplicate) => {
                info!(
                    index,
                    "another delivery recorded this segment first; own object deleted"
                );
                self.discard(&object_key).await;
                self.enqueue_finisher_if_done(fan_out, job).await
            }
            Ok(Recorded::NoRun) => {
                self.discard(&object_key).await;
                Disposition::Done
            }
            Err(e) if e.is_retryable() && receive_count < self.deps.max_attempts => {
                warn!(error = %ErrorChain(&e), "could not record the segment; its message will be retried");
                self.discard(&object_key).await;
                Disposition::Retry
            }
            Err(e) => {
                error_and_discard(self, &object_key, &e).await;
                let error = JobError {
                    code: "result_not_recorded".into(),
                    message: "A part of the export was written but could not be recorded. \
                              Create the export again."
                        .into(),
                };
                self.fail_run(fan_out, job, run, &error).await
            }
        }
    }

    /// Exports the segment's hours (from its checkpoint's next hour when
    /// resumed) into a new object, until the end or until `stop`.
    async fn export_segment(
        &self,
        fan_out: &FanOut,
        job: &Job,
        run: &FanOutRun,
        index: u32,
        resumed: Option<&SegmentCheckpoint>,
        stop: HourStop,
    ) -> Result<PieceRun, ExportError> {
        let frozen = frozen_plan(fan_out, run).await?;
        let plan = frozen.plan(job)?;
        let range = frozen
            .segments
            .get(index as usize)
            .cloned()
            .ok_or_else(|| ExportError::Internal(format!("the plan has no segment {index}")))?;
        let first_hour = resumed.map_or(range.start, |c| c.next_hour);
        if !(range.start..range.end).contains(&first_hour) {
            return Err(ExportError::Internal(format!(
                "segment {index}'s checkpoint is at hour {first_hour}, outside {range:?}"
            )));
        }
        let mut part = segment_plan(&plan, index as usize, first_hour..range.end);
        if resumed.is_some() {
            // Segment 0's first piece counted them.
            part.skipped_objects = 0;
        }
        let ctx = self.fan_out_context(job, run, frozen.inventory()).await?;
        let formatter = checkpoint::piece_formatter(&ctx, index as usize, resumed.is_some())
            .ok_or_else(|| {
                ExportError::Internal(format!("{} cannot be split", job.format.as_str()))
            })?;
        let resume = Resume::new(checkpoint::saved_hash(resumed)?.as_deref(), stop)?;
        // A fresh name per delivery: two deliveries running at once never
        // write one object, and the loser deletes only its own.
        let object_key = format!(
            "{}segment-{index:06}-{}",
            run.segments_prefix,
            ulid::Ulid::new().to_string().to_ascii_lowercase()
        );
        let meta = ArtifactMeta {
            content_type: "application/octet-stream".into(),
            file_name: format!("segment-{index:06}"),
            job_id: job.id.to_string(),
            tenant_id: job.tenant_id.to_string(),
        };
        let sink = self
            .deps
            .artifacts
            .create_sink(&object_key, &meta)
            .await
            .map_err(|e| store_failure("starting the segment's upload", e))?;
        let heartbeat = SegmentHeartbeat {
            jobs: self.deps.jobs.clone(),
            store: fan_out.store.clone(),
            job: job.clone(),
            lease: self.deps.lease,
        };
        let end = run_resumable(
            self.deps.lake.clone(),
            &part,
            &ctx,
            formatter,
            sink,
            &self.deps.engine,
            &heartbeat,
            resume,
        )
        .await?;
        let next_hour = end.stopped_before.map(|h| first_hour + h);
        Ok(PieceRun {
            object_key,
            end,
            next_hour,
        })
    }

    /// Sends the finisher's message if every segment is recorded (a
    /// redelivered last segment whose first delivery died before sending it).
    async fn enqueue_finisher_if_done(&self, fan_out: &FanOut, job: &Job) -> Disposition {
        match fan_out
            .store
            .run(&job.tenant_id, &job.id, job.attempts)
            .await
        {
            Ok(Some((_, p))) if p.done >= p.total => self.enqueue_finisher(fan_out, job).await,
            Ok(_) => Disposition::Done,
            Err(e) => self.store_trouble("reading the fan-out run", &e),
        }
    }

    async fn enqueue_finisher(&self, fan_out: &FanOut, job: &Job) -> Disposition {
        let message = FanOutMessage {
            tenant_id: job.tenant_id.clone(),
            job_id: job.id.clone(),
            attempt: job.attempts,
            task: FanOutTask::Finish,
        };
        match fan_out.queue.send_fan_out(&[message]).await {
            Ok(()) => {
                info!("every segment recorded; finisher enqueued");
                Disposition::Done
            }
            // The segment is recorded: its redelivery finds it a duplicate and tries again.
            Err(e) => self.store_trouble("enqueueing the finisher", &e),
        }
    }

    /// Fails the job for the whole run and deletes what the segments wrote;
    /// the other segments stop at their next heartbeat.
    pub(super) async fn fail_run(
        &self,
        fan_out: &FanOut,
        job: &Job,
        run: &FanOutRun,
        error: &JobError,
    ) -> Disposition {
        let disposition = self.record_failure(job, job.attempts, error).await;
        self.discard_segments(fan_out, run).await;
        disposition
    }
}

async fn error_and_discard(worker: &Worker, key: &str, e: &kt_store::StoreError) {
    tracing::error!(error = %ErrorChain(e), "could not record the segment");
    worker.discard(key).await;
}

/// A segment's heartbeat: renews the job's lease with the run's progress
/// (segments done / total) and notices a cancel or a new claim.
struct SegmentHeartbeat {
    jobs: Arc<dyn JobStore>,
    store: Arc<dyn FanOutStore>,
    job: Job,
    lease: Duration,
}

#[async_trait]
impl ProgressObserver for SegmentHeartbeat {
    async fn on_progress(&self, _progress: &Progress) -> Result<(), ExportError> {
        let job = &self.job;
        let (fraction, events) = match self.store.run(&job.tenant_id, &job.id, job.attempts).await {
            Ok(Some((_, p))) => (f64::from(p.done) / f64::from(p.total.max(1)), p.events),
            Ok(None) => return Err(ExportError::Canceled),
            Err(e) => {
                warn!(error = %ErrorChain(&e), "heartbeat could not read the run");
                return Ok(());
            }
        };
        let outcome = self
            .jobs
            .heartbeat(
                &job.tenant_id,
                &job.id,
                job.attempts,
                fraction,
                events,
                Utc::now() + self.lease,
            )
            .await;
        match outcome {
            Ok(Transition::Done(_)) => Ok(()),
            Ok(Transition::Conflict(_) | Transition::NotFound) => Err(ExportError::Canceled),
            Err(e) => {
                warn!(error = %ErrorChain(&e), "heartbeat failed");
                Ok(())
            }
        }
    }
}
