//! Share links and audit trails (`docs/custody.md`, "Share links").
use crate::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kt_domain::share::{AuditEntry, LinkId, ShareLink};
use kt_domain::{JobId, TenantId};

/// How a link creation went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkCreated {
    Created,
    /// The job already has this many live links (at least the limit).
    TooMany(usize),
}

/// How a revocation went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkRevoked {
    /// Revoked now; the link as it is.
    Revoked(ShareLink),
    /// It was revoked before; the link as it is.
    AlreadyRevoked(ShareLink),
    NotFound,
}

#[async_trait]
pub trait ShareStore: Send + Sync {
    /// Stores `link` under the SHA-256 (hex) of its token, unless its job
    /// already has `max_live` links live at `now` (counted and written
    /// atomically: concurrent creations cannot pass the limit together).
    async fn create_link(
        &self,
        link: &ShareLink,
        token_sha256: &str,
        max_live: usize,
        now: DateTime<Utc>,
    ) -> Result<LinkCreated, StoreError>;

    /// The job's links, oldest first.
    async fn links(&self, tenant: &TenantId, job: &JobId) -> Result<Vec<ShareLink>, StoreError>;

    /// The link a token's SHA-256 names.
    async fn link_by_token(&self, token_sha256: &str) -> Result<Option<ShareLink>, StoreError>;

    /// Marks a link revoked (once: a second revocation changes nothing).
    async fn revoke_link(
        &self,
        tenant: &TenantId,
        job: &JobId,
        link: &LinkId,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<LinkRevoked, StoreError>;

    /// Appends an entry to the job's trail; never replaces one.
    async fn append_audit(
        &self,
        tenant: &TenantId,
        job: &JobId,
        entry: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// The job's trail as stored, in time order.
    async fn audit(&self, tenant: &TenantId, job: &JobId) -> Result<Vec<AuditEntry>, StoreError>;
}
