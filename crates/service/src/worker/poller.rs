//! Local stand-in for Lambda's SQS event source: receives from the emulator's
//! queue, runs the same handler with the same batch semantics, and deletes
//! what succeeded. Failed messages are left alone, so they come back after
//! the queue's visibility timeout, as in AWS. While the handler runs, the
//! poller keeps the message invisible (in AWS the visibility timeout outlasts
//! the function's), so a long local export is not redelivered mid-run.
use super::Worker;
use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use kt_engine::ErrorChain;
use kt_store::StoreError;
use kt_store::sqs::SqsReceiver;
use std::collections::HashSet;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// A queue the poller can read from (SQS in the local stack).
#[async_trait]
pub trait Inbox: Send + Sync {
    async fn receive(&self, max: i32, wait_seconds: i32) -> Result<Vec<SqsMessage>, StoreError>;
    async fn delete(&self, receipt_handle: &str) -> Result<(), StoreError>;
    /// Keeps a received message invisible for `seconds` more.
    async fn extend(&self, receipt_handle: &str, seconds: i32) -> Result<(), StoreError>;
}

#[async_trait]
impl Inbox for SqsReceiver {
    async fn receive(&self, max: i32, wait_seconds: i32) -> Result<Vec<SqsMessage>, StoreError> {
        SqsReceiver::receive(self, max, wait_seconds).await
    }
    async fn delete(&self, receipt_handle: &str) -> Result<(), StoreError> {
        SqsReceiver::delete(self, receipt_handle).await
    }
    async fn extend(&self, receipt_handle: &str, seconds: i32) -> Result<(), StoreError> {
        SqsReceiver::change_visibility(self, receipt_handle, seconds).await
    }
}

/// Polls until `stop` is canceled; batches of one message, like the Lambda
/// trigger. `visibility` is the queue's visibility timeout.
pub async fn run(
    worker: &Worker,
    inbox: &dyn Inbox,
    visibility: Duration,
    stop: CancellationToken,
) {
    info!("worker poller started");
    while !stop.is_cancelled() {
        let received = tokio::select! {
            _ = stop.cancelled() => break,
            r = inbox.receive(1, 1) => r,
        };
        let messages = match received {
            Ok(m) => m,
            Err(e) => {
                warn!(error = %ErrorChain(&e), "receive failed; backing off");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if messages.is_empty() {
            continue;
        }
        let mut event = SqsEvent::default();
        event.records = messages;
        let receipts: Vec<(Option<String>, Option<String>)> = event
            .records
            .iter()
            .map(|m| (m.message_id.clone(), m.receipt_handle.clone()))
            .collect();
        let in_flight: Vec<String> = receipts.iter().filter_map(|(_, r)| r.clone()).collect();
        let response = {
            let handling = worker.handle_batch(event);
            tokio::pin!(handling);
            let mut keep_invisible = tokio::time::interval(visibility / 2);
            keep_invisible.tick().await;
            loop {
                tokio::select! {
                    response = &mut handling => break response,
                    _ = keep_invisible.tick() => {
                        for receipt in &in_flight {
                            let seconds = visibility.as_secs().try_into().unwrap_or(i32::MAX);
                            if let Err(e) = inbox.extend(receipt, seconds).await {
                                warn!(error = %ErrorChain(&e), "could not extend the message's visibility");
                            }
                        }
                    }
                }
            }
        };
        let failed: HashSet<String> = response
            .batch_item_failures
            .into_iter()
            .map(|f| f.item_identifier)
            .collect();
        for (id, receipt) in receipts {
            let (Some(id), Some(receipt)) = (id, receipt) else {
                continue;
            };
            if failed.contains(&id) {
                continue;
            }
            if let Err(e) = inbox.delete(&receipt).await {
                warn!(error = %ErrorChain(&e), message_id = %id, "delete failed; the message will be redelivered");
            }
        }
    }
    info!("worker poller stopped");
}
