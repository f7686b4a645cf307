//! The finisher of a fanned-out compliance export: it merges the segments'
//! saved aggregates in plan order and writes the report (or the bundle) one
//! worker would have written, through an ordinary artifact sink (retained
//! under Object Lock when the job asks for it). When the merge cannot be exact
//! (a capped table overflowed, see `kt_engine::formats::reports::merge`), it
//! exports the frozen plan here, on one worker, instead.
use super::{FanOut, FrozenPlan, store_failure};
use crate::worker::completion::Finished;
use crate::worker::deps::{artifact_key_for, effective_retention};
use crate::worker::heartbeat::Heartbeat;
use crate::worker::{DEADLINE_MARGIN, Disposition, Worker};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use kt_domain::Job;
use kt_engine::segment::{MergeError, StateMerger, merge_stats};
use kt_engine::{ErrorChain, ExportContext, ExportError, ExportOutcome, ExportSummary, formats};
use kt_store::ArtifactMeta;
use kt_store::fanout::{FanOutRun, SegmentDone};
use sha2::{Digest, Sha256};
use tracing::{info, warn};

impl Worker {
    /// The finisher's work for a compliance format, from the recorded
    /// segments to the completed job (or a retry, or a failed job).
    pub(super) async fn finish_compliance(
        &self,
        fan_out: &FanOut,
        (job, holder): (&Job, &str),
        run: &FanOutRun,
        (frozen, ctx, segments): (&FrozenPlan, &ExportContext, &[SegmentDone]),
        (receive_count, deadline): (u32, Option<DateTime<Utc>>),
    ) -> Disposition {
        let merging = self.finish_report(fan_out, job, frozen, ctx, segments);
        let merged = match deadline {
            None => merging.await,
            Some(deadline) => {
                let budget = (deadline - Utc::now())
                    .to_std()
                    .unwrap_or_default()
                    .saturating_sub(DEADLINE_MARGIN);
                match tokio::time::timeout(budget, merging).await {
                    Ok(merged) => merged,
                    Err(_) => {
                        let why = "ran out of time";
                        return self
                            .finish_failed(fan_out, (job, holder), run, why, true, receive_count)
                            .await;
                    }
                }
            }
        };
        match merged {
            Ok(finished) => {
                let disposition = self
                    .record_completion(job, job.attempts, finished, receive_count)
                    .await;
                if disposition == Disposition::Done {
                    self.discard_segments(fan_out, run).await;
                }
                disposition
            }
            Err(ExportError::Canceled) => {
                info!("finisher stopped: job canceled or taken over");
                self.discard_segments(fan_out, run).await;
                Disposition::Done
            }
            Err(e) => {
                let why = ErrorChain(&e).to_string();
                self.finish_failed(
                    fan_out,
                    (job, holder),
                    run,
                    &why,
                    e.is_retryable(),
                    receive_count,
                )
                .await
            }
        }
    }

    /// Writes the merged report of a compliance export; `Ok` holds the
    /// completion to record.
    pub(super) async fn finish_report(
        &self,
        fan_out: &FanOut,
        job: &Job,
        frozen: &FrozenPlan,
        ctx: &ExportContext,
        segments: &[SegmentDone],
    ) -> Result<Finished, ExportError> {
        let retention = effective_retention(job, ctx.report.profile.as_ref().map(|p| &p.profile));
        let stats = merge_stats(segments.iter().map(|s| &s.stats));
        let event_count: u64 = segments.iter().map(|s| s.event_count).sum();
        let summary = ExportSummary {
            event_count,
            stats: stats.clone(),
        };
        let mut merger = StateMerger::new(job.format);
        let mut exact = true;
        for s in segments {
            // A saved aggregate is bounded (capped tables, no events): read whole.
            let saved = fan_out
                .assembly
                .get(&s.object_key)
                .await
                .map_err(|e| store_failure("reading a segment's aggregate", e))?;
            match merger.add(ctx, &saved) {
                Ok(()) => {}
                Err(MergeError::NotExact(why)) => {
                    warn!(%why, "segments cannot merge exactly; exporting on this worker");
                    exact = false;
                    break;
                }
                Err(e) => return Err(ExportError::Internal(e.to_string())),
            }
        }
        let key = artifact_key_for(job, retention);
        let outcome = if exact {
            // Off the async threads: the bundle signs its manifest by blocking on the signer.
            let (ctx, summary) = (ctx.clone(), summary.clone());
            let report = tokio::task::spawn_blocking(move || merger.finish(&ctx, &summary))
                .await
                .map_err(|e| ExportError::Internal(format!("writing the report: {e}")))?
                .map_err(|e| ExportError::Internal(e.to_string()))?;
            let outcome = ExportOutcome {
                event_count,
                size_bytes: report.len() as u64,
                sha256: hex::encode(Sha256::digest(&report)),
                stats,
                timings: Default::default(),
            };
            self.write_report(job, &key, report).await?;
            outcome
        } else {
            self.export_on_one_worker(job, &key, frozen, ctx).await?
        };
        info!(
            bytes = outcome.size_bytes,
            segments = segments.len(),
            exact,
            "report written"
        );
        Ok(Finished {
            outcome,
            sources: frozen.inventory(),
            retention,
        })
    }

    async fn write_report(&self, job: &Job, key: &str, report: Vec<u8>) -> Result<(), ExportError> {
        let mut sink = self
            .deps
            .artifacts
            .create_sink(key, &artifact_meta(job))
            .await
            .map_err(|e| store_failure("starting the artifact upload", e))?;
        if let Err(e) = sink.write(Bytes::from(report)).await {
            sink.abort().await;
            return Err(ExportError::Sink(e));
        }
        sink.finish().await.map_err(ExportError::Sink)
    }

    /// The whole frozen plan through the ordinary engine, as a single worker.
    async fn export_on_one_worker(
        &self,
        job: &Job,
        key: &str,
        frozen: &FrozenPlan,
        ctx: &ExportContext,
    ) -> Result<ExportOutcome, ExportError> {
        let plan = frozen.plan(job)?;
        let sink = self
            .deps
            .artifacts
            .create_sink(key, &artifact_meta(job))
            .await
            .map_err(|e| store_failure("starting the artifact upload", e))?;
        let heartbeat = Heartbeat {
            jobs: self.deps.jobs.clone(),
            tenant: job.tenant_id.clone(),
            job_id: job.id.clone(),
            attempt: job.attempts,
            lease: self.deps.lease,
        };
        kt_engine::run(
            self.deps.lake.clone(),
            &plan,
            ctx,
            formats::formatter_for(ctx),
            sink,
            &self.deps.engine,
            &heartbeat,
        )
        .await
    }
}

fn artifact_meta(job: &Job) -> ArtifactMeta {
    ArtifactMeta {
        content_type: job.content_type.clone(),
        file_name: job.file_name.clone(),
        job_id: job.id.to_string(),
        tenant_id: job.tenant_id.to_string(),
    }
}
