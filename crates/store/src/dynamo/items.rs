//! How jobs, idempotency keys and counters are laid out in the jobs table.
//!
//! The job's own fields come from serde_dynamo; this module only adds the
//! adapter's attributes: keys, revision, TTL and the lease index keys.
use crate::StoreError;
use crate::resources::{
    HISTORY_RETENTION_DAYS, LEASE_INDEX_PK, LEASE_INDEX_PK_VALUE, LEASE_INDEX_SK, PK,
    QUEUED_INDEX_PK_VALUE, SK, TTL_ATTR,
};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};
use kt_domain::{Job, JobId, JobStatus, TenantId};
use std::collections::HashMap;

pub(super) type Item = HashMap<String, AttributeValue>;

/// Sort key of the per-tenant active-job counter item.
pub(super) const COUNTER_SK: &str = "COUNTER#active";
/// Attribute of the counter item: jobs queued or processing.
pub(super) const ACTIVE_ATTR: &str = "active";
/// Optimistic-concurrency revision of a job item, bumped by every write.
pub(super) const REV_ATTR: &str = "rev";
/// Attributes of an idempotency item.
pub(super) const IDEM_JOB_ID: &str = "job_id";
pub(super) const IDEM_REQUEST_HASH: &str = "request_hash";

const JOB_PREFIX: &str = "JOB#";

pub(super) fn tenant_pk(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}")
}
pub(super) fn job_sk(id: &JobId) -> String {
    format!("{JOB_PREFIX}{id}")
}
pub(super) fn job_sk_prefix() -> &'static str {
    JOB_PREFIX
}
pub(super) fn idem_sk(key: &str) -> String {
    format!("IDEM#{key}")
}

pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}
pub(super) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// Primary key of an item of `tenant`.
pub(super) fn key(tenant: &TenantId, sk: String) -> Item {
    HashMap::from([
        (PK.to_string(), s(tenant_pk(tenant))),
        (SK.to_string(), s(sk)),
    ])
}

/// When DynamoDB may delete a job's record: 30 days after its artifact
/// stops being available (completed: `expires_at`, or `retained_until` for a
/// retained export), or after it ended (failed, canceled). A completed job
/// is shown as `expired` on read from `expires_at`, so the record stays
/// visible as history for 30 days after expiry. Active jobs never expire.
pub(super) fn ttl_for(job: &Job, ended_at: DateTime<Utc>) -> Option<i64> {
    let retention = Duration::days(HISTORY_RETENTION_DAYS);
    match job.status {
        JobStatus::Completed => {
            Some((job.artifact_available_until().unwrap_or(ended_at) + retention).timestamp())
        }
        JobStatus::Failed | JobStatus::Canceled => Some((ended_at + retention).timestamp()),
        JobStatus::Queued | JobStatus::Processing | JobStatus::Expired => None,
    }
}

/// The full item of `job` at revision `rev`.
pub(super) fn job_item(job: &Job, rev: u64, ttl: Option<i64>) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(job)
        .map_err(|e| StoreError::Permanent(format!("job {} to item: {e}", job.id).into()))?;
    item.insert(PK.into(), s(tenant_pk(&job.tenant_id)));
    item.insert(SK.into(), s(job_sk(&job.id)));
    item.insert(REV_ATTR.into(), n(rev));
    if let Some(ttl) = ttl {
        item.insert(TTL_ATTR.into(), n(ttl));
    }
    if let (JobStatus::Processing, Some(lease)) = (job.status, job.lease_until) {
        item.insert(LEASE_INDEX_PK.into(), s(LEASE_INDEX_PK_VALUE));
        item.insert(LEASE_INDEX_SK.into(), n(lease.timestamp_millis()));
    }
    if job.status == JobStatus::Queued {
        // Queued jobs share the index, by the time they started waiting, so
        // the sweeper finds the ones nobody picked up.
        item.insert(LEASE_INDEX_PK.into(), s(QUEUED_INDEX_PK_VALUE));
        let since = crate::sweep_rules::waiting_since(job);
        item.insert(LEASE_INDEX_SK.into(), n(since.timestamp_millis()));
    }
    Ok(item)
}

/// A job item read back: the job and its revision.
pub(super) fn job_from_item(mut item: Item) -> Result<(Job, u64), StoreError> {
    let rev = match item.remove(REV_ATTR) {
        Some(AttributeValue::N(v)) => v
            .parse()
            .map_err(|_| StoreError::Permanent(format!("bad {REV_ATTR} {v:?}").into()))?,
        _ => 0,
    };
    let job = serde_dynamo::from_item(item)
        .map_err(|e| StoreError::Permanent(format!("unreadable job item: {e}").into()))?;
    Ok((job, rev))
}

