//! The tenants' compliance profiles: one versioned document per tenant, and
//! an index of the tenants whose quarterly schedule is enabled (so the
//! scheduler finds them without scanning the jobs).
use super::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kt_domain::profile::ScheduleDeclaration;
use kt_domain::{ComplianceProfile, TenantId, VersionedProfile};

/// An enabled schedule, as the scheduler reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSchedule {
    pub tenant: TenantId,
    /// The profile version the schedule comes from.
    pub version: u64,
    pub schedule: ScheduleDeclaration,
}

#[async_trait]
pub trait ProfileStore: Send + Sync {
    /// The tenant's current profile, if it ever set one.
    async fn get_profile(&self, tenant: &TenantId) -> Result<Option<VersionedProfile>, StoreError>;

    /// Version `version` of the tenant's profile, current or past: a report
    /// cites the version it was made under, and recomputing it needs that
    /// version's declarations. `None` when the tenant never had it.
    async fn get_profile_version(
        &self,
        tenant: &TenantId,
        version: u64,
    ) -> Result<Option<VersionedProfile>, StoreError>;

    /// Replaces the tenant's profile; the new version is the previous one + 1
    /// (1 for the first). Concurrent writers each get their own version.
    async fn put_profile(
        &self,
        tenant: &TenantId,
        profile: &ComplianceProfile,
        now: DateTime<Utc>,
    ) -> Result<VersionedProfile, StoreError>;

    /// Every tenant whose profile has `schedule.enabled`, ordered by tenant.
    async fn enabled_schedules(&self) -> Result<Vec<TenantSchedule>, StoreError>;
}

/// The schedule of `profile` when it is enabled.
pub fn enabled_schedule(profile: &ComplianceProfile) -> Option<&ScheduleDeclaration> {
    profile.schedule.as_ref().filter(|s| s.enabled)
}
