//! One job, from claim to completed or failed.
use super::heartbeat::Heartbeat;
use crate::config::{Config, ConfigError};
use crate::custody::Custody;
use crate::telemetry::emf::{JobEnd, JobMetrics};
use chrono::{DateTime, Duration as Days, Utc};
use chrono_tz::Tz;
use kt_domain::Completion;
use kt_domain::share::{AuditActor, AuditEntry, AuditEvent};
use kt_domain::{
    ComplianceProfile, ExportFormat, Job, JobError, JobId, JobStatus, TenantId, Window,
};
use kt_engine::ErrorChain;
use kt_engine::formats;
use kt_engine::{EngineOptions, ExportError, ExportOutcome, LakeSource};
use kt_engine::{ExportContext, ReportInputs, SourceInventory};
use kt_store::aws::{AwsClients, AwsStores};
use kt_store::resources;
use kt_store::{ArtifactMeta, ArtifactStore, JobStore, StoreError, Transition};
use std::sync::Arc;
use std::time::Duration;
use tracing::{Instrument, error, info, info_span, warn};

/// Receives of one message before a retryable failure fails the job; equal to
/// the queue's redrive `maxReceiveCount`, so the job is failed (with a reason)
/// on the last delivery instead of the message silently reaching the DLQ.
pub const MAX_ATTEMPTS: u32 = 3;

/// How long before the invocation's deadline a running export is given up,
/// so that releasing or failing the job still has time to reach the store.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(20);

/// What to do with the message that carried a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Done with it (finished, failed for good, or not ours to run): delete it.
    Done,
    /// Give it back to SQS: it becomes visible again after the visibility timeout.
    Retry,
}

/// What a worker needs; built once at cold start.
pub struct WorkerDeps {
    pub jobs: Arc<dyn JobStore>,
    pub artifacts: Arc<dyn ArtifactStore>,
    pub lake: Arc<dyn LakeSource>,
    pub engine: EngineOptions,
    /// How long a claim lasts without a heartbeat.
    pub lease: Duration,
    /// The last receive that may still retry; past it a retryable error fails the job.
    pub max_attempts: u32,
    pub pseudonym_key: String,
    /// Signs each completed job's manifest (and a bundle's own manifest);
    /// `None` in tests that do not look at custody.
    pub custody: Option<Custody>,
}

pub struct Worker {
    pub(super) deps: WorkerDeps,
    /// Splits large csv/json exports over several workers (`docs/scale.md`);
    /// `None`: every job runs on one worker.
    pub(super) fan_out: Option<Arc<super::fanout_deps::FanOut>>,
}

/// Where a claim's artifact lives in the artifacts bucket (see
/// [`resources::artifact_key`]; the attempt fences two workers apart): under
/// [`resources::RETAINED_PREFIX`] when retained for `retention_days`.
pub fn artifact_key_for(job: &Job, retention_days: Option<u32>) -> String {
    let (tenant, id) = (job.tenant_id.as_str(), job.id.as_str());
    match retention_days {
        Some(days) => {
            resources::retained_artifact_key(days, tenant, id, job.attempts, &job.file_name)
        }
        None => resources::artifact_key(
            job.expires_in_days,
            tenant,
            id,
            job.attempts,
            &job.file_name,
        ),
    }
}

/// How long a job's artifact is kept under Object Lock, if at all: the
/// request's `retention_days`, else the tenant's `retention.evidence_days`
/// (as the profile is when the export runs); only compliance formats, never 0.
pub fn effective_retention(job: &Job, profile: Option<&ComplianceProfile>) -> Option<u32> {
    if !job.format.can_be_retained() {
        return None;
    }
    let tenant_default = profile
        .and_then(|p| p.retention.as_ref())
        .and_then(|r| r.evidence_days);
    job.retention_days
        .or(tenant_default)
        .filter(|d| *d > 0)
        .map(|d| d.min(kt_domain::MAX_RETENTION_DAYS))
}

impl Worker {
    pub fn new(deps: WorkerDeps) -> Self {
        Self {
            deps,
            fan_out: None,
        }
    }

