//! The SQS worker: claims a job, runs the export, records the result.
//!
//! One handler from an `SqsEvent` to an `SqsBatchResponse`: in Lambda the
//! runtime calls it; locally [`poller`] receives from the emulator's queue,
//! calls it, and deletes what succeeded.
mod completion;
mod deps;
mod failure;
mod fanout;
mod fanout_deps;
mod heartbeat;
mod job_run;
pub mod poller;
pub mod sweeper;
#[cfg(test)]
mod tests;

pub use deps::{DEADLINE_MARGIN, Disposition, Worker, WorkerDeps};
pub use fanout_deps::FanOut;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{DateTime, Utc};
use kt_store::sqs::JobMessage;
use kt_store::sqs::fanout::FanOutMessage;
use tracing::warn;

impl Worker {
    /// Runs every record of the batch; the failed ones go back to SQS
    /// (partial batch failure) to be retried, and to the DLQ in the end.
    pub async fn handle_batch(&self, event: SqsEvent) -> SqsBatchResponse {
        self.handle_batch_until(event, None).await
    }

    /// The same, for an invocation that is killed at `deadline` (Lambda's):
    /// an export still running shortly before it is given up with a record on
    /// the job, instead of dying silently and leaving the job `processing`.
    pub async fn handle_batch_until(
        &self,
        event: SqsEvent,
        deadline: Option<DateTime<Utc>>,
    ) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        for record in event.records {
            if self.handle_message(&record, deadline).await == Disposition::Retry {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = record.message_id.clone().unwrap_or_default();
                response.batch_item_failures.push(failure);
            }
        }
        response
    }

    async fn handle_message(
        &self,
        record: &SqsMessage,
        deadline: Option<DateTime<Utc>>,
    ) -> Disposition {
        let body = record.body.as_deref().unwrap_or_default();
        let receive_count = record
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|c| c.parse().ok())
            .unwrap_or(1);
        if let Ok(task) = serde_json::from_str::<FanOutMessage>(body) {
            return self.fan_out_task(&task, receive_count, deadline).await;
        }
        let message: JobMessage = match serde_json::from_str(body) {
            Ok(m) => m,
            Err(e) => {
                // Retried until the redrive policy moves it to the DLQ, where
                // someone can look at it.
                warn!(message_id = ?record.message_id, error = %e, "unreadable export message");
                return Disposition::Retry;
            }
        };
        self.process_until(&message.tenant_id, &message.job_id, receive_count, deadline)
            .await
    }
}
