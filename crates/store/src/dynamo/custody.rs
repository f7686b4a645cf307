//! [`CustodyStore`] in the jobs table.
//!
//! Items (no `ttl`: custody records outlive the jobs they describe):
//! - `pk = TENANT#<tenant>`, `sk = CHAIN#<scope>` (`tenant`, `schedule:quarterly`):
//!   the chain's head, `sequence` (N) and `manifest_sha256` (S).
//! - `pk = TENANT#<tenant>`, `sk = MANIFEST#<job_id>`: `manifest` (S, the exact
//!   canonical bytes), `signature` (B, DER), `key_id` (S), `sequence` (N, in the
//!   tenant chain), and once a timestamp authority granted one, `timestamp`
//!   (B, the RFC 3161 `TimeStampResp` DER over SHA-256 of `signature`).
//!
//! An append is one transaction: the manifest put and, per chain, a head put
//! conditioned on the head being the one the new link follows (absent for a
//! chain's first link), so two exports finishing together cannot both take
//! the same sequence number. A sealing append (`append_completing`) adds the
//! job's completion to that transaction: the job item's put on condition that
//! it is as read (still held by the sealing attempt), and the tenant's active
//! counter, so a cancel cannot land between the seal and the completion.
use super::DynamoJobStore;
use super::MAX_RACES;
use super::items::{Item, key, n, s, string_attr};
use super::writes::{failed_conditions, is_contended, transaction_error};
use crate::StoreError;
use crate::custody::{Append, CustodyStore, Sealing, expected_head};
use crate::resources::PK;
use async_trait::async_trait;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use kt_domain::{Completion, JobId, TenantId};
use kt_engine::custody::{ChainHead, ChainLink, ChainScope, SignedManifest};

const SEQUENCE: &str = "sequence";
const MANIFEST_SHA256: &str = "manifest_sha256";
const TIMESTAMP: &str = "timestamp";

fn chain_sk(scope: &ChainScope) -> String {
    format!("CHAIN#{}", scope.name())
}
fn manifest_sk(job: &JobId) -> String {
    format!("MANIFEST#{job}")
}

fn number(item: &Item, name: &str) -> Option<u64> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().ok(),
        _ => None,
    }
}

impl DynamoJobStore {
    /// The writes of an append: the manifest put and, per chain, a head put
    /// conditioned on the head being the one the link follows.
    fn append_writes(
        &self,
        tenant: &TenantId,
        job: &JobId,
        manifest: &SignedManifest,
        links: &[(ChainScope, ChainLink)],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let bad =
            |e: aws_sdk_dynamodb::error::BuildError| StoreError::Permanent(e.to_string().into());
        let mut item = key(tenant, manifest_sk(job));
        item.insert(
            "manifest".into(),
            s(String::from_utf8_lossy(&manifest.bytes)),
        );
        item.insert(
            "signature".into(),
            AttributeValue::B(Blob::new(manifest.signature.clone())),
        );
        item.insert("key_id".into(), s(&manifest.key_id));
        let mut writes = vec![
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(item))
                        .build()
                        .map_err(bad)?,
                )
                .build(),
        ];
        for (scope, link) in links {
            let mut head = key(tenant, chain_sk(scope));
            head.insert(SEQUENCE.into(), n(link.sequence));
            head.insert(MANIFEST_SHA256.into(), s(manifest.sha256()));
            let put = Put::builder().table_name(&self.table).set_item(Some(head));
            let put = match expected_head(link) {
                None => put
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", PK),
                Some(h) => put
                    .condition_expression("#seq = :seq AND #sha = :sha")
                    .expression_attribute_names("#seq", SEQUENCE)
                    .expression_attribute_names("#sha", MANIFEST_SHA256)
                    .expression_attribute_values(":seq", n(h.sequence))
                    .expression_attribute_values(":sha", s(h.manifest_sha256)),
            };
            writes.push(
                TransactWriteItem::builder()
                    .put(put.build().map_err(bad)?)
                    .build(),
            );
        }
        Ok(writes)
    }
}

#[async_trait]
impl CustodyStore for DynamoJobStore {
    async fn chain_heads(
        &self,
        tenant: &TenantId,
        scopes: &[ChainScope],
    ) -> Result<Vec<Option<ChainHead>>, StoreError> {
        let mut heads = Vec::with_capacity(scopes.len());
        for scope in scopes {
            let head = self.read(tenant, chain_sk(scope)).await?.and_then(|item| {
                Some(ChainHead {
                    sequence: number(&item, SEQUENCE)?,
                    manifest_sha256: string_attr(&item, MANIFEST_SHA256)?,
                })
            });
            heads.push(head);
        }
        Ok(heads)
    }

