//! [`CheckpointStore`] in the jobs table, beside the run's items
//! (`dynamo/fanout.rs`), with the same 30-day `ttl`:
//! - `sk = FANOUT#<job_id>#<attempt>#CP#<index>`: a segment's latest
//!   checkpoint (`checkpoint`, JSON; `seq`, N). Saving `seq = s + 1` is a put
//!   on condition that the stored `seq` is `s`: of two deliveries that
//!   continue one checkpoint, exactly one saves the next. Saving the very
//!   checkpoint that is stored (a retried put whose answer was lost) is a
//!   success, not a loss: the caller must not delete the piece it names.
//! - `sk = FANOUT#<job_id>#<attempt>#SENT#<name>`: a message that was sent.
//!
//! Neither sits under `…#SEG#`, which the finisher reads as finished segments.
use super::DynamoJobStore;
use super::fanout::run_sk;
use super::items::{key, n, s, string_attr};
use crate::StoreError;
use crate::aws_error::store_error;
use crate::checkpoint::{CheckpointStore, SegmentCheckpoint};
use crate::resources::{HISTORY_RETENTION_DAYS, PK, TTL_ATTR};
use async_trait::async_trait;
use chrono::{Duration, Utc};
use kt_domain::{JobId, TenantId};

const CHECKPOINT: &str = "checkpoint";
const SEQ: &str = "seq";

fn checkpoint_sk(job: &JobId, attempt: u32, index: u32) -> String {
    format!("{}#CP#{index:06}", run_sk(job, attempt))
}

fn sent_sk(job: &JobId, attempt: u32, name: &str) -> String {
    format!("{}#SENT#{name}", run_sk(job, attempt))
}

fn ttl() -> aws_sdk_dynamodb::types::AttributeValue {
    n((Utc::now() + Duration::days(HISTORY_RETENTION_DAYS)).timestamp())
}

#[async_trait]
impl CheckpointStore for DynamoJobStore {
    async fn checkpoint(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        index: u32,
    ) -> Result<Option<SegmentCheckpoint>, StoreError> {
        let Some(item) = self
            .read(tenant, checkpoint_sk(job, attempt, index))
            .await?
        else {
            return Ok(None);
        };
        let text = string_attr(&item, CHECKPOINT)
            .ok_or_else(|| StoreError::Permanent("a checkpoint item without its JSON".into()))?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::Permanent(format!("an unreadable checkpoint: {e}").into()))
    }

    async fn save_checkpoint(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        index: u32,
        next: &SegmentCheckpoint,
    ) -> Result<bool, StoreError> {
        let json = serde_json::to_string(next)
            .map_err(|e| StoreError::Permanent(format!("a checkpoint to JSON: {e}").into()))?;
        let mut item = key(tenant, checkpoint_sk(job, attempt, index));
        item.insert(CHECKPOINT.into(), s(json));
        item.insert(SEQ.into(), n(next.seq));
        item.insert(TTL_ATTR.into(), ttl());
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let put = if next.seq <= 1 {
            put.condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK)
        } else {
            put.condition_expression("#seq = :prev")
                .expression_attribute_names("#seq", SEQ)
                .expression_attribute_values(":prev", n(next.seq - 1))
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                // The SDK retries a put whose answer was lost; the retry then
                // fails the condition against the put itself. Saved all the
                // same when the stored checkpoint is this one (its piece keys
                // are this delivery's own, so no other delivery wrote it).
                let stored = self.checkpoint(tenant, job, attempt, index).await?;
                Ok(stored.as_ref() == Some(next))
            }
            Err(e) => Err(store_error("saving a segment's checkpoint", e)),
        }
    }

    async fn mark_sent(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        name: &str,
    ) -> Result<(), StoreError> {
        let mut item = key(tenant, sent_sk(job, attempt, name));
        item.insert(TTL_ATTR.into(), ttl());
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| store_error("noting a sent fan-out message", e))?;
        Ok(())
    }

    async fn was_sent(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        name: &str,
    ) -> Result<bool, StoreError> {
        Ok(self
            .read(tenant, sent_sk(job, attempt, name))
            .await?
            .is_some())
    }
}
