//! Fan-out of a large export over many workers (`docs/scale.md`).
//!
//! The worker that claims the job lists the window (as always) and, when the
//! source is larger than one segment, stores the frozen listing and a run,
//! and sends one message per segment of whole hours instead of exporting.
//! Each segment is exported by the ordinary engine into its own object
//! ([`segment`]); the last one to be recorded enqueues the finisher
//! ([`finish`]), which joins the objects into the artifact the single worker
//! would have written, hashes it, seals the manifest and completes the job.
//! Compliance formats' segments save aggregate states instead; their
//! finisher merges them and writes the report ([`reports`]).
//! Every message names the claim (`attempt`) that planned the run: one of
//! an older claim, or for a job that ended, is dropped.
mod checkpoint;
mod finish;
mod release;
mod reports;
mod segment;

use super::deps::artifact_key_for;
use super::failure::failure_logged;
pub use super::fanout_deps::FanOut;
use super::job_run::job_window;

/// Segment objects, and csv/json artifacts, are never retained (Object Lock is
/// for compliance formats, whose finisher names the artifact with the job's
/// retention): they live under the ordinary prefix.
pub(super) const NEVER_RETAINED: Option<u32> = None;
use super::{Disposition, Worker};
use chrono::{DateTime, Utc};
use kt_domain::{Job, JobStatus};
use kt_engine::segment::{split_hours, splittable};
use kt_engine::{ExportContext, ExportError, ExportPlan, SourceInventory, SourceObject};
use kt_store::fanout::FanOutRun;
use kt_store::sqs::fanout::{FanOutMessage, FanOutTask};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::Arc;
use tracing::{Instrument, info, info_span, warn};

impl Worker {
    /// The same worker, fanning large exports out (`None` leaves it as it is).
    pub fn with_fan_out(mut self, fan_out: Option<FanOut>) -> Self {
        self.fan_out = fan_out.map(Arc::new);
        self
    }

    /// Called right after a claim: fans the job out when it is large enough,
    /// returning what to do with the job's message; `None`: export it here.
    pub(super) async fn fan_out_if_large(
        &self,
        job: &Job,
        receive_count: u32,
    ) -> Option<Disposition> {
        let fan_out = self.fan_out.as_ref()?;
        if !splittable(job.format) {
            return None;
        }
        match self.plan_fan_out(fan_out, job).await {
            Ok(None) => None,
            Ok(Some(segments)) => {
                info!(segments, "export fanned out");
                Some(Disposition::Done)
            }
            Err(e) => Some(self.planning_failed(job, &e, receive_count).await),
        }
    }

    async fn planning_failed(&self, job: &Job, e: &ExportError, receive_count: u32) -> Disposition {
        if e.is_retryable_with_a_new_listing() && receive_count < self.deps.max_attempts {
            warn!(error = %kt_engine::ErrorChain(e), "fan-out planning failed; releasing the job for another attempt");
            return self.release(job, job.attempts).await;
        }
        self.record_failure(job, job.attempts, &failure_logged(e, receive_count))
            .await
    }

