//! Ports to storage and messaging, in domain types, with AWS and in-memory
//! implementations. Adapters own every SDK type and the item mapping.
use kt_domain::{Completion, Job, JobError, JobId, JobStats, TenantId};
use kt_engine::ArtifactSink;
pub mod aws;
pub mod aws_error;
pub mod checkpoint;
pub mod completion_hook;
pub mod custody;
pub mod dynamo;
pub mod fanout;
pub mod job_events;
pub mod kms;
pub mod memory;
mod pass_through;
pub mod profiles;
pub mod resources;
pub mod s3;
pub mod secrets;
pub mod share;
pub mod sqs;
/// The sweeper's transitions (pure, in the domain), as the stores apply them.
pub use kt_domain::sweep as sweep_rules;

pub use profiles::{ProfileStore, TenantSchedule};
pub use share::{LinkCreated, LinkRevoked, ShareStore};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Throttling, timeouts, 5xx: try again.
    #[error("temporarily unavailable: {0}")]
    Transient(#[source] Failure),
    /// A missing table, bucket or queue; bad credentials; a bug.
    #[error("{0}")]
    Permanent(#[source] Failure),
}

/// What a store call was doing when it failed, in our words, with the SDK's
/// error as its source: the log shows both (see [`kt_engine::ErrorChain`]),
/// a tenant sees neither (the API and the worker answer with fixed texts).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{what}{}", source.as_ref().map(|cause| format!(": {cause}")).unwrap_or_default())]
pub struct Failure {
    pub what: String,
    #[source]
    pub source: Option<kt_engine::Cause>,
}

impl Failure {
    pub fn caused_by(
        what: impl Into<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            what: what.into(),
            source: Some(std::sync::Arc::new(cause)),
        }
    }
}

impl From<String> for Failure {
    fn from(what: String) -> Self {
        Self { what, source: None }
    }
}

impl From<&str> for Failure {
    fn from(what: &str) -> Self {
        what.to_string().into()
    }
}

impl StoreError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

/// How a create went.
#[derive(Debug, Clone)]
pub enum CreateOutcome {
    Created(Job),
    /// Same `Idempotency-Key`, same request: the job created the first time.
    Replayed(Job),
    /// Same `Idempotency-Key`, different request.
    IdempotencyConflict,
    /// The tenant already has `max_active` jobs queued or processing.
    TooManyActive,
}

/// How a conditional transition went.
#[derive(Debug, Clone)]
pub enum Transition {
    /// Applied; the job as it is now.
    Done(Job),
    /// The job is not in a state that allows it; the job as it is.
    Conflict(Job),
    NotFound,
}

/// Jobs, idempotency keys and per-tenant active-job counters.
///
/// Every transition is conditional on the current status (and, for the worker,
/// on its attempt number, which stands for its lease), so concurrent actors
/// cannot both win. Transitions into and out of queued/processing change the
/// tenant's active counter in the same transaction.
#[async_trait]
pub trait JobStore: profiles::ProfileStore + share::ShareStore + Send + Sync {
    async fn create(
        &self,
        job: &Job,
        idempotency_key: Option<&str>,
        max_active: u32,
    ) -> Result<CreateOutcome, StoreError>;

    async fn get(&self, tenant: &TenantId, id: &JobId) -> Result<Option<Job>, StoreError>;

    /// Newest first, at most `limit`, starting after `after` (exclusive).
    /// Returns the jobs and the id to continue after, if there may be more.
    async fn list(
        &self,
        tenant: &TenantId,
        after: Option<&JobId>,
        limit: u32,
    ) -> Result<(Vec<Job>, Option<JobId>), StoreError>;

