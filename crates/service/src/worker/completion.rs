//! From a finished export to a completed job: the artifact locked for its
//! retention, the manifest sealed together with the completion (or the
//! completion alone without custody), the audit trail and the metrics; an
//! artifact no job names any more deleted.
use super::deps::{Disposition, Worker, artifact_key_for};
use crate::custody::Sealed;
use crate::telemetry::emf::{JobEnd, JobMetrics};
use chrono::{DateTime, Duration as Days, Utc};
use kt_domain::Completion;
use kt_domain::share::{AuditActor, AuditEntry, AuditEvent};
use kt_domain::{Job, JobError};
use kt_engine::ErrorChain;
use kt_engine::{ExportOutcome, SourceInventory};
use kt_store::Transition;
use tracing::{error, info, warn};

/// What an export run left for its completion to record.
pub(super) struct Finished {
    pub(super) outcome: ExportOutcome,
    pub(super) sources: SourceInventory,
    /// Days under Object Lock ([`effective_retention`]).
    pub(super) retention: Option<u32>,
}

impl Worker {
    /// The `completed` entry of the job's audit trail, naming until when the
    /// artifact is kept (from which a reader derives `expired`). A failure is
    /// logged: the job did complete.
    async fn record_completed_in_trail(&self, done: &Job) {
        let at = done.completed_at.unwrap_or_else(Utc::now);
        let mut entry = AuditEntry::new(
            at,
            AuditEvent::Completed,
            AuditActor::Service("worker".into()),
        );
        entry.until = done.artifact_available_until();
        if let Err(e) = self
            .deps
            .jobs
            .append_audit(&done.tenant_id, &done.id, &entry)
            .await
        {
            error!(error = %ErrorChain(&e), "could not record the completion in the audit trail");
        }
    }

    pub(super) async fn record_completion(
        &self,
        job: &Job,
        attempt: u32,
        run: Finished,
        receive_count: u32,
    ) -> Disposition {
        let Finished {
            outcome,
            sources,
            retention,
        } = run;
        let sources = &sources;
        let completed_at = Utc::now();
        // Whole seconds: the lock's retain-until date and the job's agree.
        let retained_until = retention.and_then(|days| {
            let until = completed_at + Days::days(i64::from(days));
            DateTime::from_timestamp(until.timestamp(), 0)
        });
        let completion = Completion {
            completed_at,
            expires_at: completed_at + Days::days(i64::from(job.expires_in_days)),
            event_count: outcome.event_count,
            size_bytes: outcome.size_bytes,
            sha256: outcome.sha256,
            stats: outcome.stats,
            artifact_key: artifact_key_for(job, retention),
            retained_until,
        };
        // Locked before the manifest says so and the job shows it.
        if let Some(until) = retained_until {
            match self
                .deps
                .artifacts
                .lock_until(&completion.artifact_key, until)
                .await
            {
                Ok(()) => info!(%until, "artifact locked for retention"),
                Err(e) if e.is_retryable() && receive_count < self.deps.max_attempts => {
                    warn!(error = %ErrorChain(&e), "could not lock the artifact; releasing the job for another attempt");
                    return self.release(job, attempt).await;
                }
                Err(e) => {
                    error!(error = %ErrorChain(&e), "could not lock the artifact; failing the job");
                    let error = JobError {
                        code: "retention_not_applied".into(),
                        message: "The export was written but could not be locked for the \
                                  requested retention. Create the export again."
                            .into(),
                    };
                    return self.record_failure(job, attempt, &error).await;
                }
            }
        }
        // With custody, the manifest is signed and chained in the same
        // transaction as the completion: every completed job has one, and a
        // job canceled (or taken over) meanwhile gets none.
        let recorded = match &self.deps.custody {
            Some(custody) => {
                match custody
                    .seal_completing(job, attempt, &completion, sources)
                    .await
                {
                    Ok(Sealed::Completed {
                        job: done,
                        manifest,
                    }) => {
                        info!(key_id = %manifest.key_id, "manifest signed and chained");
                        // Completed by the custody transaction, not through the
                        // job store: its completion event still goes out.
                        self.deps.jobs.ended_elsewhere(&done).await;
                        Ok(Transition::Done(*done))
                    }
                    Ok(Sealed::Changed(now)) => {
                        info!(
                            status = now,
                            "job changed before its manifest was sealed; result dropped, no manifest"
                        );
                        self.discard(&completion.artifact_key).await;
                        return Disposition::Done;
                    }
                    Err(e) => Err(e),
                }
            }
            None => {
                self.deps
                    .jobs
                    .complete(&job.tenant_id, &job.id, attempt, &completion)
                    .await
            }
        };
        match recorded {
            Ok(Transition::Done(done)) => {
                info!(
                    events = completion.event_count,
                    bytes = completion.size_bytes,
                    "export completed"
                );
                self.record_completed_in_trail(&done).await;
                job_metrics(job, JobEnd::Completed, completed_at)
                    .with_completion(&completion)
                    .emit();
                Disposition::Done
            }
            // Canceled while the artifact was being finished, or another
            // worker took the job over: this claim's object is nobody's, and
            // the tenant's data must not stay behind.
            Ok(Transition::Conflict(now)) => {
                info!(
                    status = now.status.as_str(),
                    "job changed before completion; result dropped"
                );
                self.discard(&completion.artifact_key).await;
                Disposition::Done
            }
            Ok(Transition::NotFound) => {
                self.discard(&completion.artifact_key).await;
                Disposition::Done
            }
            // The artifact is written but the job does not say so (nor, with
            // custody, does any manifest). Another delivery can redo it; past
            // the last one (or if the store refuses for good) the job must
            // not stay `processing` with nobody on it.
            Err(e) if e.is_retryable() && receive_count < self.deps.max_attempts => {
                warn!(error = %ErrorChain(&e), "could not record the completion; releasing the job for another attempt");
                self.release(job, attempt).await
            }
            Err(e) => {
                error!(error = %ErrorChain(&e), "could not record the completion; failing the job");
                let error = match self.deps.custody {
                    Some(_) => JobError {
                        code: "manifest_not_signed".into(),
                        message: "The export was written but its manifest could not be signed and recorded. \
                                  Create the export again."
                            .into(),
                    },
                    None => JobError {
                        code: "result_not_recorded".into(),
                        message: "The export was written but its result could not be recorded. \
                                  Create the export again."
                            .into(),
                    },
                };
                self.record_failure(job, attempt, &error).await
            }
        }
    }

    /// Deletes an artifact no job names (the bucket's lifecycle rule is the backstop).
    pub(super) async fn discard(&self, key: &str) {
        if let Err(e) = self.deps.artifacts.delete(key).await {
            warn!(error = %e, key, "could not delete an unclaimed artifact; the lifecycle rule will");
        }
    }
}

/// The metrics of a job that ended at `ended`, timed from its first claim.
pub(super) fn job_metrics(job: &Job, end: JobEnd, ended: DateTime<Utc>) -> JobMetrics {
    let started = job.started_at.unwrap_or(ended);
    JobMetrics {
        format: job.format.as_str().to_string(),
        end,
        duration: (ended - started).to_std().unwrap_or_default(),
        events_exported: 0,
        artifact_bytes: 0,
        bytes_read: 0,
        rejected_lines: 0,
    }
}

impl JobMetrics {
    fn with_completion(mut self, completion: &Completion) -> Self {
        self.events_exported = completion.event_count;
        self.artifact_bytes = completion.size_bytes;
        self.bytes_read = completion.stats.bytes_read;
        self.rejected_lines = completion.stats.rejected_lines;
        self
    }
}