    /// Lists the window; with more than one segment, stores the plan and the
    /// run and sends the segments' messages. Returns the number of segments.
    async fn plan_fan_out(&self, fan_out: &FanOut, job: &Job) -> Result<Option<u32>, ExportError> {
        let window = job_window(job)?;
        let plan = kt_engine::plan(self.deps.lake.as_ref(), &job.tenant_id, &window).await?;
        let ranges = split_hours(&plan, fan_out.segment_bytes, fan_out.max_segments);
        if ranges.len() < 2 {
            return Ok(None);
        }
        let prefix = segments_prefix(job);
        let run = FanOutRun {
            attempt: job.attempts,
            segments: ranges.len() as u32,
            generated_at: Utc::now(),
            plan_key: format!("{prefix}plan.json"),
            segments_prefix: prefix,
            max_concurrent: fan_out.max_concurrent,
        };
        let frozen = serde_json::to_vec(&FrozenPlan::of(&plan, &ranges))
            .map_err(|e| ExportError::Internal(format!("fan-out plan to JSON: {e}")))?;
        fan_out
            .assembly
            .put(&run.plan_key, frozen)
            .await
            .map_err(|e| store_failure("storing the fan-out plan", e))?;
        let started = fan_out
            .store
            .start_run(&job.tenant_id, &job.id, &run)
            .await
            .map_err(|e| store_failure("starting the fan-out run", e))?;
        if !started {
            // This claim planned already (a retried message): its segments are on their way.
            return Ok(Some(run.segments));
        }
        let messages: Vec<FanOutMessage> = release::first_wave(&run)
            .map(|i| FanOutMessage {
                tenant_id: job.tenant_id.clone(),
                job_id: job.id.clone(),
                attempt: job.attempts,
                task: FanOutTask::Segment(i),
            })
            .collect();
        fan_out
            .queue
            .send_fan_out(&messages)
            .await
            .map_err(|e| store_failure("enqueueing the segments", e))?;
        Ok(Some(run.segments))
    }

    /// Runs one fan-out message (a segment or the finisher).
    pub(super) async fn fan_out_task(
        &self,
        message: &FanOutMessage,
        receive_count: u32,
        deadline: Option<DateTime<Utc>>,
    ) -> Disposition {
        let Some(fan_out) = self.fan_out.clone() else {
            warn!("a fan-out message reached a worker without fan-out; retried");
            return Disposition::Retry;
        };
        let span = info_span!("fan_out", tenant = %message.tenant_id, job_id = %message.job_id,
                              attempt = message.attempt, task = ?message.task, receive_count);
        async {
            let job = match self
                .deps
                .jobs
                .get(&message.tenant_id, &message.job_id)
                .await
            {
                Ok(Some(job)) => job,
                Ok(None) => return Disposition::Done,
                Err(e) => return self.store_trouble("reading the job", &e),
            };
            if job.status != JobStatus::Processing || job.attempts != message.attempt {
                info!(
                    status = job.status.as_str(),
                    "job ended or claimed again; fan-out message dropped"
                );
                if job.status == JobStatus::Canceled && job.attempts == message.attempt {
                    // What finished before the cancel (segments, pieces) goes now,
                    // not with the lifecycle rule.
                    if let Ok(Some((run, _))) = fan_out
                        .store
                        .run(&job.tenant_id, &job.id, job.attempts)
                        .await
                    {
                        self.discard_segments(&fan_out, &run).await;
                    }
                }
                return Disposition::Done;
            }
            let run = match fan_out
                .store
                .run(&job.tenant_id, &job.id, job.attempts)
                .await
            {
                Ok(Some((run, _))) => run,
                Ok(None) => {
                    warn!("no fan-out run for this claim; message dropped");
                    return Disposition::Done;
                }
                Err(e) => return self.store_trouble("reading the fan-out run", &e),
            };
            let receive_count = receive_count.max(1);
            match message.task {
                FanOutTask::Segment(index) => {
                    self.run_segment(&fan_out, &job, &run, index, None, receive_count, deadline)
                        .await
                }
                FanOutTask::Continue {
                    segment,
                    checkpoint,
                } => {
                    self.run_segment(
                        &fan_out,
                        &job,
                        &run,
                        segment,
                        Some(checkpoint),
                        receive_count,
                        deadline,
                    )
                    .await
                }
                FanOutTask::Finish => {
                    self.run_finish(&fan_out, &job, &run, receive_count, deadline)
                        .await
                }
            }
        }
        .instrument(span)
        .await
    }

