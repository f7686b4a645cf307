//! In-memory JobStore, JobQueue and ArtifactStore for domain and HTTP tests.
//!
//! They keep the trait semantics of the AWS adapters (conditional transitions,
//! leases by attempt number, the per-tenant active counter, idempotency keys,
//! newest-first paging), so tests against them mean something. Each can be
//! told to fail, to exercise error paths.
//!
mod artifacts;
mod custody;
pub use custody::MemoryCustodyStore;
mod profiles;
mod share;

pub use artifacts::{MemoryArtifactStore, StoredArtifact};

use super::{
    CreateOutcome, DeadLetter, DeadLetterQueue, JobQueue, JobStore, StoreError, Transition,
    sweep_rules,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kt_domain::Completion;
use kt_domain::{Job, JobError, JobId, JobStats, JobStatus, TenantId};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

/// A lock that survives a panicking test thread.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Default)]
struct Tables {
    jobs: BTreeMap<(TenantId, JobId), Job>,
    idempotency: HashMap<(TenantId, String), JobId>,
    /// Jobs queued or processing, per tenant (the DynamoDB counter item).
    active: HashMap<TenantId, u32>,
}

impl Tables {
    fn leave_active(&mut self, tenant: &TenantId) {
        if let Some(n) = self.active.get_mut(tenant) {
            *n = n.saturating_sub(1);
        }
    }
}

/// Jobs in a map; every operation is atomic under one lock.
#[derive(Default)]
pub struct MemoryJobStore {
    tables: Mutex<Tables>,
    failure: Mutex<Option<StoreError>>,
    profiles: Mutex<BTreeMap<TenantId, kt_domain::VersionedProfile>>,
    /// Every version each tenant's profile had, as the history items keep them.
    profile_history: Mutex<BTreeMap<(TenantId, u64), kt_domain::VersionedProfile>>,
    shares: Mutex<Shares>,
    /// Makes audit appends alone fail (see [`MemoryJobStore::fail_audit_with`]).
    audit_failure: Mutex<Option<StoreError>>,
}

/// Share links (by id, and by their token's hash) and audit trails.
#[derive(Default)]
struct Shares {
    links: BTreeMap<kt_domain::share::LinkId, kt_domain::share::ShareLink>,
    tokens: HashMap<String, kt_domain::share::LinkId>,
    audit: HashMap<(TenantId, JobId), Vec<kt_domain::share::AuditEntry>>,
}

impl MemoryJobStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every call fail with `error` until called again with `None`.
    pub fn fail_with(&self, error: Option<StoreError>) {
        *lock(&self.failure) = error;
    }

    /// Makes every audit append fail with `error` (the rest works) until
    /// called again with `None`.
    pub fn fail_audit_with(&self, error: Option<StoreError>) {
        *lock(&self.audit_failure) = error;
    }

    /// The tenant's active counter, as the store keeps it.
    pub fn active_count(&self, tenant: &TenantId) -> u32 {
        lock(&self.tables).active.get(tenant).copied().unwrap_or(0)
    }

    /// Stores `job` as is (bypassing the create rules): test setup for any state.
    pub fn insert(&self, job: Job) {
        let mut t = lock(&self.tables);
        if job.status.is_active() {
            *t.active.entry(job.tenant_id.clone()).or_default() += 1;
        }
        t.jobs.insert((job.tenant_id.clone(), job.id.clone()), job);
    }

    /// Removes a job record as DynamoDB's TTL would (its idempotency key stays).
    pub fn expire_record(&self, tenant: &TenantId, id: &JobId) {
        lock(&self.tables)
            .jobs
            .remove(&(tenant.clone(), id.clone()));
    }

    fn check(&self) -> Result<(), StoreError> {
        lock(&self.failure).clone().map_or(Ok(()), Err)
    }

    /// Applies `change` to the job if `allowed` says so, keeping the active counter in step.
    fn transition(
        &self,
        tenant: &TenantId,
        id: &JobId,
        change: impl FnOnce(&Job) -> Option<Job>,
    ) -> Result<Transition, StoreError> {
        self.check()?;
        let mut t = lock(&self.tables);
        let key = (tenant.clone(), id.clone());
        let Some(job) = t.jobs.get_mut(&key) else {
            return Ok(Transition::NotFound);
        };
        let Some(next) = change(job) else {
            return Ok(Transition::Conflict(job.clone()));
        };
        let was_active = job.status.is_active();
        let now_active = next.status.is_active();
        *job = next.clone();
        let job = next;
        match (was_active, now_active) {
            (true, false) => t.leave_active(tenant),
            (false, true) => *t.active.entry(tenant.clone()).or_default() += 1,
            _ => {}
        }
        Ok(Transition::Done(job))
    }
}

