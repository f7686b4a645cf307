//! [`ShareStore`] in the memory job store (same rules as DynamoDB's).
use super::{MemoryJobStore, lock};
use crate::StoreError;
use crate::share::{LinkCreated, LinkRevoked, ShareStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kt_domain::share::{AuditEntry, LinkId, ShareLink};
use kt_domain::{JobId, TenantId};

#[async_trait]
impl ShareStore for MemoryJobStore {
    async fn create_link(
        &self,
        link: &ShareLink,
        token_sha256: &str,
        max_live: usize,
        now: DateTime<Utc>,
    ) -> Result<LinkCreated, StoreError> {
        self.check()?;
        let mut shares = lock(&self.shares);
        let live = shares
            .links
            .values()
            .filter(|l| l.tenant_id == link.tenant_id && l.job_id == link.job_id && l.is_live(now))
            .count();
        if live >= max_live {
            return Ok(LinkCreated::TooMany(live));
        }
        shares
            .tokens
            .insert(token_sha256.to_string(), link.id.clone());
        shares.links.insert(link.id.clone(), link.clone());
        Ok(LinkCreated::Created)
    }

    async fn links(&self, tenant: &TenantId, job: &JobId) -> Result<Vec<ShareLink>, StoreError> {
        self.check()?;
        let shares = lock(&self.shares);
        Ok(shares
            .links
            .values()
            .filter(|l| &l.tenant_id == tenant && &l.job_id == job)
            .cloned()
            .collect())
    }

    async fn link_by_token(&self, token_sha256: &str) -> Result<Option<ShareLink>, StoreError> {
        self.check()?;
        let shares = lock(&self.shares);
        Ok(shares
            .tokens
            .get(token_sha256)
            .and_then(|id| shares.links.get(id))
            .cloned())
    }

    async fn revoke_link(
        &self,
        tenant: &TenantId,
        job: &JobId,
        link: &LinkId,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<LinkRevoked, StoreError> {
        self.check()?;
        let mut shares = lock(&self.shares);
        let Some(stored) = shares
            .links
            .get_mut(link)
            .filter(|l| &l.tenant_id == tenant && &l.job_id == job)
        else {
            return Ok(LinkRevoked::NotFound);
        };
        if stored.revoked_at.is_some() {
            return Ok(LinkRevoked::AlreadyRevoked(stored.clone()));
        }
        stored.revoked_at = Some(now);
        stored.revoked_by = Some(by.to_string());
        Ok(LinkRevoked::Revoked(stored.clone()))
    }

    async fn append_audit(
        &self,
        tenant: &TenantId,
        job: &JobId,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.check()?;
        if let Some(e) = lock(&self.audit_failure).clone() {
            return Err(e);
        }
        lock(&self.shares)
            .audit
            .entry((tenant.clone(), job.clone()))
            .or_default()
            .push(entry.clone());
        Ok(())
    }

    async fn audit(&self, tenant: &TenantId, job: &JobId) -> Result<Vec<AuditEntry>, StoreError> {
        self.check()?;
        let mut trail = lock(&self.shares)
            .audit
            .get(&(tenant.clone(), job.clone()))
            .cloned()
            .unwrap_or_default();
        trail.sort_by_key(|e| e.at);
        Ok(trail)
    }
}
