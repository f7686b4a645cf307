//! The job manifest: what an export is, in canonical JSON, signed.
//!
//! Every completed job gets one (any format). It names the artifact by size
//! and SHA-256, the window and sources it was made from, the engine that made
//! it, the pseudonymisation key, its place in the tenant's (and schedule's)
//! chain, and the signing key. The signature covers the exact bytes.
use super::canonical::to_canonical_bytes;
use super::chain::{ChainLink, ChainScope};
use super::signer::{ManifestSigner, SignError};
use kt_domain::Job;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// `kind` of a job manifest.
pub const MANIFEST_KIND: &str = "kt-exports/job-manifest";
pub const MANIFEST_VERSION: &str = "1";
pub use crate::BUILD_COMMIT;
/// How actors are pseudonymised in reports (`formats::reports::pseudonym`).
pub const PSEUDONYMISATION_METHOD: &str =
    "HMAC-SHA-256 with a per-tenant key derived from the service key; ps_ + 64 bits";

/// What a manifest states besides the job itself.
#[derive(Debug, Clone)]
pub struct ManifestInputs<'a> {
    /// The completed job (size, hash, stats, times are read from it).
    pub job: &'a Job,
    pub sources: ManifestSources<'a>,
    /// The tenant's pseudonymisation key id (`pk_...`), as its reports
    /// state it (`formats::reports::pseudonym::Pseudonymizer::key_id`).
    pub pseudonym_key_id: String,
    /// One link per chain the manifest extends ([`ChainScope::for_origin`]).
    pub chain: Vec<(ChainScope, ChainLink)>,
    pub signing_key_id: String,
    /// The timestamp authority asked to countersign the signature, if any.
    pub tsa_url: Option<&'a str>,
}

/// The lake objects an export read (the engine's `SourceInventory`).
#[derive(Debug, Clone, Copy)]
pub struct ManifestSources<'a> {
    pub objects: u64,
    pub bytes: u64,
    /// `sha256:<hex>` over the sorted `key|etag|size` lines of the listing.
    pub listing_digest: &'a str,
}

/// A job manifest as a JSON value (see `docs/custody.md` for each field).
pub struct JobManifest;

impl JobManifest {
    pub fn build(i: &ManifestInputs<'_>) -> Value {
        let job = i.job;
        let stats = job.stats.clone().unwrap_or_default();
        let link = |l: &ChainLink| json!({"sequence": l.sequence, "previous_manifest_sha256": l.previous_manifest_sha256});
        let tenant_link = i
            .chain
            .iter()
            .find(|(s, _)| *s == ChainScope::Tenant)
            .map(|(_, l)| link(l));
        let schedule_link = i.chain.iter().find_map(|(s, l)| match s {
            ChainScope::Schedule(name) => {
                let mut v = link(l);
                v["name"] = json!(name);
                Some(v)
            }
            ChainScope::Tenant => None,
        });
        json!({
            "kind": MANIFEST_KIND,
            "manifest_version": MANIFEST_VERSION,
            "job": {
                "id": job.id.as_str(),
                "tenant_id": job.tenant_id.as_str(),
                "type": "events",
                "label": job.label,
                "format": job.format.as_str(),
                "origin": job.origin,
                "created_at": job.created_at,
                "completed_at": job.completed_at,
            },
            "window": {
                "start": job.window_start,
                "end": job.window_end,
                "timezone": job.timezone,
            },
            "artifact": {
                "file_name": job.file_name,
                "content_type": job.content_type,
                "size_bytes": job.size_bytes,
                "sha256": job.sha256,
                "event_count": job.event_count,
                // Until when the artifact is locked (S3 Object Lock,
                // compliance mode); null when it is not retained.
                "retained_until": job.retained_until,
            },
            "sources": {
                "objects": i.sources.objects,
                "bytes": i.sources.bytes,
                "listing_digest": i.sources.listing_digest,
                "objects_skipped": stats.objects_skipped,
            },
            "stats": {
                "lines_read": stats.lines_read,
                "rejected_lines": stats.rejected_lines,
                "duplicates_removed": stats.duplicates_removed,
            },
            "generator": {
                "name": "kt-exports",
                "version": kt_domain::VERSION,
                "build_commit": BUILD_COMMIT,
            },
            "pseudonymisation": {
                "method": PSEUDONYMISATION_METHOD,
                "key_id": i.pseudonym_key_id,
            },
            "chain": {
                "tenant": tenant_link,
                "schedule": schedule_link,
            },
            "signature": {
                "algorithm": super::ALGORITHM,
                "key_id": i.signing_key_id,
            },
            // Signed before any token exists: what was asked of a timestamp
            // authority (`requested`), or `none` (the times above are the
            // service's own clock).
            "timestamp": super::timestamp::claim(i.tsa_url),
        })
    }
}

/// A manifest's exact bytes and their detached signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedManifest {
    /// Canonical JSON ([`to_canonical_bytes`]).
    pub bytes: Vec<u8>,
    /// DER ECDSA over SHA-256(`bytes`).
    pub signature: Vec<u8>,
    pub key_id: String,
    /// The RFC 3161 `TimeStampResp` (DER) over SHA-256(`signature`), when a
    /// timestamp authority granted one (`manifest.tsr`).
    pub timestamp: Option<Vec<u8>>,
}

impl SignedManifest {
    /// Renders `manifest` canonically and signs it.
    pub async fn sign(manifest: &Value, signer: &dyn ManifestSigner) -> Result<Self, SignError> {
        let bytes = to_canonical_bytes(manifest);
        let signature = signer.sign(&bytes).await?;
        Ok(Self {
            bytes,
            signature,
            key_id: signer.key_id().to_string(),
            timestamp: None,
        })
    }

    /// SHA-256 (hex) of the manifest's bytes: what the next link names.
    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.bytes))
    }
}