/// The tenant an item's partition key names.
pub(super) fn tenant_of(item: &Item) -> Option<TenantId> {
    match item.get(PK) {
        Some(AttributeValue::S(pk)) => TenantId::parse(pk.strip_prefix("TENANT#")?).ok(),
        _ => None,
    }
}

/// The job id an item's sort key names, if it is a job item.
pub(super) fn job_id_of(item: &Item) -> Option<JobId> {
    match item.get(SK) {
        Some(AttributeValue::S(sk)) => JobId::parse(sk.strip_prefix(JOB_PREFIX)?).ok(),
        _ => None,
    }
}

pub(super) fn string_attr(item: &Item, name: &str) -> Option<String> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Some(v.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kt_domain::{ExportFormat, ExportType};

    fn job(status: JobStatus) -> Job {
        let t = DateTime::parse_from_rfc3339("2026-05-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        Job {
            id: JobId::new(),
            tenant_id: TenantId::parse("acme").unwrap(),
            export_type: ExportType::Events,
            format: ExportFormat::Csv,
            status,
            timezone: "UTC".into(),
            window_start: t,
            window_end: t + Duration::days(1),
            label: Some("May".into()),
            expires_in_days: 7,
            created_at: t,
            created_by: "u_1".into(),
            started_at: None,
            completed_at: None,
            expires_at: Some(t + Duration::days(7)),
            file_name: "kt.csv".into(),
            event_count: None,
            progress: 0.0,
            size_bytes: None,
            sha256: None,
            content_type: "text/csv".into(),
            stats: None,
            error: None,
            artifact_key: None,
            lease_until: Some(t + Duration::minutes(2)),
            attempts: 1,
            request_hash: None,
            origin: None,
            requeues: 0,
            requeued_at: None,
            retention_days: None,
            retained_until: None,
        }
    }

    #[test]
    fn job_items_round_trip_with_keys_revision_and_lease_index() {
        let job = job(JobStatus::Processing);
        let item = job_item(&job, 7, None).unwrap();
        assert_eq!(item[PK], s("TENANT#acme"));
        assert_eq!(item[SK], s(format!("JOB#{}", job.id)));
        assert_eq!(item[LEASE_INDEX_PK], s("PROCESSING"));
        assert_eq!(
            item[LEASE_INDEX_SK],
            n(job.lease_until.unwrap().timestamp_millis())
        );
        assert!(!item.contains_key(TTL_ATTR));
        assert_eq!(job_id_of(&item), Some(job.id.clone()));
        assert_eq!(job_from_item(item).unwrap(), (job, 7));
    }

    #[test]
    fn only_active_jobs_are_in_the_lease_index() {
        let queued = job(JobStatus::Queued);
        let item = job_item(&queued, 1, None).unwrap();
        assert_eq!(item[LEASE_INDEX_PK], s("QUEUED"));
        assert_eq!(
            item[LEASE_INDEX_SK],
            n(queued.created_at.timestamp_millis())
        );
        for ended in [JobStatus::Completed, JobStatus::Failed, JobStatus::Canceled] {
            let item = job_item(&job(ended), 1, None).unwrap();
            assert!(!item.contains_key(LEASE_INDEX_PK));
            assert!(!item.contains_key(LEASE_INDEX_SK));
        }
    }

    #[test]
    fn history_is_kept_thirty_days_after_expiry_or_end() {
        let ended = Utc::now();
        let done = job(JobStatus::Completed);
        let expected = (done.expires_at.unwrap() + Duration::days(30)).timestamp();
        assert_eq!(ttl_for(&done, ended), Some(expected));
        let failed = job(JobStatus::Failed);
        assert_eq!(
            ttl_for(&failed, ended),
            Some((ended + Duration::days(30)).timestamp())
        );
        assert_eq!(ttl_for(&job(JobStatus::Queued), ended), None);
        // A retained export's record outlives its retention, not its expiry.
        let retained = Job {
            retained_until: Some(done.expires_at.unwrap() + Duration::days(3650)),
            ..done.clone()
        };
        assert_eq!(
            ttl_for(&retained, ended),
            Some((retained.retained_until.unwrap() + Duration::days(30)).timestamp())
        );
    }
}
