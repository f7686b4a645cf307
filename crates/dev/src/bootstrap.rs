//! Creates (idempotently) the resources of infra/template.yaml in the emulator:
//! the jobs table (keys, lease index, TTL), the export queue and its
//! dead-letter queue (redrive, visibility timeout), the events bucket and the
//! artifacts bucket (lifecycle rules). Safe to run again on existing resources;
//! the numbers come from [`kt_store::resources`], which a test compares
//! with the template.
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint,
    CreateBucketConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, NoncurrentVersionExpiration,
};
use aws_sdk_sqs::types::QueueAttributeName;
use kt_service::config::Config;
use kt_store::StoreError;
use kt_store::aws::AwsClients;
use kt_store::resources::{
    ABORT_INCOMPLETE_UPLOAD_DAYS, ABORT_INCOMPLETE_UPLOAD_RULE_ID, ARTIFACT_EXPIRATION_DAYS,
    ARTIFACT_EXPIRATION_RULE_ID, ARTIFACTS_PREFIX, DLQ_RETENTION_SECONDS, LEASE_INDEX,
    LEASE_INDEX_PK, LEASE_INDEX_SK, MAX_EXPIRES_IN_DAYS, MAX_RECEIVE_COUNT, MAX_RETAINED_YEARS,
    NONCURRENT_VERSION_EXPIRATION_DAYS, NONCURRENT_VERSION_RULE_ID, PK,
    QUEUE_VISIBILITY_TIMEOUT_SECONDS, SK, TTL_ATTR, expiry_prefix, expiry_rule_id,
    retained_expiration_days, retained_prefix, retained_rule_id,
};
use std::collections::HashMap;
use std::time::Duration;

use kt_store::aws_error::{error_code, store_error};

/// What the local stack may set differently from AWS.
#[derive(Debug, Clone)]
pub struct BootstrapOptions {
    /// Export queue visibility timeout; AWS uses
    /// [`QUEUE_VISIBILITY_TIMEOUT_SECONDS`] (worker timeout plus margin), a
    /// local poller may want redeliveries sooner.
    pub visibility_timeout_seconds: u32,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        Self {
            visibility_timeout_seconds: QUEUE_VISIBILITY_TIMEOUT_SECONDS,
        }
    }
}

/// Creates every resource with the template's settings.
pub async fn bootstrap(clients: &AwsClients, config: &Config) -> Result<(), StoreError> {
    bootstrap_with(clients, config, &BootstrapOptions::default()).await
}

/// [`bootstrap`] with local overrides.
pub async fn bootstrap_with(
    clients: &AwsClients,
    config: &Config,
    options: &BootstrapOptions,
) -> Result<(), StoreError> {
    create_jobs_table(&clients.dynamodb, &config.resources.jobs_table).await?;
    create_queues(clients, config, options).await?;
    create_bucket(clients, config, &config.resources.events_bucket, false).await?;
    // Object Lock (and so versioning) for retained compliance exports.
    create_bucket(clients, config, &config.resources.artifacts_bucket, true).await?;
    put_artifact_lifecycle(&clients.s3, &config.resources.artifacts_bucket).await?;
    if let Some(bus) = &config.resources.event_bus {
        create_event_bus(&clients.events, bus).await?;
    }
    tracing::info!(
        table = %config.resources.jobs_table,
        queue = %config.resources.export_queue,
        "emulator resources ready"
    );
    Ok(())
}

fn build_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Permanent(format!("building a bootstrap request: {e}").into())
}

fn key_element(name: &str, key_type: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(build_err)
}

fn attribute(name: &str, kind: ScalarAttributeType) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .map_err(build_err)
}