#[async_trait]
impl JobStore for MemoryJobStore {
    async fn create(
        &self,
        job: &Job,
        idempotency_key: Option<&str>,
        max_active: u32,
    ) -> Result<CreateOutcome, StoreError> {
        self.check()?;
        let mut t = lock(&self.tables);
        let tenant = &job.tenant_id;
        if let Some(key) = idempotency_key
            && let Some(original) = t.idempotency.get(&(tenant.clone(), key.to_string()))
        {
            // A key whose job is gone (its record's TTL passed) is free again.
            if let Some(original) = t.jobs.get(&(tenant.clone(), original.clone())).cloned() {
                return Ok(if original.request_hash == job.request_hash {
                    CreateOutcome::Replayed(original)
                } else {
                    CreateOutcome::IdempotencyConflict
                });
            }
        }
        let key = (tenant.clone(), job.id.clone());
        if t.jobs.contains_key(&key) {
            return Err(StoreError::Permanent(
                format!("job {} already exists", job.id).into(),
            ));
        }
        if job.status.is_active() {
            let active = t.active.entry(tenant.clone()).or_default();
            if *active >= max_active {
                return Ok(CreateOutcome::TooManyActive);
            }
            *active += 1;
        }
        if let Some(k) = idempotency_key {
            t.idempotency
                .insert((tenant.clone(), k.to_string()), job.id.clone());
        }
        t.jobs.insert(key, job.clone());
        Ok(CreateOutcome::Created(job.clone()))
    }

    async fn get(&self, tenant: &TenantId, id: &JobId) -> Result<Option<Job>, StoreError> {
        self.check()?;
        Ok(lock(&self.tables)
            .jobs
            .get(&(tenant.clone(), id.clone()))
            .cloned())
    }

    async fn list(
        &self,
        tenant: &TenantId,
        after: Option<&JobId>,
        limit: u32,
    ) -> Result<(Vec<Job>, Option<JobId>), StoreError> {
        self.check()?;
        let t = lock(&self.tables);
        let mut newest_first = t
            .jobs
            .iter()
            .filter(|((owner, id), _)| owner == tenant && after.is_none_or(|a| id < a))
            .rev()
            .map(|(_, job)| job);
        let page: Vec<Job> = newest_first
            .by_ref()
            .take(limit as usize)
            .cloned()
            .collect();
        let more = newest_first.next().is_some();
        let next = if more {
            page.last().map(|j| j.id.clone())
        } else {
            None
        };
        Ok((page, next))
    }

    async fn claim(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.transition(tenant, id, |job| job.claim(now, lease_until))
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
        self.transition(tenant, id, |job| {
            job.heartbeat(attempt, progress, event_count, lease_until)
        })
    }

    async fn complete(
        &self,
        tenant: &TenantId,
        id: &JobId,
        attempt: u32,
        c: &Completion,
    ) -> Result<Transition, StoreError> {
        self.transition(tenant, id, |job| job.complete(attempt, c))
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
        self.transition(tenant, id, |job| job.fail(attempt, error, stats, now))
    }

