//! In-memory [`CustodyStore`] for unit tests.
use crate::StoreError;
use crate::custody::{Append, CustodyStore, expected_head};
use async_trait::async_trait;
use kt_domain::{JobId, TenantId};
use kt_engine::custody::{ChainHead, ChainLink, ChainScope, SignedManifest};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryCustodyStore {
    heads: Mutex<HashMap<(TenantId, ChainScope), ChainHead>>,
    manifests: Mutex<HashMap<(TenantId, JobId), SignedManifest>>,
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
        for (scope, link) in links {
            if heads.get(&(tenant.clone(), scope.clone())) != expected_head(link).as_ref() {
                return Ok(Append::HeadMoved);
            }
        }
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
        Ok(Append::Appended)
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
