//! In-memory [`CustodyStore`] for unit tests.
use super::MemoryJobStore;
use crate::StoreError;
use crate::Transition;
use crate::custody::{Append, CustodyStore, Sealing, expected_head};
use async_trait::async_trait;
use kt_domain::{Completion, JobId, TenantId};
use kt_engine::custody::{ChainHead, ChainLink, ChainScope, SignedManifest};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct MemoryCustodyStore {
    heads: Mutex<HashMap<(TenantId, ChainScope), ChainHead>>,
    manifests: Mutex<HashMap<(TenantId, JobId), SignedManifest>>,
    /// The jobs a sealing append completes (the same table in DynamoDB).
    jobs: Option<Arc<MemoryJobStore>>,
}

impl MemoryCustodyStore {
    /// A store whose sealing appends complete jobs of `jobs`.
    pub fn completing(jobs: Arc<MemoryJobStore>) -> Self {
        Self {
            jobs: Some(jobs),
            ..Self::default()
        }
    }

    /// Whether every link follows its chain's head as `heads` has it.
    fn heads_unmoved(
        heads: &HashMap<(TenantId, ChainScope), ChainHead>,
        tenant: &TenantId,
        links: &[(ChainScope, ChainLink)],
    ) -> bool {
        links.iter().all(|(scope, link)| {
            heads.get(&(tenant.clone(), scope.clone())) == expected_head(link).as_ref()
        })
    }

    fn store_appended(
        &self,
        heads: &mut HashMap<(TenantId, ChainScope), ChainHead>,
        tenant: &TenantId,
        job: &JobId,
        manifest: &SignedManifest,
        links: &[(ChainScope, ChainLink)],
    ) {
        for (scope, link) in links {
            let head = ChainHead {
                sequence: link.sequence,
                manifest_sha256: manifest.sha256(),
            };
            heads.insert((tenant.clone(), scope.clone()), head);
        }
        self.manifests
            .lock()
            .expect("poisoned")
            .insert((tenant.clone(), job.clone()), manifest.clone());
    }
}

#[async_trait]
impl CustodyStore for MemoryCustodyStore {
    async fn chain_heads(
        &self,
        tenant: &TenantId,
        scopes: &[ChainScope],
    ) -> Result<Vec<Option<ChainHead>>, StoreError> {
        let heads = self.heads.lock().expect("poisoned");
        Ok(scopes
            .iter()
            .map(|s| heads.get(&(tenant.clone(), s.clone())).cloned())
            .collect())
    }

    async fn append_manifest(
        &self,
        tenant: &TenantId,
        job: &JobId,
        manifest: &SignedManifest,
        links: &[(ChainScope, ChainLink)],
    ) -> Result<Append, StoreError> {
        let mut heads = self.heads.lock().expect("poisoned");
        if !Self::heads_unmoved(&heads, tenant, links) {
            return Ok(Append::HeadMoved);
        }
        self.store_appended(&mut heads, tenant, job, manifest, links);
        Ok(Append::Appended)
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
        let jobs = self
            .jobs
            .as_ref()
            .ok_or_else(|| StoreError::Permanent("this custody store completes no jobs".into()))?;
        // The heads stay locked from the check to the append, and the job
        // changes only if they had not moved: both or neither.
        let mut heads = self.heads.lock().expect("poisoned");
        if !Self::heads_unmoved(&heads, tenant, links) {
            return Ok(Sealing::HeadMoved);
        }
        match jobs.transition(tenant, job, |j| j.complete(attempt, completion))? {
            Transition::Done(done) => {
                self.store_appended(&mut heads, tenant, job, manifest, links);
                Ok(Sealing::Completed(done))
            }
            Transition::Conflict(now) => Ok(Sealing::JobChanged(Some(now))),
            Transition::NotFound => Ok(Sealing::JobChanged(None)),
        }
    }

    async fn attach_timestamp(
        &self,
        tenant: &TenantId,
        job: &JobId,
        reply: &[u8],
    ) -> Result<(), StoreError> {
        let mut manifests = self.manifests.lock().expect("poisoned");
        let m = manifests
            .get_mut(&(tenant.clone(), job.clone()))
            .ok_or_else(|| StoreError::Permanent(format!("no manifest for {job}").into()))?;
        m.timestamp = Some(reply.to_vec());
        Ok(())
    }

    async fn manifest(
        &self,
        tenant: &TenantId,
        job: &JobId,
    ) -> Result<Option<SignedManifest>, StoreError> {
        let manifests = self.manifests.lock().expect("poisoned");
        Ok(manifests.get(&(tenant.clone(), job.clone())).cloned())
    }
}
