//! The custody records: each job's signed manifest and the head of every
//! chain (per tenant, per schedule). Manifests are kept after their job's
//! record expires: they are the evidence that outlives the artifact.
use crate::StoreError;
use async_trait::async_trait;
use kt_domain::{Completion, Job, JobId, TenantId};
use kt_engine::custody::{ChainHead, ChainLink, ChainScope, SignedManifest};

/// How an append went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Append {
    Appended,
    /// Another manifest moved a head first: read the heads and sign again.
    HeadMoved,
}

/// How a sealing append went ([`CustodyStore::append_completing`]).
#[derive(Debug, Clone)]
pub enum Sealing {
    /// The manifest is stored, the heads moved and the job completed (as
    /// stored now).
    Completed(Job),
    /// Another manifest moved a head first: nothing was written; read the
    /// heads and sign again.
    HeadMoved,
    /// The job is no longer the attempt's to complete (canceled, taken
    /// over; `None`: gone): nothing was written.
    JobChanged(Option<Job>),
}

#[async_trait]
pub trait CustodyStore: Send + Sync {
    /// The head of each of `scopes` (in that order), `None` for a new chain.
    async fn chain_heads(
        &self,
        tenant: &TenantId,
        scopes: &[ChainScope],
    ) -> Result<Vec<Option<ChainHead>>, StoreError>;

    /// Stores `job`'s manifest and moves each chain's head to it, all at
    /// once, if each head is still the one its link follows.
    async fn append_manifest(
        &self,
        tenant: &TenantId,
        job: &JobId,
        manifest: &SignedManifest,
        links: &[(ChainScope, ChainLink)],
    ) -> Result<Append, StoreError>;

    /// [`Self::append_manifest`] and the job's completion by `attempt`, in
    /// one transaction: both happen or neither. So a job canceled (or taken
    /// over) while it was being sealed gets no manifest and takes no place
    /// in the chain, a job with a manifest in the chain always ends
    /// `completed`, and a sealed job can no longer be canceled.
    async fn append_completing(
        &self,
        tenant: &TenantId,
        job: &JobId,
        manifest: &SignedManifest,
        links: &[(ChainScope, ChainLink)],
        attempt: u32,
        completion: &Completion,
    ) -> Result<Sealing, StoreError>;

    /// Stores the timestamp authority's reply (RFC 3161 `TimeStampResp`, DER)
    /// beside `job`'s manifest and signature. The manifest must exist.
    async fn attach_timestamp(
        &self,
        tenant: &TenantId,
        job: &JobId,
        reply: &[u8],
    ) -> Result<(), StoreError>;

    /// The manifest stored for `job` (with its timestamp reply, if any).
    async fn manifest(
        &self,
        tenant: &TenantId,
        job: &JobId,
    ) -> Result<Option<SignedManifest>, StoreError>;
}

/// The head a link expects to follow.
pub(crate) fn expected_head(link: &ChainLink) -> Option<ChainHead> {
    link.previous_manifest_sha256.as_ref().map(|sha| ChainHead {
        sequence: link.sequence - 1,
        manifest_sha256: sha.clone(),
    })
}
