//! The conditional writes behind [`super::DynamoJobStore`]'s transitions.
use super::DynamoJobStore;
use super::items::{ACTIVE_ATTR, COUNTER_SK, Item, REV_ATTR, job_item, key, n, s, ttl_for};
use crate::StoreError;
use crate::aws_error::store_error;
use crate::resources::PK;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use kt_domain::{Job, TenantId};

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
        let put = self.transition_put(current, rev, next, ended_at)?;
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
            // Our condition failed, or another transaction held the item (e.g. a
            // concurrent create touching the counter): re-read and decide again.
            Err(e) if failed_conditions(&e).first() == Some(&true) || is_contended(&e) => {
                Ok(Write::LostRace)
            }
            Err(e) => Err(transaction_error("updating a job", e)),
        }
    }

    /// The put of `next` over `current` as read at `rev`, on condition that
    /// the job is still as read (revision, status and attempts).
    pub(super) fn transition_put(
        &self,
        current: &Job,
        rev: u64,
        next: &Job,
        ended_at: DateTime<Utc>,
    ) -> Result<Put, StoreError> {
        let item = job_item(next, rev + 1, ttl_for(next, ended_at))?;
        Put::builder()
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
            .map_err(|e| StoreError::Permanent(format!("building a job write: {e}").into()))
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
            .map_err(|e| StoreError::Permanent(format!("building a counter update: {e}").into()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    pub(super) fn put_new(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(|e| StoreError::Permanent(format!("building a put: {e}").into()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

type TransactError = aws_sdk_dynamodb::error::SdkError<
    TransactWriteItemsError,
    aws_sdk_dynamodb::config::http::HttpResponse,
>;

/// Cancellation reasons that mean "try again": another transaction held one
/// of the items, or DynamoDB throttled. The transaction error itself is a 400
/// `TransactionCanceledException`, which would otherwise read as permanent.
const CONTENDED_REASONS: &[&str] = &[
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "RequestLimitExceeded",
];

/// The codes of a canceled transaction's reasons, one per item (`None` for an item that passed).
fn cancellation_codes(err: &TransactError) -> Vec<Option<&str>> {
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => e
            .cancellation_reasons()
            .iter()
            .map(|r| r.code().filter(|c| *c != "None"))
            .collect(),
        _ => Vec::new(),
    }
}

/// For a canceled transaction: which of its items failed their condition.
pub(super) fn failed_conditions(err: &TransactError) -> Vec<bool> {
    cancellation_codes(err)
        .into_iter()
        .map(|c| c == Some("ConditionalCheckFailed"))
        .collect()
}

/// Whether a transaction was canceled only because of contention or throttling.
pub(super) fn is_contended(err: &TransactError) -> bool {
    let codes = cancellation_codes(err);
    codes
        .iter()
        .any(|c| c.is_some_and(|c| CONTENDED_REASONS.contains(&c)))
        && !codes.contains(&Some("ConditionalCheckFailed"))
}

/// Maps a failed transaction to a store error: contention and throttling are
/// transient (a 503 with `Retry-After`, a retried message), the rest as usual.
pub(super) fn transaction_error(doing: &str, err: TransactError) -> StoreError {
    if is_contended(&err) {
        StoreError::Transient(crate::Failure::caused_by(doing, err))
    } else {
        store_error(doing, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::CancellationReason;
    use aws_sdk_dynamodb::types::error::TransactionCanceledException;
    use aws_smithy_types::body::SdkBody;

    fn canceled(codes: &[&str]) -> TransactError {
        let reasons = codes
            .iter()
            .map(|c| CancellationReason::builder().code(*c).build())
            .collect();
        let err = TransactWriteItemsError::TransactionCanceledException(
            TransactionCanceledException::builder()
                .message("Transaction cancelled")
                .set_cancellation_reasons(Some(reasons))
                .build(),
        );
        let status = http::StatusCode::BAD_REQUEST.into();
        aws_sdk_dynamodb::error::SdkError::service_error(
            err,
            aws_sdk_dynamodb::config::http::HttpResponse::new(status, SdkBody::empty()),
        )
    }

    #[test]
    fn a_transaction_conflict_is_transient_not_a_permanent_failure() {
        let conflict = canceled(&["None", "TransactionConflict"]);
        assert!(is_contended(&conflict));
        assert_eq!(failed_conditions(&conflict), [false, false]);
        assert!(transaction_error("creating a job", conflict).is_retryable());
    }

    #[test]
    fn a_failed_condition_is_not_contention() {
        let condition = canceled(&["ConditionalCheckFailed", "TransactionConflict"]);
        assert!(!is_contended(&condition));
        assert_eq!(failed_conditions(&condition), [true, false]);
        let other = canceled(&["ValidationError"]);
        assert!(!transaction_error("creating a job", other).is_retryable());
    }
}
