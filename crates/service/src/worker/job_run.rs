//! One job, from claim to the end of its export (`completion` records a
//! finished one, `failure` a failed one).
use super::completion::Finished;
use super::deps::{DEADLINE_MARGIN, Disposition, Worker, artifact_key_for, effective_retention};
use super::failure::{PROFILE_SOURCE, failure_logged};
use super::heartbeat::Heartbeat;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use kt_domain::{ExportFormat, Job, JobError, JobId, JobStatus, TenantId, Window};
use kt_engine::ErrorChain;
use kt_engine::formats;
use kt_engine::{ExportContext, ReportInputs, SourceInventory};
use kt_engine::{ExportError, ExportOutcome};
use kt_store::{ArtifactMeta, Transition};
use tracing::{Instrument, info, info_span, warn};

impl Worker {
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
            Err(e)
                if e.is_retryable_with_a_new_listing()
                    && receive_count < self.deps.max_attempts =>
            {
                warn!(error = %ErrorChain(&e), "retryable export failure; releasing the job for another attempt");
                self.release(&job, attempt).await
            }
            Err(e) => {
                let error = failure_logged(&e, receive_count);
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
                            PROFILE_SOURCE,
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
}

/// The job's stored window, with its zone.
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