    /// queued -> processing, or takes over a processing job whose lease has
    /// passed. Increments `attempts`, sets `lease_until` and `started_at`.
    async fn claim(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Transition, StoreError>;

    /// Records progress and renews the lease, if `attempt` still holds the job.
    async fn heartbeat(
        &self,
        tenant: &TenantId,
        id: &JobId,
        attempt: u32,
        progress: f64,
        event_count: u64,
        lease_until: DateTime<Utc>,
    ) -> Result<Transition, StoreError>;

    /// processing -> completed, if `attempt` still holds the job.
    async fn complete(
        &self,
        tenant: &TenantId,
        id: &JobId,
        attempt: u32,
        completion: &Completion,
    ) -> Result<Transition, StoreError>;

    /// processing -> failed, if `attempt` still holds the job; `attempt = None`
    /// fails a queued job (it could not be started at all).
    async fn fail(
        &self,
        tenant: &TenantId,
        id: &JobId,
        attempt: Option<u32>,
        error: &JobError,
        stats: Option<&JobStats>,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError>;

    /// queued/processing -> canceled.
    async fn cancel(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError>;

    /// Jobs the sweeper should look at, across tenants, at most `limit`:
    /// processing with a lease ended by `now`, queued (or re-enqueued) by
    /// `queued_before`. A candidate may have moved on by the time it is swept.
    async fn stranded(
        &self,
        now: DateTime<Utc>,
        queued_before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<(TenantId, JobId)>, StoreError>;

    /// Applies [`sweep_rules::sweep`]: a stranded job is marked re-enqueued
    /// or failed; a job someone holds (or that ended) is a `Conflict`.
    async fn sweep(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
        policy: &sweep_rules::SweepPolicy,
    ) -> Result<Transition, StoreError>;

    /// Fails a job whose message reached the dead-letter queue, unless a live
    /// lease holds it.
    async fn fail_dead_lettered(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError>;

    /// Told that `job` ended in a write made elsewhere (the custody
    /// transaction that seals a manifest and completes its job at once), so
    /// that a wrapper acting on how jobs end (completion events) acts on it
    /// too. Stores nothing.
    async fn ended_elsewhere(&self, job: &Job) {
        let _ = job;
    }
}

/// A message in the dead-letter queue: its body and the handle that removes it.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub body: String,
    pub receipt_handle: String,
}

/// The export queue's dead-letter queue, read by the sweeper.
#[async_trait]
pub trait DeadLetterQueue: Send + Sync {
    /// Up to `max` (1..=10) messages, without waiting.
    async fn receive(&self, max: i32) -> Result<Vec<DeadLetter>, StoreError>;
    async fn delete(&self, receipt_handle: &str) -> Result<(), StoreError>;
}

/// The export queue: one message `{tenant_id, job_id}` per job.
#[async_trait]
pub trait JobQueue: Send + Sync {
    async fn enqueue(&self, tenant: &TenantId, id: &JobId) -> Result<(), StoreError>;
    /// About how many messages wait for a worker and how many workers hold
    /// (SQS's `ApproximateNumberOfMessages` and `...NotVisible`): a line
    /// while workers hold messages means busy workers, which the sweeper
    /// must not mistake for lost jobs.
    async fn depth(&self) -> Result<QueueDepth, StoreError>;
}

/// What [`JobQueue::depth`] reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    pub waiting: u64,
    pub in_flight: u64,
}

impl QueueDepth {
    /// Messages wait while workers take others: a line that moves. A line
    /// nobody takes from (the event source off, every worker failing) is
    /// not busy workers, and jobs in it are handled as lost.
    pub fn busy(&self) -> bool {
        self.waiting > 0 && self.in_flight > 0
    }
}

/// Metadata an artifact is stored with.
#[derive(Debug, Clone)]
pub struct ArtifactMeta {
    pub content_type: String,
    pub file_name: String,
    pub job_id: String,
    pub tenant_id: String,
}

/// The artifacts bucket: write an artifact, hand out short-lived links to it.
#[async_trait]
pub trait ArtifactStore: Send + Sync {
    /// Starts writing `key`; nothing is visible until the sink finishes.
    async fn create_sink(
        &self,
        key: &str,
        meta: &ArtifactMeta,
    ) -> Result<Box<dyn ArtifactSink>, StoreError>;

    /// Removes an artifact (a canceled job's, or a lease loser's); removing a
    /// missing key is not an error.
    async fn delete(&self, key: &str) -> Result<(), StoreError>;

    /// Locks the artifact at `key` in compliance mode until `until` (S3 Object
    /// Lock): nobody, not even the account's root, can delete or overwrite
    /// that version before then.
    async fn lock_until(&self, key: &str, until: DateTime<Utc>) -> Result<(), StoreError>;

    /// A presigned GET that serves the object as an attachment named `file_name`.
    async fn presign_get(
        &self,
        key: &str,
        file_name: &str,
        expires_in: Duration,
    ) -> Result<String, StoreError>;

    /// Streams a finished artifact (the API renders a report from it).
    async fn open(
        &self,
        key: &str,
    ) -> Result<Box<dyn tokio::io::AsyncRead + Send + Unpin>, StoreError>;
}
