//! For tests of the worker's last step: a job store that runs a hook just
//! before a completion is recorded (a cancel or a takeover landing while the
//! artifact is being finished), or refuses the completion with the hook's
//! error. Every other call goes to the store it wraps.
use crate::sweep_rules::SweepPolicy;
use crate::{CreateOutcome, JobStore, StoreError, Transition};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kt_domain::{Completion, Job, JobError, JobId, JobStats, TenantId};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Runs before each completion; an error refuses that completion.
pub type CompletionHook =
    Box<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>> + Send + Sync>;

pub struct BeforeComplete {
    pub inner: Arc<dyn JobStore>,
    hook: CompletionHook,
}

impl BeforeComplete {
    pub fn new(inner: Arc<dyn JobStore>, hook: CompletionHook) -> Self {
        Self { inner, hook }
    }

    /// Every completion fails with `error`; the rest works.
    pub fn refusing(inner: Arc<dyn JobStore>, error: StoreError) -> Self {
        Self::new(
            inner,
            Box::new(move || {
                let error = error.clone();
                Box::pin(async move { Err(error) })
            }),
        )
    }
}

#[async_trait]
impl JobStore for BeforeComplete {
    async fn create(
        &self,
        job: &Job,
        key: Option<&str>,
        max_active: u32,
    ) -> Result<CreateOutcome, StoreError> {
        self.inner.create(job, key, max_active).await
    }
    async fn get(&self, tenant: &TenantId, id: &JobId) -> Result<Option<Job>, StoreError> {
        self.inner.get(tenant, id).await
    }
    async fn ended_elsewhere(&self, job: &Job) {
        self.inner.ended_elsewhere(job).await
    }
    async fn list(
        &self,
        tenant: &TenantId,
        after: Option<&JobId>,
        limit: u32,
    ) -> Result<(Vec<Job>, Option<JobId>), StoreError> {
        self.inner.list(tenant, after, limit).await
    }
    async fn claim(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.inner.claim(tenant, id, now, lease_until).await
    }
    async fn heartbeat(
        &self,
        tenant: &TenantId,
        id: &JobId,
        attempt: u32,
        progress: f64,
        event_count: u64,
        lease_until: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.inner
            .heartbeat(tenant, id, attempt, progress, event_count, lease_until)
            .await
    }
    async fn complete(
        &self,
        tenant: &TenantId,
        id: &JobId,
        attempt: u32,
        completion: &Completion,
    ) -> Result<Transition, StoreError> {
        (self.hook)().await?;
        self.inner.complete(tenant, id, attempt, completion).await
    }
    async fn fail(
        &self,
        tenant: &TenantId,
        id: &JobId,
        attempt: Option<u32>,
        error: &JobError,
        stats: Option<&JobStats>,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.inner
            .fail(tenant, id, attempt, error, stats, now)
            .await
    }
    async fn cancel(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.inner.cancel(tenant, id, now).await
    }
    async fn stranded(
        &self,
        now: DateTime<Utc>,
        queued_before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<(TenantId, JobId)>, StoreError> {
        self.inner.stranded(now, queued_before, limit).await
    }
    async fn sweep(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
        policy: &SweepPolicy,
    ) -> Result<Transition, StoreError> {
        self.inner.sweep(tenant, id, now, policy).await
    }
    async fn fail_dead_lettered(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.inner.fail_dead_lettered(tenant, id, now).await
    }
}

crate::pass_through_profiles_and_links!(BeforeComplete);
