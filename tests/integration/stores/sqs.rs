use kt_domain::{JobId, TenantId};
use kt_integration_tests::emulator_with_clients;
use kt_store::JobQueue;
use kt_store::sqs::{JobMessage, SqsJobQueue, SqsReceiver};

#[tokio::test]
async fn enqueued_jobs_are_received_as_lambda_messages_and_deleted() {
    let (config, clients) = emulator_with_clients().await;
    let queue = SqsJobQueue::new(clients.sqs.clone(), &config.resources.export_queue);
    let receiver = SqsReceiver::new(clients.sqs.clone(), &config.resources.export_queue);
    let tenant = TenantId::parse("acme").unwrap();
    let id = JobId::new();
    assert_eq!(
        queue.depth().await.unwrap(),
        Default::default(),
        "a fresh queue"
    );

    queue.enqueue(&tenant, &id).await.unwrap();
    // A message waits for a worker (the emulator counts exactly; SQS
    // approximately, which is all the sweeper needs).
    assert_eq!(queue.depth().await.unwrap().waiting, 1);

    let messages = receiver.receive(10, 1).await.unwrap();
    let depth = queue.depth().await.unwrap();
    assert_eq!(
        (depth.waiting, depth.in_flight),
        (0, 1),
        "received: in flight"
    );
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    let body: JobMessage = serde_json::from_str(message.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        JobMessage {
            tenant_id: tenant,
            job_id: id
        }
    );
    assert!(message.message_id.is_some());
    assert_eq!(message.attributes["ApproximateReceiveCount"], "1");
    assert_eq!(message.event_source.as_deref(), Some("aws:sqs"));
    assert!(
        message
            .event_source_arn
            .as_deref()
            .unwrap()
            .ends_with(&config.resources.export_queue)
    );

    // Made visible again at once, it comes back with a higher receive count.
    let handle = message.receipt_handle.clone().unwrap();
    receiver.change_visibility(&handle, 0).await.unwrap();
    let again = receiver.receive(10, 1).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attributes["ApproximateReceiveCount"], "2");

    receiver
        .delete(again[0].receipt_handle.as_deref().unwrap())
        .await
        .unwrap();
    receiver.change_visibility(&handle, 0).await.ok();
    assert!(receiver.receive(10, 0).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_queue_is_a_permanent_error() {
    let (config, clients) = emulator_with_clients().await;
    let queue = SqsJobQueue::new(
        clients.sqs.clone(),
        &format!("{}-nope", config.resources.export_queue),
    );
    let err = queue
        .enqueue(&TenantId::parse("acme").unwrap(), &JobId::new())
        .await
        .unwrap_err();
    assert!(!err.is_retryable(), "{err}");
}