    /// The context every segment and the finisher share: one `generated_at`.
    async fn fan_out_context(
        &self,
        job: &Job,
        run: &FanOutRun,
        sources: SourceInventory,
    ) -> Result<ExportContext, ExportError> {
        Ok(ExportContext {
            job_id: Some(job.id.clone()),
            tenant_id: job.tenant_id.clone(),
            format: job.format,
            window: job_window(job)?,
            file_name: job.file_name.clone(),
            generated_at: run.generated_at,
            requested_by: job.created_by.clone(),
            pseudonym_key: self.deps.pseudonym_key.clone(),
            sources,
            signer: self.deps.custody.as_ref().map(|c| c.signer.clone()),
            timestamper: self
                .deps
                .custody
                .as_ref()
                .and_then(|c| c.timestamper.clone()),
            report: self.report_inputs(job).await?,
        })
    }

    /// Deletes a run's plan and segment objects (best effort: the bucket's
    /// lifecycle rule is the backstop).
    async fn discard_segments(&self, fan_out: &FanOut, run: &FanOutRun) {
        if let Err(e) = fan_out.assembly.delete_prefix(&run.segments_prefix).await {
            warn!(error = %e, "could not delete the run's segments; the lifecycle rule will");
        }
    }
}

/// Where a claim's fan-out objects live: beside its artifact, under the same
/// expiry prefix (so lifecycle rules delete leftovers).
fn segments_prefix(job: &Job) -> String {
    let key = artifact_key_for(job, NEVER_RETAINED);
    let dir = key.rsplit_once('/').map(|(dir, _)| dir).unwrap_or(&key);
    format!("{dir}/fan-out/")
}

fn store_failure(doing: &str, e: kt_store::StoreError) -> ExportError {
    let retryable = e.is_retryable();
    ExportError::Sink(kt_engine::SinkError::new(doing, retryable).caused_by(e))
}

/// The listing frozen when the job was claimed, and its split into segments,
/// as stored beside the artifact (a year's listing outgrows a DynamoDB item).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FrozenPlan {
    hours: Vec<(DateTime<Utc>, Vec<FrozenObject>)>,
    skipped_objects: u64,
    objects: u64,
    bytes: u64,
    listing_digest: String,
    listed_at: Option<DateTime<Utc>>,
    segments: Vec<Range<usize>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct FrozenObject {
    key: String,
    size: u64,
    etag: String,
}

impl FrozenPlan {
    fn of(plan: &ExportPlan, segments: &[Range<usize>]) -> Self {
        Self {
            hours: plan
                .hours
                .iter()
                .map(|(hour, objects)| {
                    let objects = objects
                        .iter()
                        .map(|o| FrozenObject {
                            key: o.key.clone(),
                            size: o.size,
                            etag: o.etag.clone(),
                        })
                        .collect();
                    (*hour, objects)
                })
                .collect(),
            skipped_objects: plan.skipped_objects,
            objects: plan.inventory.objects,
            bytes: plan.inventory.bytes,
            listing_digest: plan.inventory.listing_digest.clone(),
            listed_at: plan.inventory.listed_at,
            segments: segments.to_vec(),
        }
    }

    fn inventory(&self) -> SourceInventory {
        SourceInventory {
            objects: self.objects,
            bytes: self.bytes,
            listing_digest: self.listing_digest.clone(),
            listed_at: self.listed_at,
        }
    }

    fn plan(&self, job: &Job) -> Result<ExportPlan, ExportError> {
        Ok(ExportPlan {
            tenant: job.tenant_id.clone(),
            window: job_window(job)?,
            hours: self
                .hours
                .iter()
                .map(|(hour, objects)| {
                    let objects = objects
                        .iter()
                        .map(|o| SourceObject {
                            key: o.key.clone(),
                            size: o.size,
                            etag: o.etag.clone(),
                        })
                        .collect();
                    (*hour, objects)
                })
                .collect(),
            skipped_objects: self.skipped_objects,
            inventory: self.inventory(),
        })
    }
}

/// Reads a run's frozen plan.
async fn frozen_plan(fan_out: &FanOut, run: &FanOutRun) -> Result<FrozenPlan, ExportError> {
    let bytes = fan_out
        .assembly
        .get(&run.plan_key)
        .await
        .map_err(|e| store_failure("reading the fan-out plan", e))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ExportError::Internal(format!("unreadable fan-out plan: {e}")))
}