    /// The worker as Lambda and the local stack run it: AWS stores, engine
    /// options and lease from the configuration. Fails without a pseudonym key.
    pub fn from_config(clients: &AwsClients, config: &Config) -> Result<Self, ConfigError> {
        let stores = AwsStores::new(clients, &config.resources);
        Ok(Self::new(WorkerDeps {
            jobs: stores.jobs,
            artifacts: stores.artifacts,
            lake: stores.lake,
            engine: EngineOptions {
                sort_budget_bytes: config.sort_budget_bytes,
                spill_dir: config.spill_dir.clone(),
                ..EngineOptions::default()
            },
            lease: config.lease,
            max_attempts: MAX_ATTEMPTS,
            pseudonym_key: config.require_pseudonym_key()?,
            custody: None,
        })
        .with_fan_out(super::fanout_deps::FanOut::from_config(clients, config)))
    }

    /// The same worker, sealing every completed job with `custody`.
    pub fn with_custody(mut self, custody: Custody) -> Self {
        self.deps.custody = Some(custody);
        self
    }

    /// Claims the job and runs it. Never trusts the message beyond the ids:
    /// the job is re-read with the tenant-scoped key.
    pub async fn process(&self, tenant: &TenantId, id: &JobId, receive_count: u32) -> Disposition {
        self.process_until(tenant, id, receive_count, None).await
    }

    /// The same, giving up [`DEADLINE_MARGIN`] before `deadline` (when the
    /// invocation will be killed) so the outcome can still be recorded.
    pub async fn process_until(
        &self,
        tenant: &TenantId,
        id: &JobId,
        receive_count: u32,
        deadline: Option<DateTime<Utc>>,
    ) -> Disposition {
        let span = info_span!("job", tenant = %tenant, job_id = %id, receive_count);
        self.process_inner(tenant, id, receive_count, deadline)
            .instrument(span)
            .await
    }

    async fn process_inner(
        &self,
        tenant: &TenantId,
        id: &JobId,
        receive_count: u32,
        deadline: Option<DateTime<Utc>>,
    ) -> Disposition {
        let jobs = &self.deps.jobs;
        let now = Utc::now();
        let job = match jobs.claim(tenant, id, now, now + self.deps.lease).await {
            Ok(Transition::Done(job)) => job,
            Ok(Transition::Conflict(job)) if job.status == JobStatus::Processing => {
                // Held by a live lease elsewhere: do not run a second export, but
                // keep the message. If that worker dies (a local stack stopped
                // mid-export, a lease that outlives the visibility timeout), this
                // message is the only one left to take the job over once the
                // lease lapses; dropping it would leave the job processing forever.
                info!("job held by a live lease; looking again after the visibility timeout");
                return Disposition::Retry;
            }
            Ok(Transition::Conflict(job)) => {
                // Finished or canceled: a second delivery must not run a second export.
                info!(
                    status = job.status.as_str(),
                    "job not claimable; message dropped"
                );
                return Disposition::Done;
            }
            Ok(Transition::NotFound) => {
                warn!("job does not exist; message dropped");
                return Disposition::Done;
            }
            Err(e) => return self.store_trouble("claim", &e),
        };
        let attempt = job.attempts;
        // A message the sweeper re-sent starts its receive count afresh; the
        // job's own claims say how many runs it has had.
        let receive_count = receive_count.max(attempt);
        info!(attempt, format = job.format.as_str(), "export started");
        if let Some(fanned_out) = self.fan_out_if_large(&job, receive_count).await {
            return fanned_out;
        }

        let exported = match deadline {
            None => self.export(&job).await,
            Some(deadline) => {
                let budget = (deadline - Utc::now())
                    .to_std()
                    .unwrap_or_default()
                    .saturating_sub(DEADLINE_MARGIN);
                match tokio::time::timeout(budget, self.export(&job)).await {
                    Ok(exported) => exported,
                    Err(_) => return self.out_of_time(&job, attempt, receive_count).await,
                }
            }
        };
        match exported {
            Ok((outcome, sources, retention)) => {
                let run = Finished {
                    outcome,
                    sources,
                    retention,
                };
                self.record_completion(&job, attempt, run, receive_count)
                    .await
            }
            Err(ExportError::Canceled) => {
                info!("export stopped: job canceled or taken over");
                Disposition::Done
            }
            Err(e) if e.is_retryable() && receive_count < self.deps.max_attempts => {
                warn!(error = %ErrorChain(&e), "retryable export failure; releasing the job for another attempt");
                self.release(&job, attempt).await
            }
            Err(e) => {
                let error = failure_for(&e, receive_count);
                self.record_failure(&job, attempt, &error).await
            }
        }
    }

