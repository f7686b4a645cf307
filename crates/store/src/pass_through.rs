//! The compliance-profile and share-link methods of a job-store wrapper that
//! only changes how jobs end ([`crate::completion_hook`], [`crate::job_events`]):
//! one pass-through to `self.inner` instead of a hand-kept copy per wrapper.

/// Implements `ProfileStore` and `ShareStore` for `$ty` by calling the same
/// method on its `inner` store.
#[macro_export]
macro_rules! pass_through_profiles_and_links {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::profiles::ProfileStore for $ty {
            async fn get_profile(
                &self,
                tenant: &kt_domain::TenantId,
            ) -> Result<Option<kt_domain::VersionedProfile>, $crate::StoreError> {
                self.inner.get_profile(tenant).await
            }
            async fn get_profile_version(
                &self,
                tenant: &kt_domain::TenantId,
                version: u64,
            ) -> Result<Option<kt_domain::VersionedProfile>, $crate::StoreError> {
                self.inner.get_profile_version(tenant, version).await
            }
            async fn put_profile(
                &self,
                tenant: &kt_domain::TenantId,
                profile: &kt_domain::ComplianceProfile,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<kt_domain::VersionedProfile, $crate::StoreError> {
                self.inner.put_profile(tenant, profile, now).await
            }
            async fn enabled_schedules(
                &self,
            ) -> Result<Vec<$crate::profiles::TenantSchedule>, $crate::StoreError> {
                self.inner.enabled_schedules().await
            }
        }

        #[async_trait::async_trait]
        impl $crate::ShareStore for $ty {
            async fn create_link(
                &self,
                link: &kt_domain::share::ShareLink,
                token_sha256: &str,
                max_live: usize,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<$crate::LinkCreated, $crate::StoreError> {
                self.inner
                    .create_link(link, token_sha256, max_live, now)
                    .await
            }
            async fn links(
                &self,
                tenant: &kt_domain::TenantId,
                job: &kt_domain::JobId,
            ) -> Result<Vec<kt_domain::share::ShareLink>, $crate::StoreError> {
                self.inner.links(tenant, job).await
            }
            async fn link_by_token(
                &self,
                token_sha256: &str,
            ) -> Result<Option<kt_domain::share::ShareLink>, $crate::StoreError> {
                self.inner.link_by_token(token_sha256).await
            }
            async fn revoke_link(
                &self,
                tenant: &kt_domain::TenantId,
                job: &kt_domain::JobId,
                link: &kt_domain::share::LinkId,
                by: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<$crate::LinkRevoked, $crate::StoreError> {
                self.inner.revoke_link(tenant, job, link, by, now).await
            }
            async fn append_audit(
                &self,
                tenant: &kt_domain::TenantId,
                job: &kt_domain::JobId,
                entry: &kt_domain::share::AuditEntry,
            ) -> Result<(), $crate::StoreError> {
                self.inner.append_audit(tenant, job, entry).await
            }
            async fn audit(
                &self,
                tenant: &kt_domain::TenantId,
                job: &kt_domain::JobId,
            ) -> Result<Vec<kt_domain::share::AuditEntry>, $crate::StoreError> {
                self.inner.audit(tenant, job).await
            }
        }
    };
}
