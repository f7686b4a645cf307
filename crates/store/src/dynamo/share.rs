//! [`ShareStore`] in the jobs table.
//!
//! Items:
//! - `pk = TENANT#<tenant>`, `sk = LINK#<job_id>#<link_id>`: the link (its
//!   fields) and `token_sha256`; `ttl` 30 days after the link ends.
//! - `pk = SHARE#<token_sha256>`, `sk = SHARE`: which link a token opens
//!   (`tenant_id`, `job_id`, `link_id`), so `/v1/shared/{token}` is one read
//!   without knowing the tenant; same `ttl`. The token itself is never stored.
//! - `pk = TENANT#<tenant>`, `sk = LINKS#<job_id>`: `created` (N), bumped by
//!   every creation on condition that it is still the value read, so two
//!   creations cannot both see 49 live links and both write.
//! - `pk = TENANT#<tenant>`, `sk = AUDIT#<job_id>#<ulid>`: one audit entry;
//!   the ULID's time is the entry's, so a Query returns the trail in order.
//!   Written only with `attribute_not_exists`: never replaced, never
//!   updated; `ttl` [`AUDIT_RETENTION_DAYS`] after the entry, longer than any
//!   artifact it describes is kept.
use super::DynamoJobStore;
use super::items::{Item, key, n, s, string_attr};
use super::writes::{failed_conditions, is_contended, transaction_error};
use crate::StoreError;
use crate::aws_error::store_error;
use crate::resources::{AUDIT_RETENTION_DAYS, HISTORY_RETENTION_DAYS, PK, SK, TTL_ATTR};
use crate::share::{LinkCreated, LinkRevoked, ShareStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use chrono::{DateTime, Duration, Utc};
use kt_domain::share::{AuditEntry, LinkId, ShareLink};
use kt_domain::{JobId, TenantId};
use std::collections::HashMap;

const MAX_RACES: usize = 8;
const TOKEN_SK: &str = "SHARE";
const CREATED_ATTR: &str = "created";
const TOKEN_HASH_ATTR: &str = "token_sha256";

fn link_sk(job: &JobId, link: &LinkId) -> String {
    format!("LINK#{job}#{link}")
}
fn links_prefix(job: &JobId) -> String {
    format!("LINK#{job}#")
}
fn counter_sk(job: &JobId) -> String {
    format!("LINKS#{job}")
}
fn audit_prefix(job: &JobId) -> String {
    format!("AUDIT#{job}#")
}
fn token_key(token_sha256: &str) -> Item {
    HashMap::from([
        (PK.to_string(), s(format!("SHARE#{token_sha256}"))),
        (SK.to_string(), s(TOKEN_SK)),
    ])
}

fn link_ttl(link: &ShareLink) -> AttributeValue {
    n((link.expires_at + Duration::days(HISTORY_RETENTION_DAYS)).timestamp())
}

fn bad(e: impl std::fmt::Display) -> StoreError {
    StoreError::Permanent(format!("building a share-link write: {e}").into())
}

fn link_from_item(item: Item) -> Result<ShareLink, StoreError> {
    serde_dynamo::from_item(item)
        .map_err(|e| StoreError::Permanent(format!("unreadable share link item: {e}").into()))
}

impl DynamoJobStore {
    /// Every item of a tenant's partition whose sort key starts with `prefix`, in order.
    async fn query_prefix(
        &self,
        tenant: &TenantId,
        prefix: String,
        doing: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", s(super::items::tenant_pk(tenant)))
                .expression_attribute_values(":prefix", s(&prefix))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error(doing, e))?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    async fn read_link(
        &self,
        tenant: &TenantId,
        job: &JobId,
        link: &LinkId,
    ) -> Result<Option<ShareLink>, StoreError> {
        self.read(tenant, link_sk(job, link))
            .await?
            .map(link_from_item)
            .transpose()
    }
}

#[async_trait]
impl ShareStore for DynamoJobStore {
    async fn create_link(
        &self,
        link: &ShareLink,
        token_sha256: &str,
        max_live: usize,
        now: DateTime<Utc>,
    ) -> Result<LinkCreated, StoreError> {
        let tenant = &link.tenant_id;
        for _ in 0..MAX_RACES {
            let counter = self.read(tenant, counter_sk(&link.job_id)).await?;
            let created = counter.as_ref().and_then(|c| match c.get(CREATED_ATTR) {
                Some(AttributeValue::N(v)) => v.parse::<u64>().ok(),
                _ => None,
            });
            let live = self
                .links(tenant, &link.job_id)
                .await?
                .iter()
                .filter(|l| l.is_live(now))
                .count();
            if live >= max_live {
                return Ok(LinkCreated::TooMany(live));
            }
            let mut item: Item = serde_dynamo::to_item(link).map_err(bad)?;
            item.extend(key(tenant, link_sk(&link.job_id, &link.id)));
            item.insert(TOKEN_HASH_ATTR.into(), s(token_sha256));
            item.insert(TTL_ATTR.into(), link_ttl(link));
            let mut pointer = token_key(token_sha256);
            pointer.insert("tenant_id".into(), s(tenant.as_str()));
            pointer.insert("job_id".into(), s(link.job_id.as_str()));
            pointer.insert("link_id".into(), s(link.id.as_str()));
            pointer.insert(TTL_ATTR.into(), link_ttl(link));
            let mut count = key(tenant, counter_sk(&link.job_id));
            count.insert(CREATED_ATTR.into(), n(created.unwrap_or(0) + 1));
            let count = Put::builder()
                .table_name(&self.table)
                .set_item(Some(count))
                .expression_attribute_names("#c", CREATED_ATTR);
            let count = match created {
                None => count.condition_expression("attribute_not_exists(#c)"),
                Some(c) => count
                    .condition_expression("#c = :c")
                    .expression_attribute_values(":c", n(c)),
            };
            let writes = vec![
                self.put_new(item)?,
                self.put_new(pointer)?,
                TransactWriteItem::builder()
                    .put(count.build().map_err(bad)?)
                    .build(),
            ];
            match self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes))
                .send()
                .await
            {
                Ok(_) => return Ok(LinkCreated::Created),
                Err(e) if failed_conditions(&e).get(2) == Some(&true) || is_contended(&e) => {
                    tracing::debug!(job_id = %link.job_id, "link creation lost a race, re-reading");
                }
                Err(e) => return Err(transaction_error("creating a share link", e)),
            }
        }
        Err(StoreError::Transient(
            "the job's links kept changing; try again".into(),
        ))
    }

    async fn links(&self, tenant: &TenantId, job: &JobId) -> Result<Vec<ShareLink>, StoreError> {
        self.query_prefix(tenant, links_prefix(job), "listing share links")
            .await?
            .into_iter()
            .map(link_from_item)
            .collect()
    }

    async fn link_by_token(&self, token_sha256: &str) -> Result<Option<ShareLink>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(token_key(token_sha256)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("reading a share token", e))?;
        let Some(pointer) = out.item else {
            return Ok(None);
        };
        let field = |name: &str| string_attr(&pointer, name);
        let (Some(tenant), Some(job), Some(link)) = (
            field("tenant_id").and_then(|t| TenantId::parse(&t).ok()),
            field("job_id").and_then(|j| JobId::parse(&j).ok()),
            field("link_id").and_then(|l| LinkId::parse(&l)),
        ) else {
            return Err(StoreError::Permanent(
                "a share token item is incomplete".into(),
            ));
        };
        self.read_link(&tenant, &job, &link).await
    }

    async fn revoke_link(
        &self,
        tenant: &TenantId,
        job: &JobId,
        link: &LinkId,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<LinkRevoked, StoreError> {
        let Some(current) = self.read_link(tenant, job, link).await? else {
            return Ok(LinkRevoked::NotFound);
        };
        if current.revoked_at.is_some() {
            return Ok(LinkRevoked::AlreadyRevoked(current));
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(tenant, link_sk(job, link))))
            .update_expression("SET #at = :at, #by = :by")
            .condition_expression(
                "attribute_exists(#pk) AND (attribute_not_exists(#at) OR attribute_type(#at, :null))",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#at", "revoked_at")
            .expression_attribute_names("#by", "revoked_by")
            .expression_attribute_values(
                ":at",
                s(now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            )
            .expression_attribute_values(":by", s(by))
            .expression_attribute_values(":null", s("NULL"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(LinkRevoked::Revoked(ShareLink {
                revoked_at: Some(now),
                revoked_by: Some(by.to_string()),
                ..current
            })),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                // Revoked by someone else meanwhile.
                match self.read_link(tenant, job, link).await? {
                    Some(l) => Ok(LinkRevoked::AlreadyRevoked(l)),
                    None => Ok(LinkRevoked::NotFound),
                }
            }
            Err(e) => Err(store_error("revoking a share link", e)),
        }
    }

    async fn append_audit(
        &self,
        tenant: &TenantId,
        job: &JobId,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let id = ulid::Ulid::from_datetime(std::time::SystemTime::from(entry.at));
        let mut item: Item = serde_dynamo::to_item(entry).map_err(bad)?;
        item.extend(key(
            tenant,
            format!(
                "{}{}",
                audit_prefix(job),
                id.to_string().to_ascii_lowercase()
            ),
        ));
        item.insert(
            TTL_ATTR.into(),
            n((entry.at + Duration::days(AUDIT_RETENTION_DAYS)).timestamp()),
        );
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await
            .map_err(|e| store_error("appending to an audit trail", e))?;
        Ok(())
    }

    async fn audit(&self, tenant: &TenantId, job: &JobId) -> Result<Vec<AuditEntry>, StoreError> {
        self.query_prefix(tenant, audit_prefix(job), "reading an audit trail")
            .await?
            .into_iter()
            .map(|item| {
                serde_dynamo::from_item(item).map_err(|e| {
                    StoreError::Permanent(format!("unreadable audit entry: {e}").into())
                })
            })
            .collect()
    }
}
