//! Sealing a job as it completes: build its manifest, place it in its
//! chains, sign it and store it together with the job's completion,
//! retrying when another export moved a head first;
//! then, with a timestamp authority configured, have the signature
//! countersigned (RFC 3161) and store the token beside it.
use crate::config::Config;
use chrono::{DateTime, Utc};
use kt_domain::{Completion, Job};
use kt_engine::SourceInventory;
use kt_engine::custody::keys::{KeyStatus, PublishedKey, key_ring};
use kt_engine::custody::manifest::{JobManifest, ManifestInputs, ManifestSources, SignedManifest};
use kt_engine::custody::{
    ChainLink, ChainScope, LocalKeySigner, ManifestSigner, SignError, Timestamper,
};
use kt_engine::formats::reports::pseudonym::Pseudonymizer;
use kt_store::StoreError;
use kt_store::aws::AwsClients;
use kt_store::custody::{CustodyStore, Sealing};
use kt_store::dynamo::DynamoJobStore;
use kt_store::kms::{KmsSigner, published_kms_key};
use std::sync::Arc;
use tracing::{error, warn};

/// Appends lost to concurrent exports before sealing gives up (transiently).
const MAX_RACES: usize = 8;

/// What sealing a job came to ([`Custody::seal_completing`]).
#[derive(Debug)]
pub enum Sealed {
    /// Signed, chained and completed together: the job as stored.
    Completed {
        job: Box<Job>,
        manifest: SignedManifest,
    },
    /// The job was no longer the attempt's (its status now, or `gone`):
    /// nothing signed was stored, no place in the chain taken.
    Changed(&'static str),
}

/// The signing key, the retired keys still published, and the custody records.
#[derive(Clone)]
pub struct Custody {
    pub signer: Arc<dyn ManifestSigner>,
    pub retired: Vec<PublishedKey>,
    pub store: Arc<dyn CustodyStore>,
    /// The service's pseudonym key (`KT_PSEUDONYM_KEY`): each manifest names
    /// its tenant's key by the id the tenant's reports give it (`pk_...`).
    pub pseudonym_key: String,
    /// The RFC 3161 timestamp authority (`KT_TSA_URL`), if one is configured.
    pub timestamper: Option<Arc<dyn Timestamper>>,
}

impl Custody {
    /// The same keys, with the custody records reached through `clients`
    /// (the local stack's API has clients of its own, bounded as the API
    /// function's are: `Config::api_aws_timeouts`).
    pub fn with_records_on(mut self, clients: &AwsClients, config: &Config) -> Self {
        self.store = Arc::new(DynamoJobStore::new(
            clients.dynamodb.clone(),
            &config.resources.jobs_table,
        ));
        self
    }

    /// Every key `/v1/keys` publishes: the active one first.
    pub fn keys(&self) -> Vec<PublishedKey> {
        key_ring(self.signer.published(), self.retired.clone())
    }

    /// Completes `job` (processing, held by `attempt`) with `completion`:
    /// signs its manifest and, in one transaction, stores it, extends the
    /// tenant's chain and its schedule's, and records the completion; then
    /// has the signature timestamped. A job that is no longer the attempt's
    /// gets no manifest and no place in the chain.
    pub async fn seal_completing(
        &self,
        job: &Job,
        attempt: u32,
        completion: &Completion,
        sources: &SourceInventory,
    ) -> Result<Sealed, StoreError> {
        let Some(done) = job.complete(attempt, completion) else {
            return Ok(Sealed::Changed(job.status.as_str()));
        };
        let scopes = ChainScope::for_origin(job.origin.as_deref());
        for _ in 0..MAX_RACES {
            let heads = self.store.chain_heads(&job.tenant_id, &scopes).await?;
            let links: Vec<(ChainScope, ChainLink)> = scopes
                .iter()
                .zip(&heads)
                .map(|(s, h)| (s.clone(), ChainLink::after(h.as_ref())))
                .collect();
            let manifest = JobManifest::build(&ManifestInputs {
                job: &done,
                sources: ManifestSources {
                    objects: sources.objects,
                    bytes: sources.bytes,
                    listing_digest: &sources.listing_digest,
                },
                pseudonym_key_id: Pseudonymizer::new(&self.pseudonym_key, job.tenant_id.as_str())
                    .key_id(),
                chain: links.clone(),
                signing_key_id: self.signer.key_id().to_string(),
                tsa_url: self.timestamper.as_ref().map(|t| t.url()),
            });
            let signed = SignedManifest::sign(&manifest, self.signer.as_ref())
                .await
                .map_err(|e| StoreError::Transient(e.to_string().into()))?;
            let sealing = self
                .store
                .append_completing(
                    &job.tenant_id,
                    &job.id,
                    &signed,
                    &links,
                    attempt,
                    completion,
                )
                .await?;
            match sealing {
                Sealing::Completed(stored) => {
                    let manifest = self.timestamp(job, signed).await;
                    return Ok(Sealed::Completed {
                        job: Box::new(stored),
                        manifest,
                    });
                }
                Sealing::HeadMoved => continue,
                Sealing::JobChanged(now) => {
                    return Ok(Sealed::Changed(now.map_or("gone", |j| j.status.as_str())));
                }
            }
        }
        Err(StoreError::Transient(
            "the manifest chain kept moving; try again".into(),
        ))
    }

