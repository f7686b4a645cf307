//! Sealing a completed job: build its manifest, place it in its chains,
//! sign it and store it, retrying when another export moved a head first.
use super::chain::{ChainLink, ChainScope};
use super::keys::{PublishedKey, key_ring};
use super::manifest::{JobManifest, ManifestInputs, SignedManifest};
use super::signer::ManifestSigner;
use crate::domain::Job;
use crate::formats::SourceInventory;
use crate::store::StoreError;
use crate::store::custody::{Append, CustodyStore};
use std::sync::Arc;

/// Appends lost to concurrent exports before sealing gives up (transiently).
const MAX_RACES: usize = 8;

/// The signing key, the retired keys still published, and the custody records.
#[derive(Clone)]
pub struct Custody {
    pub signer: Arc<dyn ManifestSigner>,
    pub retired: Vec<PublishedKey>,
    pub store: Arc<dyn CustodyStore>,
    /// [`super::manifest::pseudonym_key_id`] of the service's pseudonym key.
    pub pseudonym_key_id: String,
}

impl Custody {
    /// Every key `/v1/keys` publishes: the active one first.
    pub fn keys(&self) -> Vec<PublishedKey> {
        key_ring(self.signer.published(), self.retired.clone())
    }

    /// Signs and stores the manifest of `job` (completed: size, hash, stats
    /// and times set), extending the tenant's chain and its schedule's.
    pub async fn seal(
        &self,
        job: &Job,
        sources: &SourceInventory,
    ) -> Result<SignedManifest, StoreError> {
        let scopes = ChainScope::for_origin(job.origin.as_deref());
        for _ in 0..MAX_RACES {
            let heads = self.store.chain_heads(&job.tenant_id, &scopes).await?;
            let links: Vec<(ChainScope, ChainLink)> = scopes
                .iter()
                .zip(&heads)
                .map(|(s, h)| (s.clone(), ChainLink::after(h.as_ref())))
                .collect();
            let manifest = JobManifest::build(&ManifestInputs {
                job,
                sources,
                pseudonym_key_id: self.pseudonym_key_id.clone(),
                chain: links.clone(),
                signing_key_id: self.signer.key_id().to_string(),
            });
            let signed = SignedManifest::sign(&manifest, self.signer.as_ref())
                .await
                .map_err(|e| StoreError::Transient(e.to_string()))?;
            match self
                .store
                .append_manifest(&job.tenant_id, &job.id, &signed, &links)
                .await?
            {
                Append::Appended => return Ok(signed),
                Append::HeadMoved => continue,
            }
        }
        Err(StoreError::Transient(
            "the manifest chain kept moving; try again".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custody::signer::LocalKeySigner;
    use crate::custody::verify::verify_signature;
    use crate::store::memory::MemoryCustodyStore;
    use serde_json::Value;

    fn job(origin: Option<&str>) -> Job {
        let raw = serde_json::json!({
            "id": crate::domain::JobId::new().as_str(), "tenant_id": "acme", "type": "events",
            "format": "csv", "status": "completed", "timezone": "UTC",
            "window_start": "2026-05-01T00:00:00Z", "window_end": "2026-05-02T00:00:00Z",
            "label": null, "expires_in_days": 7, "created_at": "2026-05-03T00:00:00Z",
            "created_by": "u_1", "started_at": null, "completed_at": "2026-05-03T00:01:00Z",
            "expires_at": null, "file_name": "f.csv", "event_count": 3, "progress": 1.0,
            "size_bytes": 10, "sha256": "ab", "content_type": "text/csv", "stats": null,
            "error": null, "artifact_key": null, "lease_until": null, "attempts": 1,
            "request_hash": null, "origin": origin,
        });
        serde_json::from_value(raw).unwrap()
    }

    #[tokio::test]
    async fn concurrent_seals_each_take_their_own_place_in_the_chain() {
        let custody = Arc::new(Custody {
            signer: Arc::new(LocalKeySigner::generate()),
            retired: vec![],
            store: Arc::new(MemoryCustodyStore::default()),
            pseudonym_key_id: "k".into(),
        });
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let c = custody.clone();
                let origin = (i % 2 == 0).then_some("schedule:quarterly");
                tokio::spawn(async move { c.seal(&job(origin), &SourceInventory::default()).await })
            })
            .collect();
        let mut tenant_seqs = vec![];
        let mut schedule_seqs = vec![];
        for t in tasks {
            let signed = t.await.unwrap().unwrap();
            let pem = custody.signer.public_key_pem();
            verify_signature(pem, &signed.bytes, &signed.signature).unwrap();
            let m: Value = serde_json::from_slice(&signed.bytes).unwrap();
            tenant_seqs.push(m["chain"]["tenant"]["sequence"].as_u64().unwrap());
            if let Some(s) = m["chain"]["schedule"]["sequence"].as_u64() {
                schedule_seqs.push(s);
            }
        }
        tenant_seqs.sort();
        schedule_seqs.sort();
        assert_eq!(tenant_seqs, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(schedule_seqs, vec![1, 2, 3]);
    }
}
