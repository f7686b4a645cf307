//! The conditional writes behind [`super::DynamoJobStore`]'s transitions.
use super::DynamoJobStore;
use super::items::{ACTIVE_ATTR, COUNTER_SK, Item, REV_ATTR, job_item, key, n, s, ttl_for};
use crate::domain::{Job, TenantId};
use crate::store::StoreError;
use crate::store::aws_error::store_error;
use crate::store::resources::PK;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};

/// Condition on a job write: unchanged since it was read.
const UNCHANGED: &str = "#rev = :rev AND #status = :status AND #attempts = :attempts";

/// Whether a conditional write went through.
pub(super) enum Write {
    Done,
    LostRace,
}

impl DynamoJobStore {
    /// Writes `next` over `current` (at `rev`); leaving the active states also
    /// decrements the tenant's counter, in the same transaction.
    pub(super) async fn write_transition(
        &self,
        current: &Job,
        rev: u64,
        next: &Job,
        ended_at: DateTime<Utc>,
    ) -> Result<Write, StoreError> {
        let item = job_item(next, rev + 1, ttl_for(next, ended_at))?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(UNCHANGED)
            .expression_attribute_names("#rev", REV_ATTR)
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#attempts", "attempts")
            .expression_attribute_values(":rev", n(rev))
            .expression_attribute_values(":status", s(current.status.as_str()))
            .expression_attribute_values(":attempts", n(current.attempts))
            .build()
            .map_err(|e| StoreError::Permanent(format!("building a job write: {e}")))?;
        let leaves_active = current.status.is_active() && !next.status.is_active();
        if !leaves_active {
            // Heartbeats and claims touch one item: a plain conditional put.
            return match self
                .client
                .put_item()
                .table_name(put.table_name)
                .set_item(Some(put.item))
                .set_condition_expression(put.condition_expression)
                .set_expression_attribute_names(put.expression_attribute_names)
                .set_expression_attribute_values(put.expression_attribute_values)
                .send()
                .await
            {
                Ok(_) => Ok(Write::Done),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
                {
                    Ok(Write::LostRace)
                }
                Err(e) => Err(store_error("updating a job", e)),
            };
        }
        let writes = vec![
            TransactWriteItem::builder().put(put).build(),
            self.counter_change(&next.tenant_id, -1, None)?,
        ];
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(Write::Done),
            Err(e) if failed_conditions(&e).first() == Some(&true) => Ok(Write::LostRace),
            Err(e) => Err(store_error("updating a job", e)),
        }
    }

    /// `ADD active :delta`, optionally on condition that the counter is below `limit`.
    pub(super) fn counter_change(
        &self,
        tenant: &TenantId,
        delta: i64,
        limit: Option<u32>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(tenant, COUNTER_SK.into())))
            .update_expression("ADD #active :delta")
            .expression_attribute_names("#active", ACTIVE_ATTR)
            .expression_attribute_values(":delta", n(delta));
        if let Some(limit) = limit {
            update = update
                .condition_expression("attribute_not_exists(#active) OR #active < :limit")
                .expression_attribute_values(":limit", n(limit));
        }
        let update = update
            .build()
            .map_err(|e| StoreError::Permanent(format!("building a counter update: {e}")))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    pub(super) fn put_new(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(|e| StoreError::Permanent(format!("building a put: {e}")))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

/// For a canceled transaction: which of its items failed their condition.
pub(super) fn failed_conditions(
    err: &aws_sdk_dynamodb::error::SdkError<
        TransactWriteItemsError,
        aws_sdk_dynamodb::config::http::HttpResponse,
    >,
) -> Vec<bool> {
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => e
            .cancellation_reasons()
            .iter()
            .map(|r| r.code() == Some("ConditionalCheckFailed"))
            .collect(),
        _ => Vec::new(),
    }
}