async fn create_jobs_table(db: &aws_sdk_dynamodb::Client, table: &str) -> Result<(), StoreError> {
    let lease_index = GlobalSecondaryIndex::builder()
        .index_name(LEASE_INDEX)
        .key_schema(key_element(LEASE_INDEX_PK, KeyType::Hash)?)
        .key_schema(key_element(LEASE_INDEX_SK, KeyType::Range)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build(),
        )
        .build()
        .map_err(build_err)?;
    let created = db
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(PK, ScalarAttributeType::S)?)
        .attribute_definitions(attribute(SK, ScalarAttributeType::S)?)
        .attribute_definitions(attribute(LEASE_INDEX_PK, ScalarAttributeType::S)?)
        .attribute_definitions(attribute(LEASE_INDEX_SK, ScalarAttributeType::N)?)
        .key_schema(key_element(PK, KeyType::Hash)?)
        .key_schema(key_element(SK, KeyType::Range)?)
        .global_secondary_indexes(lease_index)
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(e) if error_code(&e) == Some("ResourceInUseException") => {}
        Err(e) => return Err(store_error("creating the jobs table", e)),
    }
    wait_until_active(db, table).await?;
    let ttl = db
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|e| store_error("reading the table's TTL", e))?;
    let enabled = ttl.time_to_live_description.is_some_and(|d| {
        d.attribute_name() == Some(TTL_ATTR)
            && matches!(
                d.time_to_live_status(),
                Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
            )
    });
    if !enabled {
        let spec = TimeToLiveSpecification::builder()
            .attribute_name(TTL_ATTR)
            .enabled(true)
            .build()
            .map_err(build_err)?;
        db.update_time_to_live()
            .table_name(table)
            .time_to_live_specification(spec)
            .send()
            .await
            .map_err(|e| store_error("enabling the table's TTL", e))?;
    }
    Ok(())
}

/// Waits (bounded) for a new table to become usable, with the SDK's
/// `table_exists` waiter; emulators are instant.
async fn wait_until_active(db: &aws_sdk_dynamodb::Client, table: &str) -> Result<(), StoreError> {
    use aws_sdk_dynamodb::client::Waiters;
    db.wait_until_table_exists()
        .table_name(table)
        .wait(Duration::from_secs(60))
        .await
        .map(|_| ())
        .map_err(|e| {
            StoreError::Transient(kt_store::Failure::caused_by(
                format!("table {table} did not become active"),
                e,
            ))
        })
}

/// Creates a queue (a no-op if it exists) and sets its attributes (so a rerun
/// also repairs settings that drifted). Returns its URL.
async fn ensure_queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    attributes: HashMap<QueueAttributeName, String>,
) -> Result<String, StoreError> {
    let out = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .map_err(|e| store_error(&format!("creating queue {name}"), e))?;
    let url = out
        .queue_url
        .ok_or_else(|| StoreError::Permanent(format!("queue {name} has no URL").into()))?;
    sqs.set_queue_attributes()
        .queue_url(&url)
        .set_attributes(Some(attributes))
        .send()
        .await
        .map_err(|e| store_error(&format!("configuring queue {name}"), e))?;
    Ok(url)
}

async fn create_queues(
    clients: &AwsClients,
    config: &Config,
    options: &BootstrapOptions,
) -> Result<(), StoreError> {
    let sqs = &clients.sqs;
    let dlq_url = ensure_queue(
        sqs,
        &config.resources.export_dlq,
        HashMap::from([(
            QueueAttributeName::MessageRetentionPeriod,
            DLQ_RETENTION_SECONDS.to_string(),
        )]),
    )
    .await?;
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| store_error("reading the dead-letter queue's ARN", e))?
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or_else(|| StoreError::Permanent("the dead-letter queue has no ARN".into()))?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": MAX_RECEIVE_COUNT,
    });
    ensure_queue(
        sqs,
        &config.resources.export_queue,
        HashMap::from([
            (QueueAttributeName::RedrivePolicy, redrive.to_string()),
            (
                QueueAttributeName::VisibilityTimeout,
                options.visibility_timeout_seconds.to_string(),
            ),
        ]),
    )
    .await?;
    Ok(())
}

