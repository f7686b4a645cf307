//! [`ProfileStore`] for [`MemoryJobStore`]: profiles in a map under the store's lock.
use super::{MemoryJobStore, lock};
use crate::StoreError;
use crate::profiles::{ProfileStore, TenantSchedule, enabled_schedule};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kt_domain::{ComplianceProfile, TenantId, VersionedProfile};

#[async_trait]
impl ProfileStore for MemoryJobStore {
    async fn get_profile(&self, tenant: &TenantId) -> Result<Option<VersionedProfile>, StoreError> {
        self.check()?;
        Ok(lock(&self.profiles).get(tenant).cloned())
    }

    async fn get_profile_version(
        &self,
        tenant: &TenantId,
        version: u64,
    ) -> Result<Option<VersionedProfile>, StoreError> {
        self.check()?;
        Ok(lock(&self.profile_history)
            .get(&(tenant.clone(), version))
            .cloned())
    }

    async fn put_profile(
        &self,
        tenant: &TenantId,
        profile: &ComplianceProfile,
        now: DateTime<Utc>,
    ) -> Result<VersionedProfile, StoreError> {
        self.check()?;
        let mut profiles = lock(&self.profiles);
        let version = profiles.get(tenant).map_or(0, |p| p.version) + 1;
        let stored = VersionedProfile {
            version,
            updated_at: now,
            profile: profile.clone(),
        };
        profiles.insert(tenant.clone(), stored.clone());
        lock(&self.profile_history).insert((tenant.clone(), version), stored.clone());
        Ok(stored)
    }

    async fn enabled_schedules(&self) -> Result<Vec<TenantSchedule>, StoreError> {
        self.check()?;
        Ok(lock(&self.profiles)
            .iter()
            .filter_map(|(tenant, p)| {
                enabled_schedule(&p.profile).map(|s| TenantSchedule {
                    tenant: tenant.clone(),
                    version: p.version,
                    schedule: s.clone(),
                })
            })
            .collect())
    }
}
