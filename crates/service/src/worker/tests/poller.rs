//! The local poller: the message stays invisible while its export runs, and
//! is deleted once the handler is done with it.
use super::{Fixture, lake, tenant};
use crate::worker::poller::{self, Inbox};
use async_trait::async_trait;
use aws_lambda_events::event::sqs::SqsMessage;
use kt_store::StoreError;
use std::sync::Mutex;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// One message, handed out once; records what the poller did with it.
#[derive(Default)]
struct FakeInbox {
    pending: Mutex<Vec<SqsMessage>>,
    extended: Mutex<Vec<(String, i32)>>,
    deleted: Mutex<Vec<String>>,
    stop_after_delete: CancellationToken,
}

#[async_trait]
impl Inbox for FakeInbox {
    async fn receive(&self, _max: i32, _wait: i32) -> Result<Vec<SqsMessage>, StoreError> {
        let next = self.pending.lock().unwrap().pop();
        if next.is_none() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(next.into_iter().collect())
    }
    async fn delete(&self, receipt_handle: &str) -> Result<(), StoreError> {
        self.deleted
            .lock()
            .unwrap()
            .push(receipt_handle.to_string());
        self.stop_after_delete.cancel();
        Ok(())
    }
    async fn extend(&self, receipt_handle: &str, seconds: i32) -> Result<(), StoreError> {
        self.extended
            .lock()
            .unwrap()
            .push((receipt_handle.to_string(), seconds));
        Ok(())
    }
}

#[tokio::test]
async fn a_long_export_keeps_its_message_invisible_and_deletes_it_when_done() {
    let mut slow = lake();
    slow.open_delay = Some(Duration::from_millis(600));
    let f = Fixture::new(slow);
    let job = f.queued_job().await;
    let inbox = FakeInbox::default();
    let mut message = SqsMessage::default();
    message.message_id = Some("m1".into());
    message.receipt_handle = Some("r1".into());
    message.body = Some(format!(
        r#"{{"tenant_id":"{}","job_id":"{}"}}"#,
        tenant(),
        job.id
    ));
    inbox.pending.lock().unwrap().push(message);

    let stop = inbox.stop_after_delete.clone();
    let visibility = Duration::from_secs(1);
    tokio::time::timeout(
        Duration::from_secs(10),
        poller::run(&f.worker(), &inbox, visibility, stop),
    )
    .await
    .expect("the poller stops after the delete");

    let extended = inbox.extended.lock().unwrap().clone();
    assert!(
        !extended.is_empty(),
        "visibility was never extended during a 600 ms export"
    );
    assert!(extended.iter().all(|(r, s)| r == "r1" && *s == 1));
    assert_eq!(*inbox.deleted.lock().unwrap(), ["r1"]);
}
