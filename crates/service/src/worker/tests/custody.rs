//! Sealing and cancel: a job canceled after its artifact was written but
//! before its manifest was sealed (or while it was being sealed) takes no
//! place in the chain.
use super::*;
use crate::custody::Custody;
use kt_domain::{Completion, JobId, TenantId};
use kt_engine::ArtifactSink;
use kt_engine::custody::{ChainHead, ChainLink, ChainScope, LocalKeySigner, SignedManifest};
use kt_store::custody::{Append, CustodyStore, Sealing};
use kt_store::memory::MemoryCustodyStore;
use kt_store::{ArtifactMeta, ArtifactStore, StoreError};

/// The memory bucket, except that a sink's `finish` first cancels `job`:
/// the cancel lands after the export's last byte, before the seal (the
/// tester's log: cancel, then "manifest signed and chained").
struct CancelOnFinish {
    inner: Arc<MemoryArtifactStore>,
    jobs: Arc<MemoryJobStore>,
    job: Mutex<Option<kt_domain::JobId>>,
}

struct CancelingSink {
    inner: Box<dyn ArtifactSink>,
    cancel: Option<(Arc<MemoryJobStore>, kt_domain::JobId)>,
}

#[async_trait]
impl ArtifactSink for CancelingSink {
    async fn write(&mut self, chunk: bytes::Bytes) -> Result<(), kt_engine::SinkError> {
        self.inner.write(chunk).await
    }
    async fn finish(self: Box<Self>) -> Result<(), kt_engine::SinkError> {
        if let Some((jobs, id)) = &self.cancel {
            jobs.cancel(&tenant(), id, Utc::now()).await.unwrap();
        }
        self.inner.finish().await
    }
    async fn abort(self: Box<Self>) {
        self.inner.abort().await
    }
}

#[async_trait]
impl ArtifactStore for CancelOnFinish {
    async fn create_sink(
        &self,
        key: &str,
        meta: &ArtifactMeta,
    ) -> Result<Box<dyn ArtifactSink>, StoreError> {
        let inner = self.inner.create_sink(key, meta).await?;
        let cancel = self
            .job
            .lock()
            .unwrap()
            .take()
            .map(|id| (self.jobs.clone(), id));
        Ok(Box::new(CancelingSink { inner, cancel }))
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.inner.delete(key).await
    }
    async fn lock_until(&self, key: &str, until: chrono::DateTime<Utc>) -> Result<(), StoreError> {
        self.inner.lock_until(key, until).await
    }
    async fn presign_get(
        &self,
        key: &str,
        file_name: &str,
        expires_in: Duration,
    ) -> Result<String, StoreError> {
        self.inner.presign_get(key, file_name, expires_in).await
    }
    async fn open(&self, key: &str) -> Result<Box<dyn AsyncRead + Send + Unpin>, StoreError> {
        self.inner.open(key).await
    }
}

#[tokio::test]
async fn a_job_canceled_before_its_seal_gets_no_manifest_and_takes_no_sequence() {
    let f = Fixture::new(lake());
    let store = Arc::new(MemoryCustodyStore::completing(f.jobs.clone()));
    let bucket = Arc::new(CancelOnFinish {
        inner: f.artifacts.clone(),
        jobs: f.jobs.clone(),
        job: Mutex::new(None),
    });
    let mut deps = f.worker().deps;
    deps.artifacts = bucket.clone();
    deps.custody = Some(Custody {
        signer: Arc::new(LocalKeySigner::generate()),
        retired: vec![],
        store: store.clone(),
        pseudonym_key: "k".into(),
        timestamper: None,
    });
    let worker = Worker::new(deps);
    let scopes = [ChainScope::Tenant];

    let canceled = f.queued_job().await;
    *bucket.job.lock().unwrap() = Some(canceled.id.clone());
    assert_eq!(
        worker.process(&tenant(), &canceled.id, 1).await,
        Disposition::Done
    );
    let after = f.jobs.get(&tenant(), &canceled.id).await.unwrap().unwrap();
    assert_eq!(after.status, JobStatus::Canceled);
    assert!(
        store
            .manifest(&tenant(), &canceled.id)
            .await
            .unwrap()
            .is_none(),
        "no manifest for a job canceled before its seal"
    );
    assert_eq!(store.chain_heads(&tenant(), &scopes).await.unwrap(), [None]);
    assert!(
        f.artifacts.keys().is_empty(),
        "the canceled job's artifact is deleted"
    );

    // The next completed job is the chain's first link: no gap.
    let done = f.queued_job().await;
    assert_eq!(
        worker.process(&tenant(), &done.id, 1).await,
        Disposition::Done
    );
    let heads = store.chain_heads(&tenant(), &scopes).await.unwrap();
    assert_eq!(heads[0].as_ref().map(|h| h.sequence), Some(1));
    assert!(store.manifest(&tenant(), &done.id).await.unwrap().is_some());
}

