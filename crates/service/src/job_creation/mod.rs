//! Creating export jobs: the one path every creator takes (the HTTP API and the
//! quarterly scheduler), so both get the same windows, request hashes,
//! idempotency, active-job limit and handling of a queue that refuses a job.
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use kt_domain::share::{AuditActor, AuditEntry, AuditEvent};
use kt_domain::{
    DateBound, ExportFormat, ExportType, Job, JobError, JobId, JobStatus, TenantId, Window,
    WindowError, file_name,
};
use kt_engine::ErrorChain;
use kt_store::{CreateOutcome, JobQueue, JobStore, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How many times one submission re-creates a job whose earlier copy could not be queued.
const MAX_REQUEUES: usize = 3;

/// `JobError::code` of a job that was stored but could not be queued.
pub const ENQUEUE_FAILED: &str = "enqueue_failed";

/// A create request whose fields are each well-formed (the window may still be refused).
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRequest {
    pub export_type: ExportType,
    pub format: ExportFormat,
    pub date_from: DateBound,
    pub date_to: DateBound,
    pub timezone: Tz,
    pub label: Option<String>,
    pub expires_in_days: u32,
    /// Days to keep a compliance export under Object Lock (`Some(0)`: not
    /// at all); `None`: the tenant's default (`retention.evidence_days`).
    pub retention_days: Option<u32>,
}

/// Who a job is created for and by: the tenant it belongs to, the caller it
/// names in `created_by`, and for scheduled exports where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    pub tenant: TenantId,
    pub created_by: String,
    pub origin: Option<String>,
}

impl ExportRequest {
    /// The window the job would cover at `now` (the window rules of [`kt_domain::Window::resolve`]).
    pub fn resolve_window(&self, now: DateTime<Utc>) -> Result<Window, WindowError> {
        Window::resolve(self.date_from, self.date_to, self.timezone.name(), now)
    }

    /// SHA-256 (hex) of the request in canonical form: defaults filled in, zone
    /// and bounds normalised, so equivalent requests compare equal.
    pub fn request_hash(&self) -> String {
        #[derive(Serialize)]
        struct Canonical<'a> {
            v: u8,
            r#type: ExportType,
            format: ExportFormat,
            date_from: String,
            date_to: String,
            timezone: &'a str,
            label: Option<&'a str>,
            expires_in_days: u32,
            #[serde(skip_serializing_if = "Option::is_none")]
            retention_days: Option<u32>,
        }
        let canonical = Canonical {
            v: 1,
            r#type: self.export_type,
            format: self.format,
            date_from: bound_text(self.date_from),
            date_to: bound_text(self.date_to),
            timezone: self.timezone.name(),
            label: self.label.as_deref(),
            expires_in_days: self.expires_in_days,
            retention_days: self.retention_days,
        };
        let bytes = serde_json::to_vec(&canonical).expect("plain struct serialises");
        hex::encode(Sha256::digest(&bytes))
    }

    /// The queued job this request becomes.
    pub fn into_job(
        self,
        window: &Window,
        requester: impl Into<Requester>,
        now: DateTime<Utc>,
    ) -> Job {
        let requester = requester.into();
        let request_hash = Some(self.request_hash());
        Job {
            id: JobId::new(),
            tenant_id: requester.tenant,
            export_type: self.export_type,
            format: self.format,
            status: JobStatus::Queued,
            timezone: self.timezone.name().to_string(),
            window_start: window.start,
            window_end: window.end,
            label: self.label,
            expires_in_days: self.expires_in_days,
            created_at: now,
            created_by: requester.created_by,
            started_at: None,
            completed_at: None,
            expires_at: None,
            file_name: file_name(window, self.format),
            event_count: None,
            progress: 0.0,
            size_bytes: None,
            sha256: None,
            content_type: self.format.content_type().to_string(),
            stats: None,
            error: None,
            artifact_key: None,
            lease_until: None,
            attempts: 0,
            request_hash,
            origin: requester.origin,
            requeues: 0,
            requeued_at: None,
            retention_days: self.retention_days,
            retained_until: None,
        }
    }
}

fn bound_text(b: DateBound) -> String {
    match b {
        DateBound::Date(d) => d.to_string(),
        DateBound::Instant(t) => t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
    }
}

/// What became of a request to create a job.
#[derive(Debug, Clone)]
pub enum Submitted {
    /// A new job, stored and queued for a worker.
    Queued(Job),
    /// Same `Idempotency-Key`, same request: the job created the first time, as it is now.
    Replayed(Job),
    /// Same `Idempotency-Key`, different request: nothing was created.
    IdempotencyConflict,
    /// The tenant already has `limit` jobs queued or processing: nothing was created.
    TooManyActive { limit: u32 },
    /// Stored, but the queue refused it. The job was failed (code
    /// [`ENQUEUE_FAILED`]) so that it neither sits `queued` forever nor holds
    /// an active slot; `job` is as last known.
    EnqueueFailed { job: Job, error: StoreError },
}

/// Whether `job` ended because it could not be queued (so nothing ever ran it).
pub fn was_never_queued(job: &Job) -> bool {
    job.status == JobStatus::Failed && job.error.as_ref().is_some_and(|e| e.code == ENQUEUE_FAILED)
}