    /// The invocation is about to be killed with the export unfinished (its
    /// upload is left incomplete; the bucket's lifecycle rule aborts it).
    pub(super) async fn out_of_time(
        &self,
        job: &Job,
        attempt: u32,
        receive_count: u32,
    ) -> Disposition {
        if receive_count < self.deps.max_attempts {
            warn!("export ran out of time; releasing the job for another attempt");
            return self.release(job, attempt).await;
        }
        let error = JobError {
            code: "timed_out".into(),
            message: format!(
                "The export did not finish within the worker's time limit in {receive_count} \
                 attempts. Export a shorter window, or split it into several jobs."
            ),
        };
        self.record_failure(job, attempt, &error).await
    }

    /// Gives the job back for another delivery: releases the lease so the
    /// redelivered message can take over at once, and retries the message.
    pub(super) async fn release(&self, job: &Job, attempt: u32) -> Disposition {
        let released = self
            .deps
            .jobs
            .heartbeat(
                &job.tenant_id,
                &job.id,
                attempt,
                job.progress,
                job.event_count.unwrap_or(0),
                Utc::now(),
            )
            .await;
        if let Err(store) = released {
            warn!(error = %store, "could not release the lease; it will lapse");
        }
        Disposition::Retry
    }

    async fn export(
        &self,
        job: &Job,
    ) -> Result<(ExportOutcome, SourceInventory, Option<u32>), ExportError> {
        let window = job_window(job)?;
        let plan = kt_engine::plan(self.deps.lake.as_ref(), &job.tenant_id, &window).await?;
        let report = self.report_inputs(job).await?;
        let retention = effective_retention(job, report.profile.as_ref().map(|p| &p.profile));
        let ctx = ExportContext {
            job_id: Some(job.id.clone()),
            tenant_id: job.tenant_id.clone(),
            format: job.format,
            window,
            file_name: job.file_name.clone(),
            generated_at: Utc::now(),
            requested_by: job.created_by.clone(),
            pseudonym_key: self.deps.pseudonym_key.clone(),
            sources: plan.inventory.clone(),
            signer: self.deps.custody.as_ref().map(|c| c.signer.clone()),
            timestamper: self
                .deps
                .custody
                .as_ref()
                .and_then(|c| c.timestamper.clone()),
            report,
        };
        let meta = ArtifactMeta {
            content_type: job.content_type.clone(),
            file_name: job.file_name.clone(),
            job_id: job.id.to_string(),
            tenant_id: job.tenant_id.to_string(),
        };
        let sink = self
            .deps
            .artifacts
            .create_sink(&artifact_key_for(job, retention), &meta)
            .await
            .map_err(|e| {
                let retryable = e.is_retryable();
                ExportError::Sink(
                    kt_engine::SinkError::new("starting the artifact upload", retryable)
                        .caused_by(e),
                )
            })?;
        let heartbeat = Heartbeat {
            jobs: self.deps.jobs.clone(),
            tenant: job.tenant_id.clone(),
            job_id: job.id.clone(),
            attempt: job.attempts,
            lease: self.deps.lease,
        };
        let formatter = formats::formatter_for(&ctx);
        kt_engine::run(
            self.deps.lake.clone(),
            &plan,
            &ctx,
            formatter,
            sink,
            &self.deps.engine,
            &heartbeat,
        )
        .await
        .map(|outcome| (outcome, plan.inventory, retention))
    }

