//! The finisher of a fanned-out export: joins the segments into the
//! artifact (in order, hashing every byte once), seals the manifest and
//! completes the job, exactly as a single worker's export ends.
use super::NEVER_RETAINED;
use super::{FanOut, frozen_plan};
use crate::worker::completion::Finished;
use crate::worker::deps::artifact_key_for;
use crate::worker::{DEADLINE_MARGIN, Disposition, Worker};
use chrono::{DateTime, Utc};
use kt_domain::{Job, JobError};
use kt_engine::segment::{artifact_tail, merge_stats, merges_aggregates, pieces};
use kt_engine::{ErrorChain, ExportOutcome, ExportSummary};
use kt_store::ArtifactMeta;
use kt_store::fanout::FanOutRun;
use tracing::{error, info, warn};

impl Worker {
    pub(super) async fn run_finish(
        &self,
        fan_out: &FanOut,
        job: &Job,
        run: &FanOutRun,
        receive_count: u32,
        deadline: Option<DateTime<Utc>>,
    ) -> Disposition {
        let (tenant, id, attempt) = (&job.tenant_id, &job.id, job.attempts);
        let holder = ulid::Ulid::new().to_string();
        let now = Utc::now();
        match fan_out
            .store
            .claim_finish(tenant, id, attempt, &holder, now, now + self.deps.lease * 8)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                info!("another finisher holds this run; message dropped");
                return Disposition::Done;
            }
            Err(e) => return self.store_trouble("taking the finisher's lease", &e),
        }
        let segments = match fan_out.store.segments(tenant, id, attempt).await {
            Ok(s) => s,
            Err(e) => return self.store_trouble("reading the segments", &e),
        };
        if segments.len() != run.segments as usize
            || segments
                .iter()
                .enumerate()
                .any(|(i, s)| s.index as usize != i)
        {
            warn!(
                found = segments.len(),
                expected = run.segments,
                "finisher started before every segment was recorded"
            );
            return Disposition::Retry;
        }
        let frozen = match frozen_plan(fan_out, run).await {
            Ok(f) => f,
            Err(e) => {
                return self
                    .finish_failed(
                        fan_out,
                        (job, &holder),
                        run,
                        &e.to_string(),
                        e.is_retryable(),
                        receive_count,
                    )
                    .await;
            }
        };
        let ctx = match self.fan_out_context(job, run, frozen.inventory()).await {
            Ok(ctx) => ctx,
            Err(e) => {
                return self
                    .finish_failed(
                        fan_out,
                        (job, &holder),
                        run,
                        &e.to_string(),
                        e.is_retryable(),
                        receive_count,
                    )
                    .await;
            }
        };
        if merges_aggregates(job.format) {
            return self
                .finish_compliance(
                    fan_out,
                    (job, &holder),
                    run,
                    (&frozen, &ctx, &segments),
                    (receive_count, deadline),
                )
                .await;
        }
        let stats = merge_stats(segments.iter().map(|s| &s.stats));
        let event_count: u64 = segments.iter().map(|s| s.event_count).sum();
        let summary = ExportSummary {
            event_count,
            stats: stats.clone(),
        };
        let tail = match artifact_tail(&ctx, &summary) {
            Ok(tail) => tail,
            Err(e) => {
                return self
                    .finish_failed(
                        fan_out,
                        (job, &holder),
                        run,
                        &e.to_string(),
                        false,
                        receive_count,
                    )
                    .await;
            }
        };
        // A segment that checkpointed joins as its pieces, in order.
        let (outputs, sources) = super::checkpoint::join_inputs(&segments);
        let joined = pieces(job.format, &outputs, tail);
        let meta = ArtifactMeta {
            content_type: job.content_type.clone(),
            file_name: job.file_name.clone(),
            job_id: job.id.to_string(),
            tenant_id: job.tenant_id.to_string(),
        };
        let key = artifact_key_for(job, NEVER_RETAINED);
        let assembling = fan_out.assembly.assemble(&key, &meta, &sources, &joined);
        let assembled = match deadline {
            None => assembling.await,
            Some(deadline) => {
                let budget = (deadline - Utc::now())
                    .to_std()
                    .unwrap_or_default()
                    .saturating_sub(DEADLINE_MARGIN);
                match tokio::time::timeout(budget, assembling).await {
                    Ok(a) => a,
                    Err(_) => {
                        return self
                            .finish_failed(
                                fan_out,
                                (job, &holder),
                                run,
                                "ran out of time",
                                true,
                                receive_count,
                            )
                            .await;
                    }
                }
            }
        };
        let assembled = match assembled {
            Ok(a) => a,
            Err(e) => {
                let text = ErrorChain(&e).to_string();
                return self
                    .finish_failed(
                        fan_out,
                        (job, &holder),
                        run,
                        &text,
                        e.is_retryable(),
                        receive_count,
                    )
                    .await;
            }
        };
        info!(
            bytes = assembled.size_bytes,
            parts = segments.len(),
            "segments joined"
        );
        let outcome = ExportOutcome {
            event_count,
            size_bytes: assembled.size_bytes,
            sha256: assembled.sha256,
            stats,
            timings: Default::default(),
        };
        let disposition = self
            .record_completion(
                job,
                attempt,
                Finished {
                    outcome,
                    sources: frozen.inventory(),
                    retention: NEVER_RETAINED,
                },
                receive_count,
            )
            .await;
        if disposition == Disposition::Done {
            self.discard_segments(fan_out, run).await;
        }
        disposition
    }

    pub(super) async fn finish_failed(
        &self,
        fan_out: &FanOut,
        (job, holder): (&Job, &str),
        run: &FanOutRun,
        why: &str,
        retryable: bool,
        receive_count: u32,
    ) -> Disposition {
        if retryable && receive_count < self.deps.max_attempts {
            warn!(
                why,
                "joining the segments failed; the finisher's message will be retried"
            );
            // Let the next delivery take the finisher's lease at once.
            let now = Utc::now();
            let _ = fan_out
                .store
                .claim_finish(&job.tenant_id, &job.id, job.attempts, holder, now, now)
                .await;
            return Disposition::Retry;
        }
        error!(why, "joining the segments failed; failing the job");
        let error = JobError {
            code: "artifact_write_failed".into(),
            message: "The export's file could not be stored (the cause is in the service's \
                      logs). Create the export again later; if it fails again, contact \
                      support with the job id."
                .into(),
        };
        self.fail_run(fan_out, job, run, &error).await
    }
}