/// Creates jobs: store (idempotency, active limit), then queue.
#[derive(Clone, Copy)]
pub struct JobCreator<'a> {
    jobs: &'a dyn JobStore,
    queue: &'a dyn JobQueue,
    max_active: u32,
    /// The requesting client's address and user agent, for the audit trail.
    client: (Option<&'a str>, Option<&'a str>),
}

impl<'a> JobCreator<'a> {
    /// `max_active`: `KT_MAX_ACTIVE_JOBS`, jobs queued or processing per tenant.
    pub fn new(jobs: &'a dyn JobStore, queue: &'a dyn JobQueue, max_active: u32) -> Self {
        Self {
            jobs,
            queue,
            max_active,
            client: (None, None),
        }
    }

    /// The same creator, naming the client in each job's `created` audit entry.
    pub fn from_client(self, source_ip: Option<&'a str>, user_agent: Option<&'a str>) -> Self {
        Self {
            client: (source_ip, user_agent),
            ..self
        }
    }

    /// The `created` entry of a new job's trail: by the token's subject, or
    /// by the service for scheduled jobs. A failure is logged, not fatal.
    async fn record_created(&self, job: &Job) {
        let by = match &job.origin {
            Some(origin) => AuditActor::Service(origin.clone()),
            None => AuditActor::User(job.created_by.clone()),
        };
        let entry = AuditEntry::new(job.created_at, AuditEvent::Created, by)
            .from_client(self.client.0.map(String::from), self.client.1);
        if let Err(e) = self
            .jobs
            .append_audit(&job.tenant_id, &job.id, &entry)
            .await
        {
            tracing::error!(job_id = %job.id, error = %ErrorChain(&e), "could not record the job's creation in its audit trail");
        }
    }

    /// Stores `job` under `idempotency_key` (per tenant) and queues it.
    ///
    /// `Err` only when the store itself failed (nothing was created, or the
    /// store does not know); everything else is a [`Submitted`].
    pub async fn submit(
        &self,
        job: Job,
        idempotency_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Submitted, StoreError> {
        match self
            .jobs
            .create(&job, idempotency_key, self.max_active)
            .await?
        {
            CreateOutcome::Created(job) => {
                self.record_created(&job).await;
                Ok(self.enqueue_or_fail(job, now).await)
            }
            CreateOutcome::Replayed(job) => {
                tracing::info!(original = %job.id, "idempotent replay");
                Ok(Submitted::Replayed(job))
            }
            CreateOutcome::IdempotencyConflict => Ok(Submitted::IdempotencyConflict),
            CreateOutcome::TooManyActive => Ok(Submitted::TooManyActive {
                limit: self.max_active,
            }),
        }
    }

    /// Like [`Self::submit`] under `base_key`, except that when that key's
    /// job was never queued (the queue refused it, and the caller was told to
    /// try again), the job is created again under `<key>:after:<that job's id>`:
    /// a key every retry derives alike, so retries with the same key make
    /// progress without ever creating two queued jobs for one key. Returns the
    /// key the outcome is stored under.
    pub async fn submit_past_unqueued(
        &self,
        mut job: Job,
        base_key: String,
        now: DateTime<Utc>,
    ) -> (String, Result<Submitted, StoreError>) {
        let mut key = base_key.clone();
        for _ in 0..MAX_REQUEUES {
            match self.submit(job.clone(), Some(&key), now).await {
                Ok(Submitted::Replayed(earlier)) if was_never_queued(&earlier) => {
                    tracing::warn!(earlier = %earlier.id, "the key's job was never queued; creating it again");
                    key = format!("{base_key}:after:{}", earlier.id);
                    job.id = JobId::new();
                }
                other => return (key, other),
            }
        }
        let last = self.submit(job, Some(&key), now).await;
        (key, last)
    }

    /// A job nobody will ever pick up must not stay `queued`: fail it.
    async fn enqueue_or_fail(&self, job: Job, now: DateTime<Utc>) -> Submitted {
        let Err(error) = self.queue.enqueue(&job.tenant_id, &job.id).await else {
            tracing::info!(job_id = %job.id, format = %job.format, "export job queued");
            return Submitted::Queued(job);
        };
        tracing::error!(job_id = %job.id, error = %ErrorChain(&error), "enqueue failed; failing the job");
        let reason = JobError {
            code: ENQUEUE_FAILED.into(),
            message: "The export could not be queued. Create it again (the same Idempotency-Key creates it anew).".into(),
        };
        let job = match self
            .jobs
            .fail(&job.tenant_id, &job.id, None, &reason, None, now)
            .await
        {
            Ok(kt_store::Transition::Done(failed)) => {
                let by = failed.origin.clone().unwrap_or_else(|| "api".into());
                crate::trail::record_failed(self.jobs, &failed, &by).await;
                failed
            }
            Ok(_) => job,
            Err(fail) => {
                tracing::error!(job_id = %job.id, error = %fail, "could not mark the unqueued job failed");
                job
            }
        };
        Submitted::EnqueueFailed { job, error }
    }
}

#[cfg(test)]
mod tests;