    /// The label and, for compliance formats, the tenant's profile as it is now
    /// (the report cites its version).
    pub(super) async fn report_inputs(&self, job: &Job) -> Result<ReportInputs, ExportError> {
        let profile = if matches!(job.format, ExportFormat::Csv | ExportFormat::Json) {
            None
        } else {
            self.deps
                .jobs
                .get_profile(&job.tenant_id)
                .await
                .map_err(|e| {
                    let retryable = e.is_retryable();
                    ExportError::Source(
                        kt_engine::SourceError::new(
                            "compliance-profile",
                            "the tenant's compliance profile could not be read",
                            retryable,
                        )
                        .caused_by(e),
                    )
                })?
        };
        Ok(ReportInputs {
            label: job.label.clone(),
            profile,
        })
    }

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
        // The manifest is sealed before the job says completed, so every
        // completed job has one; a seal that fails is retried like a store write.
        if let Some(custody) = &self.deps.custody {
            // A job canceled (or taken over) while it ran must not take a
            // place in the chain: look again right before signing.
            if let Some(now) = self.changed_since_claim(job, attempt).await {
                info!(
                    status = now,
                    "job changed before its manifest was sealed; result dropped, no manifest"
                );
                self.discard(&completion.artifact_key).await;
                return Disposition::Done;
            }
            let sealed = custody.seal(&completed(job, &completion), sources).await;
            match sealed {
                Ok(m) => info!(key_id = %m.key_id, "manifest signed and chained"),
                Err(e) if e.is_retryable() && receive_count < self.deps.max_attempts => {
                    warn!(error = %e, "could not seal the manifest; releasing the job for another attempt");
                    return self.release(job, attempt).await;
                }
                Err(e) => {
                    error!(error = %e, "could not seal the manifest; failing the job");
                    let error = JobError {
                        code: "manifest_not_signed".into(),
                        message: "The export was written but its manifest could not be signed. \
                                  Create the export again."
                            .into(),
                    };
                    return self.record_failure(job, attempt, &error).await;
                }
            }
        }
        match self
            .deps
            .jobs
            .complete(&job.tenant_id, &job.id, attempt, &completion)
            .await
        {
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
            // The artifact is written but the job does not say so. Another
            // delivery can redo it; past the last one (or if the store refuses
            // for good) the job must not stay `processing` with nobody on it.
            Err(e) if e.is_retryable() && receive_count < self.deps.max_attempts => {
                warn!(error = %ErrorChain(&e), "could not record the completion; releasing the job for another attempt");
                self.release(job, attempt).await
            }
            Err(e) => {
                error!(error = %ErrorChain(&e), "could not record the completion; failing the job");
                let error = JobError {
                    code: "result_not_recorded".into(),
                    message: "The export was written but its result could not be recorded. \
                              Create the export again."
                        .into(),
                };
                self.record_failure(job, attempt, &error).await
            }
        }
    }

    /// `Some(status)` when the job is no longer this claim's to complete
    /// (canceled, taken over, gone); `None` when it still is, or when it
    /// cannot be read (the completion's own condition decides then).
    async fn changed_since_claim(&self, job: &Job, attempt: u32) -> Option<&'static str> {
        match self.deps.jobs.get(&job.tenant_id, &job.id).await {
            Ok(Some(now)) if now.is_held_by(attempt) => None,
            Ok(Some(now)) => Some(now.status.as_str()),
            Ok(None) => Some("gone"),
            Err(e) => {
                warn!(error = %ErrorChain(&e), "could not read the job before sealing; sealing");
                None
            }
        }
    }

    /// Deletes an artifact no job names (the bucket's lifecycle rule is the backstop).
    pub(super) async fn discard(&self, key: &str) {
        if let Err(e) = self.deps.artifacts.delete(key).await {
            warn!(error = %e, key, "could not delete an unclaimed artifact; the lifecycle rule will");
        }
    }

    pub(super) async fn record_failure(
        &self,
        job: &Job,
        attempt: u32,
        error: &JobError,
    ) -> Disposition {
        error!(code = %error.code, message = %error.message, "export failed");
        match self
            .deps
            .jobs
            .fail(
                &job.tenant_id,
                &job.id,
                Some(attempt),
                error,
                None,
                Utc::now(),
            )
            .await
        {
            Ok(t) => {
                if let Transition::Done(failed) = &t {
                    crate::trail::record_failed(self.deps.jobs.as_ref(), failed, "worker").await;
                }
                job_metrics(job, JobEnd::Failed, Utc::now()).emit();
                Disposition::Done
            }
            Err(e) => self.store_trouble("fail", &e),
        }
    }

    /// The job store itself is in trouble: retry while that can help.
    pub(super) fn store_trouble(&self, step: &str, e: &StoreError) -> Disposition {
        error!(step, error = %ErrorChain(e), "job store error");
        if e.is_retryable() {
            Disposition::Retry
        } else {
            Disposition::Done
        }
    }
}

