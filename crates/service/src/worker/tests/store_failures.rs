//! The worker when the job store refuses to record a finished export.
use super::{Fixture, lake, tenant};
use crate::worker::{Disposition, Worker, WorkerDeps};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kt_domain::Completion;
use kt_domain::{Job, JobError, JobId, JobStats, JobStatus, TenantId};
use kt_engine::EngineOptions;
use kt_store::memory::MemoryJobStore;
use kt_store::{CreateOutcome, JobStore, StoreError, Transition};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The memory store, except that `complete` fails with a set error.
struct CompleteFails {
    inner: Arc<MemoryJobStore>,
    error: Mutex<Option<StoreError>>,
}

#[async_trait]
impl JobStore for CompleteFails {
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
        if let Some(e) = self.error.lock().unwrap().clone() {
            return Err(e);
        }
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
        policy: &kt_store::sweep_rules::SweepPolicy,
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

impl Fixture {
    fn worker_on(&self, jobs: Arc<dyn JobStore>) -> Worker {
        Worker::new(WorkerDeps {
            jobs,
            artifacts: self.artifacts.clone(),
            lake: self.lake.clone(),
            engine: EngineOptions::default(),
            lease: Duration::from_secs(60),
            max_attempts: 3,
            pseudonym_key: "k".into(),
            custody: None,
        })
    }
}

#[tokio::test]
async fn a_completion_the_store_refuses_fails_the_job_instead_of_leaving_it_processing() {
    let f = Fixture::new(lake());
    let job = f.queued_job().await;
    let store = Arc::new(CompleteFails {
        inner: f.jobs.clone(),
        error: Mutex::new(Some(StoreError::Permanent(
            "ValidationException: item too large".into(),
        ))),
    });

    assert_eq!(
        f.worker_on(store).process(&tenant(), &job.id, 1).await,
        Disposition::Done
    );

    let after = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(after.status, JobStatus::Failed);
    assert_eq!(after.error.unwrap().code, "result_not_recorded");
    assert_eq!(f.jobs.active_count(&tenant()), 0);
}

#[tokio::test]
async fn a_completion_that_fails_transiently_is_retried_by_the_next_delivery() {
    let f = Fixture::new(lake());
    let job = f.queued_job().await;
    let store = Arc::new(CompleteFails {
        inner: f.jobs.clone(),
        error: Mutex::new(Some(StoreError::Transient("ThrottlingException".into()))),
    });

    assert_eq!(
        f.worker_on(store.clone())
            .process(&tenant(), &job.id, 1)
            .await,
        Disposition::Retry
    );
    let held = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(held.status, JobStatus::Processing);
    assert!(held.lease_until.unwrap() <= Utc::now(), "lease released");

    // On the last delivery the store still refuses: the job fails, with a reason.
    assert_eq!(
        f.worker_on(store.clone())
            .process(&tenant(), &job.id, 3)
            .await,
        Disposition::Done
    );
    let failed = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(f.jobs.active_count(&tenant()), 0);
}

#[async_trait]
impl kt_store::ProfileStore for CompleteFails {
    async fn get_profile(
        &self,
        tenant: &TenantId,
    ) -> Result<Option<kt_domain::VersionedProfile>, StoreError> {
        self.inner.get_profile(tenant).await
    }
    async fn put_profile(
        &self,
        tenant: &TenantId,
        profile: &kt_domain::ComplianceProfile,
        now: DateTime<Utc>,
    ) -> Result<kt_domain::VersionedProfile, StoreError> {
        self.inner.put_profile(tenant, profile, now).await
    }
    async fn enabled_schedules(&self) -> Result<Vec<kt_store::TenantSchedule>, StoreError> {
        self.inner.enabled_schedules().await
    }
}