    /// Asks the TSA for a token over the stored manifest's signature and
    /// stores it beside. Never fails the seal: a TSA that does not answer
    /// (after its attempts) or a token that cannot be stored leaves the
    /// manifest saying `requested` with no token, which verification reports.
    async fn timestamp(&self, job: &Job, mut signed: SignedManifest) -> SignedManifest {
        let Some(tsa) = &self.timestamper else {
            return signed;
        };
        match tsa.timestamp(&signed.signature).await {
            Ok(reply) => match self
                .store
                .attach_timestamp(&job.tenant_id, &job.id, &reply)
                .await
            {
                Ok(()) => signed.timestamp = Some(reply),
                Err(e) => {
                    error!(tsa = tsa.url(), error = %e, "the trusted timestamp could not be stored; the manifest stays without one")
                }
            },
            Err(e) => {
                warn!(tsa = tsa.url(), error = %e, "no trusted timestamp: the manifest says requested and has no token")
            }
        }
        signed
    }
}

/// The signer the configuration names: a KMS key (`KT_SIGNING_KMS_KEY_ID`)
/// or a local PEM file (`KT_SIGNING_KEY_FILE`, created on first use); retired
/// keys (`KT_SIGNING_RETIRED_KEYS`: KMS key ids, or PEM files) stay published.
/// A retired key that cannot be read (disabled, deleted, mistyped) is logged
/// as an error and left out: it would otherwise stop every cold start, the
/// API's and the worker's, over a key that signs nothing any more.
pub async fn custody_from_config(
    clients: &AwsClients,
    config: &Config,
) -> Result<Custody, SignError> {
    let (signer, retired): (Arc<dyn ManifestSigner>, Vec<PublishedKey>) =
        if let Some(kms_key) = &config.signing_kms_key_id {
            let signer = KmsSigner::connect(clients.kms.clone(), kms_key).await?;
            let mut retired = vec![];
            for old in &config.signing_retired_keys {
                match published_kms_key(&clients.kms, old).await {
                    Ok(key) => retired.push(key),
                    Err(e) => unpublished_retired_key(old, &e),
                }
            }
            (Arc::new(signer), retired)
        } else if let Some(path) = &config.signing_key_file {
            let signer = LocalKeySigner::load_or_create(path)?;
            let retired = config
                .signing_retired_keys
                .iter()
                .filter_map(|old| {
                    retired_pem_file(old)
                        .inspect_err(|e| unpublished_retired_key(old, e))
                        .ok()
                })
                .collect();
            (Arc::new(signer), retired)
        } else {
            return Err(SignError(
                "no manifest signing key: set KT_SIGNING_KMS_KEY_ID or KT_SIGNING_KEY_FILE".into(),
            ));
        };
    Ok(Custody {
        signer,
        retired,
        store: Arc::new(DynamoJobStore::new(
            clients.dynamodb.clone(),
            &config.resources.jobs_table,
        )),
        pseudonym_key: config.pseudonym_key.clone().unwrap_or_default(),
        timestamper: config
            .tsa_url
            .as_deref()
            .map(|url| Arc::new(crate::tsa::HttpTimestamper::new(url)) as Arc<dyn Timestamper>),
    })
}

/// Manifests that key signed no longer verify against `/v1/keys` until it
/// is readable again: said loudly, once a cold start.
fn unpublished_retired_key(key: &str, e: &SignError) {
    error!(
        retired_key = key,
        error = %e,
        "a retired signing key could not be read and is not published: manifests it signed cannot be checked against /v1/keys until it is (keep retired keys enabled)"
    );
}

/// A rotated-out local key (private or public PEM), published as retired.
fn retired_pem_file(path: &str) -> Result<PublishedKey, SignError> {
    let pem =
        std::fs::read_to_string(path).map_err(|e| SignError(format!("retired key {path}: {e}")))?;
    let public = match LocalKeySigner::from_pem(&pem, None) {
        Ok(private) => private.public_key_pem().to_string(),
        Err(_) => pem,
    };
    Ok(PublishedKey {
        key_id: kt_engine::custody::key_id_of_pem(&public).map_err(SignError)?,
        algorithm: kt_engine::custody::ALGORITHM.into(),
        status: KeyStatus::Retired,
        valid_from: std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .map(DateTime::<Utc>::from),
        valid_until: None,
        public_key_pem: public,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kt_engine::custody::verify_signature;
    use kt_store::JobStore;
    use kt_store::memory::{MemoryCustodyStore, MemoryJobStore};
    use serde_json::Value;

    /// A processing job held by attempt 1, stored in `jobs`.
    fn job_in(jobs: &MemoryJobStore, origin: Option<&str>) -> Job {
        let raw = serde_json::json!({
            "id": kt_domain::JobId::new().as_str(), "tenant_id": "acme", "type": "events",
            "format": "csv", "status": "processing", "timezone": "UTC",
            "window_start": "2026-05-01T00:00:00Z", "window_end": "2026-05-02T00:00:00Z",
            "label": null, "expires_in_days": 7, "created_at": "2026-05-03T00:00:00Z",
            "created_by": "u_1", "started_at": "2026-05-03T00:00:10Z", "completed_at": null,
            "expires_at": null, "file_name": "f.csv", "event_count": null, "progress": 0.5,
            "size_bytes": null, "sha256": null, "content_type": "text/csv", "stats": null,
            "error": null, "artifact_key": null, "lease_until": "2026-05-03T00:05:00Z",
            "attempts": 1, "request_hash": null, "origin": origin,
        });
        let job: Job = serde_json::from_value(raw).unwrap();
        jobs.insert(job.clone());
        job
    }

    fn completion() -> Completion {
        let at = "2026-05-03T00:01:00Z".parse().unwrap();
        Completion {
            completed_at: at,
            expires_at: at + chrono::Days::new(7),
            event_count: 3,
            size_bytes: 10,
            sha256: "ab".into(),
            stats: Default::default(),
            artifact_key: "exports/7d/acme/j/1/f.csv".into(),
            retained_until: None,
        }
    }

    /// A TSA stand-in: answers with fixed bytes, or not at all.
    struct FixedTsa(Option<Vec<u8>>);

    #[async_trait::async_trait]
    impl Timestamper for FixedTsa {
        fn url(&self) -> &str {
            "http://tsa.test/"
        }
        async fn timestamp(
            &self,
            _signature: &[u8],
        ) -> Result<Vec<u8>, kt_engine::custody::TimestampError> {
            self.0.clone().ok_or_else(|| {
                kt_engine::custody::TimestampError::Unreachable("connection refused".into())
            })
        }
    }

    fn custody_with(jobs: &Arc<MemoryJobStore>, tsa: Option<FixedTsa>) -> Custody {
        Custody {
            signer: Arc::new(LocalKeySigner::generate()),
            retired: vec![],
            store: Arc::new(MemoryCustodyStore::completing(jobs.clone())),
            pseudonym_key: "k".into(),
            timestamper: tsa.map(|t| Arc::new(t) as Arc<dyn Timestamper>),
        }
    }

    /// Seals `job` (attempt 1) and returns its manifest.
    async fn sealed(custody: &Custody, job: &Job) -> SignedManifest {
        let sources = SourceInventory::default();
        match custody
            .seal_completing(job, 1, &completion(), &sources)
            .await
        {
            Ok(Sealed::Completed { manifest, .. }) => manifest,
            other => panic!("expected Completed, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_granted_token_is_stored_beside_the_signature_and_a_refusal_is_not_a_failure() {
        let jobs = Arc::new(MemoryJobStore::new());
        let j = job_in(&jobs, None);
        let granted = custody_with(&jobs, Some(FixedTsa(Some(b"reply".to_vec()))));
        let signed = sealed(&granted, &j).await;
        assert_eq!(signed.timestamp.as_deref(), Some(&b"reply"[..]));
        let m: Value = serde_json::from_slice(&signed.bytes).unwrap();
        assert_eq!(
            m["timestamp"],
            serde_json::json!({"status": "requested", "tsa": "http://tsa.test/", "imprint": "sha256(signature)"})
        );
        let stored = granted.store.manifest(&j.tenant_id, &j.id).await.unwrap();
        assert_eq!(stored.unwrap().timestamp.as_deref(), Some(&b"reply"[..]));

        // The TSA is down: sealed all the same, requested, no token.
        let j = job_in(&jobs, None);
        let down = custody_with(&jobs, Some(FixedTsa(None)));
        let signed = sealed(&down, &j).await;
        assert_eq!(signed.timestamp, None);
        let m: Value = serde_json::from_slice(&signed.bytes).unwrap();
        assert_eq!(m["timestamp"]["status"], "requested");
        let stored = down.store.manifest(&j.tenant_id, &j.id).await.unwrap();
        assert_eq!(stored.unwrap().timestamp, None);

        // No TSA: none asked.
        let j = job_in(&jobs, None);
        let signed = sealed(&custody_with(&jobs, None), &j).await;
        let m: Value = serde_json::from_slice(&signed.bytes).unwrap();
        assert_eq!(m["timestamp"], serde_json::json!({"status": "none"}));
    }

    /// Before: every manifest named the service-wide key (the same id for
    /// every tenant), while the tenant's reports named the tenant's `pk_...`:
    /// two signed documents, two ids for one pseudonymisation.
    #[tokio::test]
    async fn the_manifest_names_the_tenants_pseudonym_key_as_its_reports_do() {
        let jobs = Arc::new(MemoryJobStore::new());
        let custody = custody_with(&jobs, None);
        let acme = job_in(&jobs, None);
        let mut globex = job_in(&jobs, None);
        globex.tenant_id = kt_domain::TenantId::parse("globex").unwrap();
        jobs.insert(globex.clone());
        let key_id = |signed: &SignedManifest| {
            let m: Value = serde_json::from_slice(&signed.bytes).unwrap();
            m["pseudonymisation"]["key_id"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let (a, g) = (
            key_id(&sealed(&custody, &acme).await),
            key_id(&sealed(&custody, &globex).await),
        );
        assert_eq!(a, Pseudonymizer::new("k", "acme").key_id());
        assert_eq!(g, Pseudonymizer::new("k", "globex").key_id());
        assert_ne!(a, g);
    }

    #[tokio::test]
    async fn the_manifest_states_the_job_as_completed_and_the_job_is_completed_with_it() {
        let jobs = Arc::new(MemoryJobStore::new());
        let j = job_in(&jobs, None);
        let custody = custody_with(&jobs, None);
        let signed = sealed(&custody, &j).await;
        let m: Value = serde_json::from_slice(&signed.bytes).unwrap();
        assert_eq!(m["job"]["completed_at"], "2026-05-03T00:01:00Z");
        let now = jobs.get(&j.tenant_id, &j.id).await.unwrap().unwrap();
        assert_eq!(now.status, kt_domain::JobStatus::Completed);
        assert_eq!(now.completed_at, Some(completion().completed_at));

        // Sealing it again (a second delivery) finds it no longer held.
        let again = custody
            .seal_completing(&j, 1, &completion(), &SourceInventory::default())
            .await
            .unwrap();
        assert!(matches!(again, Sealed::Changed("completed")), "{again:?}");
    }

    #[tokio::test]
    async fn concurrent_seals_each_take_their_own_place_in_the_chain() {
        let jobs = Arc::new(MemoryJobStore::new());
        let custody = Arc::new(custody_with(&jobs, None));
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let c = custody.clone();
                let origin = (i % 2 == 0).then_some("schedule:quarterly");
                let j = job_in(&jobs, origin);
                tokio::spawn(async move { sealed(&c, &j).await })
            })
            .collect();
        let mut tenant_seqs = vec![];
        let mut schedule_seqs = vec![];
        for t in tasks {
            let signed = t.await.unwrap();
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
