use aws_sdk_sqs::types::QueueAttributeName;
use kt_dev::bootstrap::bootstrap;
use kt_integration_tests::emulator_with_clients;
use kt_store::resources::{
    ARTIFACT_EXPIRATION_DAYS, MAX_RECEIVE_COUNT, QUEUE_VISIBILITY_TIMEOUT_SECONDS, TTL_ATTR,
};

#[tokio::test]
async fn bootstrap_can_run_again_on_existing_resources() {
    // GIVEN resources created by a first bootstrap
    let (config, clients) = emulator_with_clients().await;
    // WHEN it runs again
    bootstrap(&clients, &config)
        .await
        .expect("second bootstrap");
    // THEN the table has its TTL, the queue its redrive and timeout, the bucket its rules
    let ttl = clients
        .dynamodb
        .describe_time_to_live()
        .table_name(&config.resources.jobs_table)
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description.unwrap();
    assert_eq!(ttl.attribute_name(), Some(TTL_ATTR));

    let url = clients
        .sqs
        .get_queue_url()
        .queue_name(&config.resources.export_queue)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let attributes = clients
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(
        attributes[&QueueAttributeName::VisibilityTimeout],
        QUEUE_VISIBILITY_TIMEOUT_SECONDS.to_string()
    );
    let redrive: serde_json::Value =
        serde_json::from_str(&attributes[&QueueAttributeName::RedrivePolicy]).unwrap();
    assert_eq!(
        redrive["maxReceiveCount"].to_string().trim_matches('"'),
        MAX_RECEIVE_COUNT.to_string()
    );
    assert!(
        redrive["deadLetterTargetArn"]
            .as_str()
            .unwrap()
            .ends_with(&config.resources.export_dlq)
    );

    let lifecycle = clients
        .s3
        .get_bucket_lifecycle_configuration()
        .bucket(&config.resources.artifacts_bucket)
        .send()
        .await
        .unwrap();
    let expirations: Vec<_> = lifecycle
        .rules()
        .iter()
        .filter_map(|r| r.expiration().and_then(|e| e.days()))
        .collect();
    // The backstop, one rule per expires_in_days value, then one per
    // retained year prefix.
    let mut expected = vec![ARTIFACT_EXPIRATION_DAYS];
    expected.extend(1..=kt_store::resources::MAX_EXPIRES_IN_DAYS as i32);
    expected.extend(
        (1..=kt_store::resources::MAX_RETAINED_YEARS)
            .map(kt_store::resources::retained_expiration_days),
    );
    assert_eq!(expirations, expected);
    // Object Lock (hence versioning) for retained exports.
    let lock = clients
        .s3
        .get_object_lock_configuration()
        .bucket(&config.resources.artifacts_bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(
        lock.object_lock_configuration()
            .and_then(|c| c.object_lock_enabled()),
        Some(&aws_sdk_s3::types::ObjectLockEnabled::Enabled)
    );
}