async fn create_bucket(
    clients: &AwsClients,
    config: &Config,
    bucket: &str,
    object_lock: bool,
) -> Result<(), StoreError> {
    let mut request = clients.s3.create_bucket().bucket(bucket);
    if object_lock {
        request = request.object_lock_enabled_for_bucket(true);
    }
    // us-east-1 is the one region that takes no location constraint.
    if config.aws.region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(config.aws.region.as_str()))
                .build(),
        );
    }
    match request.send().await {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_bucket_already_owned_by_you()) =>
        {
            Ok(())
        }
        Err(e) => Err(store_error(&format!("creating bucket {bucket}"), e)),
    }
}

/// The completion events' bus (the template's `EventBus`), if it is missing.
async fn create_event_bus(
    events: &aws_sdk_eventbridge::Client,
    bus: &str,
) -> Result<(), StoreError> {
    match events.create_event_bus().name(bus).send().await {
        Ok(_) => Ok(()),
        Err(e) if error_code(&e) == Some("ResourceAlreadyExistsException") => Ok(()),
        Err(e) => Err(store_error(&format!("creating event bus {bus}"), e)),
    }
}

/// The artifacts bucket's lifecycle rules, as [`bootstrap`] and the template set them.
pub fn artifact_lifecycle_rules() -> Result<Vec<LifecycleRule>, StoreError> {
    let expire = LifecycleRule::builder()
        .id(ARTIFACT_EXPIRATION_RULE_ID)
        .status(ExpirationStatus::Enabled)
        .filter(
            LifecycleRuleFilter::builder()
                .prefix(ARTIFACTS_PREFIX)
                .build(),
        )
        .expiration(
            LifecycleExpiration::builder()
                .days(ARTIFACT_EXPIRATION_DAYS)
                .build(),
        )
        .build()
        .map_err(build_err)?;
    let mut rules = vec![expire];
    for days in 1..=MAX_EXPIRES_IN_DAYS {
        rules.push(
            LifecycleRule::builder()
                .id(expiry_rule_id(days))
                .status(ExpirationStatus::Enabled)
                .filter(
                    LifecycleRuleFilter::builder()
                        .prefix(expiry_prefix(days))
                        .build(),
                )
                .expiration(LifecycleExpiration::builder().days(days as i32).build())
                .build()
                .map_err(build_err)?,
        );
    }
    for years in 1..=MAX_RETAINED_YEARS {
        rules.push(
            LifecycleRule::builder()
                .id(retained_rule_id(years))
                .status(ExpirationStatus::Enabled)
                .filter(
                    LifecycleRuleFilter::builder()
                        .prefix(retained_prefix(years))
                        .build(),
                )
                .expiration(
                    LifecycleExpiration::builder()
                        .days(retained_expiration_days(years))
                        .build(),
                )
                .build()
                .map_err(build_err)?,
        );
    }
    // Versions that stopped being current (deleted, expired) go a day later,
    // unless Object Lock still holds them; empty delete markers go too.
    rules.push(
        LifecycleRule::builder()
            .id(NONCURRENT_VERSION_RULE_ID)
            .status(ExpirationStatus::Enabled)
            .filter(LifecycleRuleFilter::builder().prefix("").build())
            .noncurrent_version_expiration(
                NoncurrentVersionExpiration::builder()
                    .noncurrent_days(NONCURRENT_VERSION_EXPIRATION_DAYS)
                    .build(),
            )
            .expiration(
                LifecycleExpiration::builder()
                    .expired_object_delete_marker(true)
                    .build(),
            )
            .build()
            .map_err(build_err)?,
    );
    let abort_uploads = LifecycleRule::builder()
        .id(ABORT_INCOMPLETE_UPLOAD_RULE_ID)
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(ABORT_INCOMPLETE_UPLOAD_DAYS)
                .build(),
        )
        .build()
        .map_err(build_err)?;
    rules.push(abort_uploads);
    Ok(rules)
}

async fn put_artifact_lifecycle(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<(), StoreError> {
    let lifecycle = BucketLifecycleConfiguration::builder()
        .set_rules(Some(artifact_lifecycle_rules()?))
        .build()
        .map_err(build_err)?;
    s3.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(lifecycle)
        .send()
        .await
        .map_err(|e| store_error("setting the artifacts lifecycle", e))?;
    Ok(())
}
