//! The worker against the emulator: duplicate deliveries, failures that say why,
//! and the SQS batch contract.
use crate::app::{fresh_config, spawn_app_with, unique};
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use kt_dev::LocalStack;
use kt_domain::{JobId, JobStatus, TenantId};
use kt_service::worker::Disposition;
use serde_json::{Value, json};

fn may() -> Value {
    json!({"type": "events", "format": "csv", "date_from": "2026-05-01", "date_to": "2026-05-02"})
}

#[tokio::test]
async fn a_second_delivery_of_the_same_job_does_not_run_a_second_export() {
    let app = spawn_app_with(fresh_config(), false).await;
    let tenant = unique("acme");
    let id = app.create(&tenant, may()).await;
    let (t, j) = (
        TenantId::parse(&tenant).unwrap(),
        JobId::parse(&id).unwrap(),
    );

    let (a, b) = (app.stack.worker(), app.stack.worker());
    let (first, second) = tokio::join!(a.process(&t, &j, 1), b.process(&t, &j, 1));
    // The loser finds the job either done (message dropped) or held by the
    // winner's live lease (message kept for later): never a second export.
    let mut outcomes = [first, second];
    outcomes.sort_by_key(|d| *d == Disposition::Retry);
    assert_eq!(outcomes[0], Disposition::Done, "{outcomes:?}");
    let again = a.process(&t, &j, 2).await;
    assert_eq!(again, Disposition::Done);

    let job: Value = app
        .get(&tenant, &format!("/v1/export-jobs/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(job["status"], "completed", "{job}");
    let stored = app.stack.job_store().get(&t, &j).await.unwrap().unwrap();
    assert_eq!(stored.attempts, 1, "exactly one claim ran the export");
    assert_eq!(stored.status, JobStatus::Completed);
}

#[tokio::test]
async fn a_job_whose_lake_cannot_be_read_fails_with_a_message_a_person_can_act_on() {
    let app = spawn_app_with(fresh_config(), false).await;
    let tenant = unique("acme");
    let id = app.create(&tenant, may()).await;

    let mut broken = app.stack.config.clone();
    broken.resources.events_bucket = unique("kt-no-such-bucket");
    let worker = LocalStack::connect(broken).await.unwrap().worker();
    let (t, j) = (
        TenantId::parse(&tenant).unwrap(),
        JobId::parse(&id).unwrap(),
    );
    assert_eq!(worker.process(&t, &j, 1).await, Disposition::Done);

    let job: Value = app
        .get(&tenant, &format!("/v1/export-jobs/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["error"]["code"], "source_unreadable");
    assert!(
        job["error"]["message"]
            .as_str()
            .unwrap()
            .contains("could not read the event log"),
        "{job}"
    );
    assert_eq!(job["actions"], json!([]));
    // The audit trail records the failure with the same tenant-safe reason.
    let trail: Value = app
        .get(&tenant, &format!("/v1/export-jobs/{id}/audit"))
        .await
        .json()
        .await
        .unwrap();
    let failed = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "failed")
        .unwrap_or_else(|| panic!("no failed entry: {trail}"));
    assert_eq!(failed["by"], json!({"kind": "service", "id": "worker"}));
    assert_eq!(failed["error"], job["error"]);
    // The failed job no longer counts against the active-job limit.
    for _ in 0..3 {
        app.create(&tenant, may()).await;
    }
}

#[tokio::test]
async fn unreadable_messages_are_reported_as_batch_item_failures() {
    let config = fresh_config();
    let stack = LocalStack::connect(config).await.unwrap();
    stack.bootstrap().await.unwrap();
    let worker = stack.worker();
    let mut good = SqsMessage::default();
    good.message_id = Some("m-ok".into());
    good.body = Some(json!({"tenant_id": "acme", "job_id": JobId::new().to_string()}).to_string());
    let mut bad = SqsMessage::default();
    bad.message_id = Some("m-bad".into());
    bad.body = Some("{not json".into());
    let mut event = SqsEvent::default();
    event.records = vec![good, bad];

    let response = worker.handle_batch(event).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(
        failed,
        ["m-bad"],
        "a job that does not exist is dropped; garbage is retried toward the DLQ"
    );
}
