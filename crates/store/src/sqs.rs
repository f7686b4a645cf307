//! SQS: the job queue, and a receiver for the local poller.
use super::aws_error::store_error;
use super::{JobQueue, QueueDepth, StoreError};
use async_trait::async_trait;
use aws_lambda_events::encodings::Base64Data;
use aws_lambda_events::event::sqs::{SqsMessage, SqsMessageAttribute};
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use kt_domain::{JobId, TenantId};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

mod dead_letters;
pub mod fanout;
pub use dead_letters::SqsDeadLetters;

/// The body of an export message: ids only; the worker re-reads the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobMessage {
    pub tenant_id: TenantId,
    pub job_id: JobId,
}

/// A queue addressed by name; its URL is looked up once, on first use.
#[derive(Debug, Clone)]
struct NamedQueue {
    client: Client,
    name: String,
    url: std::sync::Arc<OnceCell<String>>,
}

impl NamedQueue {
    fn new(client: Client, name: &str) -> Self {
        Self {
            client,
            name: name.to_string(),
            url: Default::default(),
        }
    }

    async fn url(&self) -> Result<&str, StoreError> {
        self.url
            .get_or_try_init(|| async {
                let out = self
                    .client
                    .get_queue_url()
                    .queue_name(&self.name)
                    .send()
                    .await
                    .map_err(|e| store_error(&format!("finding queue {}", self.name), e))?;
                out.queue_url.ok_or_else(|| {
                    StoreError::Permanent(format!("queue {} has no URL", self.name).into())
                })
            })
            .await
            .map(String::as_str)
    }

    /// One attribute of the queue (`doing` names the read in an error).
    async fn attribute(
        &self,
        name: QueueAttributeName,
        doing: &str,
    ) -> Result<Option<String>, StoreError> {
        let url = self.url().await?;
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(name.clone())
            .send()
            .await
            .map_err(|e| store_error(doing, e))?;
        Ok(out.attributes.and_then(|mut a| a.remove(&name)))
    }
}

/// The export queue.
#[derive(Debug, Clone)]
pub struct SqsJobQueue {
    queue: NamedQueue,
}

impl SqsJobQueue {
    pub fn new(client: Client, queue_name: &str) -> Self {
        Self {
            queue: NamedQueue::new(client, queue_name),
        }
    }
}

#[async_trait]
impl JobQueue for SqsJobQueue {
    async fn enqueue(&self, tenant: &TenantId, id: &JobId) -> Result<(), StoreError> {
        let body = serde_json::to_string(&JobMessage {
            tenant_id: tenant.clone(),
            job_id: id.clone(),
        })
        .map_err(|e| StoreError::Permanent(format!("job message: {e}").into()))?;
        let url = self.queue.url().await?;
        self.queue
            .client
            .send_message()
            .queue_url(url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| store_error("enqueueing a job", e))?;
        Ok(())
    }

    async fn depth(&self) -> Result<QueueDepth, StoreError> {
        let count = |name: QueueAttributeName| async move {
            let n = self
                .queue
                .attribute(name, "reading the export queue's depth")
                .await?;
            Ok::<u64, StoreError>(n.and_then(|n| n.parse().ok()).unwrap_or(0))
        };
        Ok(QueueDepth {
            waiting: count(QueueAttributeName::ApproximateNumberOfMessages).await?,
            in_flight: count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible).await?,
        })
    }
}

/// Receives from the export queue as Lambda's SQS event source would, for
/// the local poller: messages come out as [`SqsMessage`]s of an `SqsEvent`.
#[derive(Debug, Clone)]
pub struct SqsReceiver {
    queue: NamedQueue,
    arn: std::sync::Arc<OnceCell<String>>,
}

impl SqsReceiver {
    pub fn new(client: Client, queue_name: &str) -> Self {
        Self {
            queue: NamedQueue::new(client, queue_name),
            arn: Default::default(),
        }
    }

