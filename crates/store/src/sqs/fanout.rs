//! Messages of a fanned-out export on the export queue: one per segment, and
//! one for the finisher. They carry the claim (`attempt`) that planned the
//! run, so a message of an older claim is recognised and dropped.
use super::{NamedQueue, SqsJobQueue};
use crate::StoreError;
use crate::aws_error::store_error;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use kt_domain::{JobId, TenantId};
use serde::{Deserialize, Serialize};

/// What a fan-out message asks a worker to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FanOutTask {
    /// Export segment `n` of the run.
    Segment(u32),
    /// Continue segment `segment` from its checkpoint `checkpoint` (the
    /// previous invocation stopped near its deadline).
    Continue { segment: u32, checkpoint: u32 },
    /// Join the segments into the artifact and complete the job.
    Finish,
}

/// The body of a fan-out message. Unlike [`super::JobMessage`] it has a
/// `task`, which is how the worker tells them apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanOutMessage {
    pub tenant_id: TenantId,
    pub job_id: JobId,
    pub attempt: u32,
    pub task: FanOutTask,
}

impl SqsJobQueue {
    /// Sends fan-out messages, ten per request (SQS's batch limit).
    pub async fn send_fan_out(&self, messages: &[FanOutMessage]) -> Result<(), StoreError> {
        send_all(&self.queue, messages).await
    }
}

async fn send_all(queue: &NamedQueue, messages: &[FanOutMessage]) -> Result<(), StoreError> {
    let url = queue.url().await?;
    for batch in messages.chunks(10) {
        let mut entries = Vec::with_capacity(batch.len());
        for (i, message) in batch.iter().enumerate() {
            let body = serde_json::to_string(message)
                .map_err(|e| StoreError::Permanent(format!("fan-out message: {e}").into()))?;
            let entry = SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(body)
                .build()
                .map_err(|e| StoreError::Permanent(format!("fan-out message: {e}").into()))?;
            entries.push(entry);
        }
        let out = queue
            .client
            .send_message_batch()
            .queue_url(url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| store_error("enqueueing segments", e))?;
        if let Some(failed) = out.failed.first() {
            return Err(StoreError::Transient(
                format!(
                    "SQS refused a segment message: {}",
                    failed.message.as_deref().unwrap_or(&failed.code)
                )
                .into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fan_out_messages_are_not_job_messages_and_round_trip() {
        let m = FanOutMessage {
            tenant_id: TenantId::parse("acme").unwrap(),
            job_id: JobId::new(),
            attempt: 2,
            task: FanOutTask::Segment(7),
        };
        let body = serde_json::to_string(&m).unwrap();
        assert!(body.contains(r#""task":{"segment":7}"#), "{body}");
        assert_eq!(serde_json::from_str::<FanOutMessage>(&body).unwrap(), m);
        let job = format!(r#"{{"tenant_id":"acme","job_id":"{}"}}"#, m.job_id);
        assert!(serde_json::from_str::<FanOutMessage>(&job).is_err());
        let resume = FanOutMessage {
            task: FanOutTask::Continue {
                segment: 7,
                checkpoint: 2,
            },
            ..m.clone()
        };
        let body = serde_json::to_string(&resume).unwrap();
        assert!(
            body.contains(r#""task":{"continue":{"segment":7,"checkpoint":2}}"#),
            "{body}"
        );
        assert_eq!(
            serde_json::from_str::<FanOutMessage>(&body).unwrap(),
            resume
        );
        let finish = FanOutMessage {
            task: FanOutTask::Finish,
            ..m
        };
        assert!(
            serde_json::to_string(&finish)
                .unwrap()
                .contains(r#""task":"finish""#)
        );
    }
}