/// The memory custody store, except that a sealing append first cancels the
/// job: the cancel lands after the manifest was signed, right before the
/// transaction (where a re-read before signing could not see it).
struct CancelBeforeSealing {
    inner: Arc<MemoryCustodyStore>,
    jobs: Arc<MemoryJobStore>,
}

#[async_trait]
impl CustodyStore for CancelBeforeSealing {
    async fn chain_heads(
        &self,
        tenant: &TenantId,
        scopes: &[ChainScope],
    ) -> Result<Vec<Option<ChainHead>>, StoreError> {
        self.inner.chain_heads(tenant, scopes).await
    }
    async fn append_manifest(
        &self,
        tenant: &TenantId,
        job: &JobId,
        manifest: &SignedManifest,
        links: &[(ChainScope, ChainLink)],
    ) -> Result<Append, StoreError> {
        self.inner
            .append_manifest(tenant, job, manifest, links)
            .await
    }
    async fn append_completing(
        &self,
        tenant: &TenantId,
        job: &JobId,
        manifest: &SignedManifest,
        links: &[(ChainScope, ChainLink)],
        attempt: u32,
        completion: &Completion,
    ) -> Result<Sealing, StoreError> {
        self.jobs.cancel(tenant, job, Utc::now()).await?;
        (self.inner)
            .append_completing(tenant, job, manifest, links, attempt, completion)
            .await
    }
    async fn attach_timestamp(
        &self,
        tenant: &TenantId,
        job: &JobId,
        reply: &[u8],
    ) -> Result<(), StoreError> {
        self.inner.attach_timestamp(tenant, job, reply).await
    }
    async fn manifest(
        &self,
        tenant: &TenantId,
        job: &JobId,
    ) -> Result<Option<SignedManifest>, StoreError> {
        self.inner.manifest(tenant, job).await
    }
}

#[tokio::test]
async fn a_cancel_landing_while_the_manifest_is_sealed_leaves_no_manifest_and_no_artifact() {
    let f = Fixture::new(lake());
    let store = Arc::new(MemoryCustodyStore::completing(f.jobs.clone()));
    let mut deps = f.worker().deps;
    deps.custody = Some(Custody {
        signer: Arc::new(LocalKeySigner::generate()),
        retired: vec![],
        store: Arc::new(CancelBeforeSealing {
            inner: store.clone(),
            jobs: f.jobs.clone(),
        }),
        pseudonym_key: "k".into(),
        timestamper: None,
    });
    let worker = Worker::new(deps);

    let job = f.queued_job().await;
    assert_eq!(
        worker.process(&tenant(), &job.id, 1).await,
        Disposition::Done
    );
    let after = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(after.status, JobStatus::Canceled);
    assert_eq!(after.sha256, None, "a canceled job states no artifact");
    assert!(store.manifest(&tenant(), &job.id).await.unwrap().is_none());
    assert_eq!(
        store
            .chain_heads(&tenant(), &[ChainScope::Tenant])
            .await
            .unwrap(),
        [None]
    );
    assert!(
        f.artifacts.keys().is_empty(),
        "the canceled job's artifact is deleted"
    );
}
