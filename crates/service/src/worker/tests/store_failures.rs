//! The worker when the job store refuses to record a finished export.
use super::{Fixture, lake, tenant};
use crate::worker::{Disposition, Worker, WorkerDeps};
use chrono::Utc;
use kt_domain::JobStatus;
use kt_engine::EngineOptions;
use kt_store::completion_hook::BeforeComplete;
use kt_store::{JobStore, StoreError};
use std::sync::Arc;
use std::time::Duration;

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
    let store = Arc::new(BeforeComplete::refusing(
        f.jobs.clone(),
        StoreError::Permanent("ValidationException: item too large".into()),
    ));

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
    let store = Arc::new(BeforeComplete::refusing(
        f.jobs.clone(),
        StoreError::Transient("ThrottlingException".into()),
    ));

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
