//! The export queue's dead-letter queue, read by the sweeper.
use super::NamedQueue;
use crate::aws_error::store_error;
use crate::{DeadLetter, DeadLetterQueue, StoreError};
use async_trait::async_trait;
use aws_sdk_sqs::Client;

#[derive(Debug, Clone)]
pub struct SqsDeadLetters {
    queue: NamedQueue,
}

impl SqsDeadLetters {
    pub fn new(client: Client, queue_name: &str) -> Self {
        Self {
            queue: NamedQueue::new(client, queue_name),
        }
    }
}

#[async_trait]
impl DeadLetterQueue for SqsDeadLetters {
    async fn receive(&self, max: i32) -> Result<Vec<DeadLetter>, StoreError> {
        let url = self.queue.url().await?;
        let out = self
            .queue
            .client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(0)
            .send()
            .await
            .map_err(|e| store_error("reading the dead-letter queue", e))?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                Some(DeadLetter {
                    body: m.body.unwrap_or_default(),
                    receipt_handle: m.receipt_handle?,
                })
            })
            .collect())
    }

    async fn delete(&self, receipt_handle: &str) -> Result<(), StoreError> {
        let url = self.queue.url().await?;
        self.queue
            .client
            .delete_message()
            .queue_url(url)
            .receipt_handle(receipt_handle)
            .send()
            .await
            .map_err(|e| store_error("removing a dead letter", e))?;
        Ok(())
    }
}