/// What an export run left for its completion to record.
pub(super) struct Finished {
    pub(super) outcome: ExportOutcome,
    pub(super) sources: SourceInventory,
    /// Days under Object Lock ([`effective_retention`]).
    pub(super) retention: Option<u32>,
}

/// `job` as it will be once `completion` is recorded (what its manifest states).
fn completed(job: &Job, completion: &Completion) -> Job {
    Job {
        status: JobStatus::Completed,
        completed_at: Some(completion.completed_at),
        expires_at: Some(completion.expires_at),
        event_count: Some(completion.event_count),
        progress: 1.0,
        size_bytes: Some(completion.size_bytes),
        sha256: Some(completion.sha256.clone()),
        stats: Some(completion.stats.clone()),
        artifact_key: Some(completion.artifact_key.clone()),
        retained_until: completion.retained_until,
        ..job.clone()
    }
}

/// The job's stored window, with its zone.
/// The metrics of a job that ended at `ended`, timed from its first claim.
fn job_metrics(job: &Job, end: JobEnd, ended: DateTime<Utc>) -> JobMetrics {
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

pub(super) fn job_window(job: &Job) -> Result<Window, ExportError> {
    let timezone: Tz = job.timezone.parse().map_err(|_| {
        ExportError::Internal(format!(
            "the job's timezone {:?} is not a known IANA zone",
            job.timezone
        ))
    })?;
    Ok(Window {
        start: job.window_start,
        end: job.window_end,
        timezone,
    })
}

/// The job's `error`: a fixed message a person can act on. It names no AWS
/// error, bucket or ARN (the log has the whole cause chain); only strict mode
/// quotes the tenant's own object key and line.
pub(super) fn failure_for(e: &ExportError, receive_count: u32) -> JobError {
    let message = match e {
        ExportError::Source(s) if s.retryable => format!(
            "Reading the event lake kept failing after {receive_count} attempts. \
             The lake may be throttled or unavailable; create the export again later."
        ),
        // The tenant's own object key, as strict mode quotes it: the bytes
        // there are at fault, not the bucket or the service's access.
        ExportError::Source(s) if s.corrupt => format!(
            "The event lake object {} is not valid gzip or is truncated; the export stopped \
             there. Have it re-delivered or removed, then create the export again.",
            s.key
        ),
        ExportError::Source(_) => "The event lake could not be read. Check that the events \
             bucket exists and that the export service may read it."
            .to_string(),
        ExportError::Sink(_) => {
            "The artifact could not be written. Check the artifacts bucket and try again."
                .to_string()
        }
        ExportError::Strict {
            object,
            line,
            reason,
        } => format!(
            "Strict mode: line {line} of {object} is malformed ({reason}); the export stopped there."
        ),
        ExportError::Canceled => "The export was canceled.".to_string(),
        ExportError::Internal(_) => {
            "The export failed because of an internal error. Create it again; if it fails \
             again, contact support with the job id."
                .to_string()
        }
    };
    JobError {
        code: e.code().to_string(),
        message,
    }
}