    async fn append_manifest(
        &self,
        tenant: &TenantId,
        job: &JobId,
        manifest: &SignedManifest,
        links: &[(ChainScope, ChainLink)],
    ) -> Result<Append, StoreError> {
        let writes = self.append_writes(tenant, job, manifest, links)?;
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(Append::Appended),
            Err(e) if failed_conditions(&e).contains(&true) => Ok(Append::HeadMoved),
            Err(e) => Err(transaction_error("appending a manifest to its chain", e)),
        }
    }

    async fn append_completing(
        &self,
        tenant: &TenantId,
        job: &JobId,
        manifest: &SignedManifest,
        links: &[(ChainScope, ChainLink)],
        attempt: u32,
        completion: &Completion,
    ) -> Result<Sealing, StoreError> {
        let appends = self.append_writes(tenant, job, manifest, links)?;
        for _ in 0..MAX_RACES {
            let Some((current, rev)) = self.read_job(tenant, job).await? else {
                return Ok(Sealing::JobChanged(None));
            };
            let Some(next) = current.complete(attempt, completion) else {
                return Ok(Sealing::JobChanged(Some(current)));
            };
            let put = self.transition_put(&current, rev, &next, completion.completed_at)?;
            // The job's completion, and the active counter it leaves (as a
            // completion alone does).
            let mut writes = vec![
                TransactWriteItem::builder().put(put).build(),
                self.counter_change(tenant, -1, None)?,
            ];
            // The append's own writes: the manifest, then one head per chain.
            let first_head = writes.len() + 1;
            writes.extend(appends.iter().cloned());
            // An SDK retry of a transaction that committed unseen must not
            // fail on its own writes: the same token is the same request.
            let token = format!("{}{:x}", &manifest.sha256()[..28], rev & 0xffff_ffff);
            match self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes))
                .client_request_token(token)
                .send()
                .await
            {
                Ok(_) => return Ok(Sealing::Completed(next)),
                Err(e) => {
                    let failed = failed_conditions(&e);
                    if failed.iter().skip(first_head).any(|&f| f) {
                        return Ok(Sealing::HeadMoved);
                    }
                    // The job moved (a heartbeat, a cancel) or another
                    // transaction held an item: read it again and decide.
                    if failed.first() != Some(&true) && !is_contended(&e) {
                        return Err(transaction_error("sealing a job's manifest", e));
                    }
                    tracing::debug!(job_id = %job, "seal lost a race on the job, re-reading");
                }
            }
        }
        Err(StoreError::Transient(
            format!("job {job} kept changing while being sealed").into(),
        ))
    }

    async fn attach_timestamp(
        &self,
        tenant: &TenantId,
        job: &JobId,
        reply: &[u8],
    ) -> Result<(), StoreError> {
        let k = key(tenant, manifest_sk(job));
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(k))
            .update_expression("SET #ts = :ts")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#ts", TIMESTAMP)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":ts", AttributeValue::B(Blob::new(reply.to_vec())))
            .send()
            .await
            .map_err(|e| crate::aws_error::store_error("storing a manifest's timestamp", e))?;
        Ok(())
    }

    async fn manifest(
        &self,
        tenant: &TenantId,
        job: &JobId,
    ) -> Result<Option<SignedManifest>, StoreError> {
        let Some(item) = self.read(tenant, manifest_sk(job)).await? else {
            return Ok(None);
        };
        let (Some(bytes), Some(AttributeValue::B(sig)), Some(key_id)) = (
            string_attr(&item, "manifest"),
            item.get("signature"),
            string_attr(&item, "key_id"),
        ) else {
            return Err(store_error_text(job));
        };
        Ok(Some(SignedManifest {
            bytes: bytes.into_bytes(),
            signature: sig.as_ref().to_vec(),
            key_id,
            timestamp: match item.get(TIMESTAMP) {
                Some(AttributeValue::B(reply)) => Some(reply.as_ref().to_vec()),
                _ => None,
            },
        }))
    }
}

fn store_error_text(job: &JobId) -> StoreError {
    StoreError::Permanent(format!("the manifest record of {job} is incomplete").into())
}