    /// Long-polls for up to `max` (1..=10) messages, waiting up to `wait_seconds` (0..=20).
    pub async fn receive(
        &self,
        max: i32,
        wait_seconds: i32,
    ) -> Result<Vec<SqsMessage>, StoreError> {
        let url = self.queue.url().await?;
        let out = self
            .queue
            .client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(wait_seconds.clamp(0, 20))
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| store_error("receiving from the export queue", e))?;
        let arn = self.queue_arn().await.ok();
        let region = self.queue.client.config().region().map(|r| r.to_string());
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| to_lambda_message(m, arn.clone(), region.clone()))
            .collect())
    }

    /// Deletes a message that was handled.
    pub async fn delete(&self, receipt_handle: &str) -> Result<(), StoreError> {
        let url = self.queue.url().await?;
        self.queue
            .client
            .delete_message()
            .queue_url(url)
            .receipt_handle(receipt_handle)
            .send()
            .await
            .map_err(|e| store_error("deleting a message", e))?;
        Ok(())
    }

    /// Makes a message visible again after `seconds` (0: at once).
    pub async fn change_visibility(
        &self,
        receipt_handle: &str,
        seconds: i32,
    ) -> Result<(), StoreError> {
        let url = self.queue.url().await?;
        self.queue
            .client
            .change_message_visibility()
            .queue_url(url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(seconds.max(0))
            .send()
            .await
            .map_err(|e| store_error("changing a message's visibility", e))?;
        Ok(())
    }

    async fn queue_arn(&self) -> Result<String, StoreError> {
        self.arn
            .get_or_try_init(|| self.fetch_queue_arn())
            .await
            .cloned()
    }

    async fn fetch_queue_arn(&self) -> Result<String, StoreError> {
        self.queue
            .attribute(QueueAttributeName::QueueArn, "reading the queue ARN")
            .await?
            .ok_or_else(|| StoreError::Permanent("queue has no ARN".into()))
    }
}

/// An SDK message as Lambda's SQS event source delivers it.
fn to_lambda_message(
    m: aws_sdk_sqs::types::Message,
    event_source_arn: Option<String>,
    region: Option<String>,
) -> SqsMessage {
    let mut message = SqsMessage::default();
    message.message_id = m.message_id;
    message.receipt_handle = m.receipt_handle;
    message.body = m.body;
    message.md5_of_body = m.md5_of_body;
    message.md5_of_message_attributes = m.md5_of_message_attributes;
    message.attributes = m
        .attributes
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.as_str().to_string(), v))
        .collect();
    message.message_attributes = m
        .message_attributes
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let mut attr = SqsMessageAttribute::default();
            attr.string_value = v.string_value;
            attr.binary_value = v.binary_value.map(|b| {
                let mut data = Base64Data::default();
                *data = b.into_inner();
                data
            });
            attr.data_type = Some(v.data_type);
            (k, attr)
        })
        .collect();
    message.event_source = Some("aws:sqs".into());
    message.event_source_arn = event_source_arn;
    message.aws_region = region;
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sqs::types::{Message, MessageAttributeValue};

    #[test]
    fn sdk_messages_become_lambda_event_records() {
        let id = JobId::new();
        let sdk = Message::builder()
            .message_id("m-1")
            .receipt_handle("r-1")
            .body(format!(r#"{{"tenant_id":"acme","job_id":"{id}"}}"#))
            .attributes(MessageSystemAttributeName::ApproximateReceiveCount, "2")
            .message_attributes(
                "trace",
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value("abc")
                    .build()
                    .unwrap(),
            )
            .build();
        let arn = Some("arn:aws:sqs:us-east-1:000000000000:q".to_string());

        let m = to_lambda_message(sdk, arn.clone(), Some("us-east-1".into()));

        assert_eq!(m.message_id.as_deref(), Some("m-1"));
        assert_eq!(m.receipt_handle.as_deref(), Some("r-1"));
        assert_eq!(m.attributes["ApproximateReceiveCount"], "2");
        assert_eq!(
            m.message_attributes["trace"].string_value.as_deref(),
            Some("abc")
        );
        assert_eq!(
            (m.event_source.as_deref(), m.event_source_arn),
            (Some("aws:sqs"), arn)
        );
        let body: JobMessage = serde_json::from_str(m.body.as_deref().unwrap()).unwrap();
        assert_eq!((body.tenant_id.as_str(), body.job_id), ("acme", id));
    }
}
