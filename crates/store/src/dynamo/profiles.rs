//! [`ProfileStore`] in the jobs table.
//!
//! Layout: the profile is `pk = TENANT#<tenant>`, `sk = PROFILE` with
//! `version` (N), `updated_at` (S, RFC 3339) and `body` (S, the profile's
//! JSON); each version is also kept as `sk = PROFILE#v<version, 20 digits>`
//! with the same attributes, written in the same transaction and never
//! changed, so a report's cited version can be read back. An enabled schedule is also indexed as `pk = SCHEDULES`,
//! `sk = TENANT#<tenant>` with `tenant`, `version` and `schedule` (JSON), put
//! or deleted in the same transaction as the profile, so the scheduler reads
//! one partition instead of scanning the jobs. A put is conditional on the
//! version it read; a writer that lost the race reads again.
use super::DynamoJobStore;
use super::items::{Item, n, s, tenant_pk};
use super::writes::{failed_conditions, is_contended, transaction_error};
use crate::StoreError;
use crate::aws_error::store_error;
use crate::profiles::{ProfileStore, TenantSchedule, enabled_schedule};
use crate::resources::{PK, SK};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use chrono::{DateTime, Utc};
use kt_domain::{ComplianceProfile, TenantId, VersionedProfile};
use std::collections::HashMap;

const PROFILE_SK: &str = "PROFILE";
const SCHEDULES_PK: &str = "SCHEDULES";
const MAX_RACES: usize = 5;

fn attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| match v {
        AttributeValue::S(s) | AttributeValue::N(s) => Some(s.as_str()),
        _ => None,
    })
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Permanent(format!("profile item: {what}").into())
}

fn profile_from_item(item: &Item) -> Result<VersionedProfile, StoreError> {
    let version = attr(item, "version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| corrupt("no version"))?;
    let updated_at = attr(item, "updated_at")
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .ok_or_else(|| corrupt("no updated_at"))?
        .with_timezone(&Utc);
    let profile = serde_json::from_str(attr(item, "body").ok_or_else(|| corrupt("no body"))?)
        .map_err(|e| corrupt(&format!("body: {e}")))?;
    Ok(VersionedProfile {
        version,
        updated_at,
        profile,
    })
}

fn profile_key(tenant: &TenantId) -> Item {
    HashMap::from([
        (PK.to_string(), s(tenant_pk(tenant))),
        (SK.to_string(), s(PROFILE_SK)),
    ])
}

/// `key` with a profile version's attributes (the current item and each
/// history item hold the same ones).
fn profile_item(mut key: Item, p: &VersionedProfile) -> Result<Item, StoreError> {
    let body = serde_json::to_string(&p.profile)
        .map_err(|e| StoreError::Permanent(format!("profile to JSON: {e}").into()))?;
    key.insert("version".into(), n(p.version));
    key.insert("updated_at".into(), s(p.updated_at.to_rfc3339()));
    key.insert("body".into(), s(body));
    Ok(key)
}

/// The key of version `version`'s history item.
fn history_key(tenant: &TenantId, version: u64) -> Item {
    HashMap::from([
        (PK.to_string(), s(tenant_pk(tenant))),
        (SK.to_string(), s(format!("{PROFILE_SK}#v{version:020}"))),
    ])
}

fn schedule_key(tenant: &TenantId) -> Item {
    HashMap::from([
        (PK.to_string(), s(SCHEDULES_PK)),
        (SK.to_string(), s(tenant_pk(tenant))),
    ])
}

fn build<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Permanent(format!("building a profile write: {e}").into()))
}