    async fn cancel(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.transition(tenant, id, |job| job.cancel(now))
    }

    async fn stranded(
        &self,
        now: DateTime<Utc>,
        queued_before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<(TenantId, JobId)>, StoreError> {
        self.check()?;
        let t = lock(&self.tables);
        Ok(t.jobs
            .values()
            .filter(|job| match job.status {
                JobStatus::Processing => job.lease_until.is_none_or(|l| l <= now),
                JobStatus::Queued => sweep_rules::waiting_since(job) <= queued_before,
                _ => false,
            })
            .take(limit)
            .map(|job| (job.tenant_id.clone(), job.id.clone()))
            .collect())
    }

    async fn sweep(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
        policy: &sweep_rules::SweepPolicy,
    ) -> Result<Transition, StoreError> {
        self.transition(tenant, id, |job| sweep_rules::sweep(job, now, policy))
    }

    async fn fail_dead_lettered(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.transition(tenant, id, |job| sweep_rules::fail_dead_lettered(job, now))
    }
}

/// A dead-letter queue in memory: messages put there by tests.
#[derive(Default)]
pub struct MemoryDeadLetters {
    messages: Mutex<Vec<String>>,
}

impl MemoryDeadLetters {
    pub fn new() -> Self {
        Self::default()
    }
    /// Puts a message body in the queue, as SQS's redrive would.
    pub fn push(&self, body: &str) {
        lock(&self.messages).push(body.to_string());
    }
    pub fn len(&self) -> usize {
        lock(&self.messages).len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl DeadLetterQueue for MemoryDeadLetters {
    async fn receive(&self, max: i32) -> Result<Vec<DeadLetter>, StoreError> {
        let messages = lock(&self.messages);
        Ok(messages
            .iter()
            .take(max.clamp(1, 10) as usize)
            .map(|body| DeadLetter {
                body: body.clone(),
                // The body is the handle: tests never put two equal messages.
                receipt_handle: body.clone(),
            })
            .collect())
    }
    async fn delete(&self, receipt_handle: &str) -> Result<(), StoreError> {
        lock(&self.messages).retain(|body| body != receipt_handle);
        Ok(())
    }
}

/// Records enqueued messages so tests (and a local poller) can inspect or take them.
#[derive(Default)]
pub struct MemoryJobQueue {
    messages: Mutex<Vec<(TenantId, JobId)>>,
    failure: Mutex<Option<StoreError>>,
    /// What [`JobQueue::depth`] says (the messages here are a record of
    /// what was sent, not a line of work).
    depth: Mutex<crate::QueueDepth>,
}

impl MemoryJobQueue {
    pub fn new() -> Self {
        Self::default()
    }
    /// Makes every enqueue fail with `error` until called again with `None`.
    pub fn fail_with(&self, error: Option<StoreError>) {
        *lock(&self.failure) = error;
    }
    /// The messages enqueued so far, oldest first.
    pub fn messages(&self) -> Vec<(TenantId, JobId)> {
        lock(&self.messages).clone()
    }
    /// Makes [`JobQueue::depth`] report `depth`.
    pub fn set_depth(&self, depth: crate::QueueDepth) {
        *lock(&self.depth) = depth;
    }
    /// Removes and returns the messages enqueued so far, oldest first.
    pub fn take(&self) -> Vec<(TenantId, JobId)> {
        std::mem::take(&mut *lock(&self.messages))
    }
}

#[async_trait]
impl JobQueue for MemoryJobQueue {
    async fn enqueue(&self, tenant: &TenantId, id: &JobId) -> Result<(), StoreError> {
        if let Some(e) = lock(&self.failure).clone() {
            return Err(e);
        }
        lock(&self.messages).push((tenant.clone(), id.clone()));
        Ok(())
    }

    async fn depth(&self) -> Result<crate::QueueDepth, StoreError> {
        Ok(*lock(&self.depth))
    }
}

#[cfg(test)]
mod tests;