impl DynamoJobStore {
    fn profile_writes(
        &self,
        tenant: &TenantId,
        stored: &VersionedProfile,
        previous: Option<&VersionedProfile>,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let item = profile_item(profile_key(tenant), stored)?;
        let history = Put::builder()
            .table_name(&self.table)
            .set_item(Some(profile_item(
                history_key(tenant, stored.version),
                stored,
            )?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK);
        let put = Put::builder().table_name(&self.table).set_item(Some(item));
        let put = match previous.map(|p| p.version) {
            None => put
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK),
            Some(v) => put
                .condition_expression("#version = :previous")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":previous", n(v)),
        };
        let mut writes = vec![
            TransactWriteItem::builder()
                .put(build(put.build())?)
                .build(),
            TransactWriteItem::builder()
                .put(build(history.build())?)
                .build(),
        ];
        // The version being replaced keeps its history item too: one written
        // before versions were kept has none, and would read as never held.
        // Its content is the current item's, so writing it again changes
        // nothing when it exists.
        if let Some(previous) = previous {
            let kept = profile_item(history_key(tenant, previous.version), previous)?;
            let put = Put::builder().table_name(&self.table).set_item(Some(kept));
            writes.push(
                TransactWriteItem::builder()
                    .put(build(put.build())?)
                    .build(),
            );
        }
        match enabled_schedule(&stored.profile) {
            Some(schedule) => {
                let mut index = schedule_key(tenant);
                index.insert("tenant".into(), s(tenant.as_str()));
                index.insert("version".into(), n(stored.version));
                index.insert(
                    "schedule".into(),
                    s(serde_json::to_string(schedule).map_err(|e| corrupt(&e.to_string()))?),
                );
                let put = Put::builder().table_name(&self.table).set_item(Some(index));
                writes.push(
                    TransactWriteItem::builder()
                        .put(build(put.build())?)
                        .build(),
                );
            }
            None => {
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(schedule_key(tenant)));
                writes.push(
                    TransactWriteItem::builder()
                        .delete(build(delete.build())?)
                        .build(),
                );
            }
        }
        Ok(writes)
    }
}

#[async_trait]
impl ProfileStore for DynamoJobStore {
    async fn get_profile(&self, tenant: &TenantId) -> Result<Option<VersionedProfile>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(profile_key(tenant)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("reading a compliance profile", e))?;
        out.item.as_ref().map(profile_from_item).transpose()
    }

    async fn get_profile_version(
        &self,
        tenant: &TenantId,
        version: u64,
    ) -> Result<Option<VersionedProfile>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(history_key(tenant, version)))
            .send()
            .await
            .map_err(|e| store_error("reading a compliance profile's version", e))?;
        if let Some(item) = &out.item {
            return profile_from_item(item).map(Some);
        }
        // Profiles written before versions were kept have only the current one.
        Ok(self
            .get_profile(tenant)
            .await?
            .filter(|p| p.version == version))
    }

    async fn put_profile(
        &self,
        tenant: &TenantId,
        profile: &ComplianceProfile,
        now: DateTime<Utc>,
    ) -> Result<VersionedProfile, StoreError> {
        for _ in 0..MAX_RACES {
            let previous = self.get_profile(tenant).await?;
            let stored = VersionedProfile {
                version: previous.as_ref().map_or(0, |p| p.version) + 1,
                updated_at: now,
                profile: profile.clone(),
            };
            let writes = self.profile_writes(tenant, &stored, previous.as_ref())?;
            match self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes))
                .send()
                .await
            {
                Ok(_) => return Ok(stored),
                Err(e) if failed_conditions(&e).first() == Some(&true) || is_contended(&e) => {
                    continue;
                }
                Err(e) => return Err(transaction_error("writing a compliance profile", e)),
            }
        }
        Err(StoreError::Transient(
            "the compliance profile kept changing while being written".into(),
        ))
    }

    async fn enabled_schedules(&self) -> Result<Vec<TenantSchedule>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", s(SCHEDULES_PK))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error("listing scheduled tenants", e))?;
            for item in page.items() {
                let tenant = attr(item, "tenant")
                    .and_then(|t| TenantId::parse(t).ok())
                    .ok_or_else(|| corrupt("schedule index without a tenant"))?;
                let version = attr(item, "version")
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| corrupt("schedule index without a version"))?;
                let schedule = attr(item, "schedule")
                    .and_then(|v| serde_json::from_str(v).ok())
                    .ok_or_else(|| corrupt("schedule index without a schedule"))?;
                out.push(TenantSchedule {
                    tenant,
                    version,
                    schedule,
                });
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        Ok(out)
    }
}
