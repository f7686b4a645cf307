//! Building AWS SDK clients from [`AwsSettings`] (endpoint, region,
//! path-style S3), and the store adapters from those clients and the
//! [`ResourceNames`] they serve.
//!
//! The emulator is reached by settings (`AWS_ENDPOINT_URL`), not by code
//! branches: the same clients serve Lambda and the local stack.
use super::dynamo::DynamoJobStore;
use super::job_events::{EventBridgeSink, Publishing};
use super::s3::{S3ArtifactStore, S3LakeSource};
use super::sqs::{SqsJobQueue, SqsReceiver};
use super::{ArtifactStore, JobQueue, JobStore};
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::Credentials;
use kt_engine::LakeSource;
use std::sync::Arc;
use std::time::Duration;

/// Where the AWS APIs are: the region, and an endpoint for the emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    /// `AWS_ENDPOINT_URL`: set locally (emulator), unset in AWS.
    pub endpoint_url: Option<String>,
    pub region: String,
}

/// The names of the resources the template creates, as the functions get them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceNames {
    pub jobs_table: String,
    pub export_queue: String,
    pub export_dlq: String,
    pub events_bucket: String,
    pub artifacts_bucket: String,
    /// `KT_EVENT_BUS`: the EventBridge bus (name or ARN) that gets an event
    /// when a job completes, fails or is canceled; `None`: no events.
    pub event_bus: Option<String>,
}

/// One client per service, built once at cold start and cloned cheaply.
#[derive(Debug, Clone)]
pub struct AwsClients {
    pub s3: aws_sdk_s3::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    /// Signs manifests (custody); unused when a local key file signs.
    pub kms: aws_sdk_kms::Client,
    /// Only the worker reads a secret (the pseudonym key, at cold start).
    pub secrets: aws_sdk_secretsmanager::Client,
    /// Completion events (`KT_EVENT_BUS`).
    pub events: aws_sdk_eventbridge::Client,
}

impl AwsClients {
    /// Region from `config`; endpoint from `config.endpoint_url` when set
    /// (then S3 uses path-style addressing, which emulators need); credentials
    /// from the default chain. With an endpoint and no credentials configured
    /// in the environment, static `test` credentials are used so the local
    /// stack works out of the box (and the chain never probes instance metadata).
    pub async fn from_settings(config: &AwsSettings) -> Self {
        Self::from_settings_with(config, &AwsTimeouts::default()).await
    }

    /// The same, with other timeouts (fault tests use short ones).
    pub async fn from_settings_with(config: &AwsSettings, timeouts: &AwsTimeouts) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            .timeout_config(timeouts.sdk_config());
        if let Some(endpoint) = &config.endpoint_url {
            loader = loader.endpoint_url(endpoint);
            if !credentials_configured() {
                loader = loader.credentials_provider(Credentials::new(
                    "test",
                    "test",
                    None,
                    None,
                    "kt-local-emulator",
                ));
            }
        }
        let shared = loader.load().await;
        let s3_config = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(config.endpoint_url.is_some())
            .build();
        Self {
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            dynamodb: aws_sdk_dynamodb::Client::new(&shared),
            sqs: aws_sdk_sqs::Client::new(&shared),
            kms: aws_sdk_kms::Client::new(&shared),
            secrets: aws_sdk_secretsmanager::Client::new(&shared),
            events: aws_sdk_eventbridge::Client::new(&shared),
        }
    }
}

/// Timeouts on every AWS call, so a stalled connection or a response whose
/// headers never arrive becomes a retryable error instead of a hung reader.
/// A response body that has started streaming is not covered by these: the
/// engine's reads and the worker's deadline bound it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwsTimeouts {
    /// Establishing a TCP/TLS connection.
    pub connect: Duration,
    /// From sending a request to the first byte of its response (above SQS's
    /// 20 s long poll).
    pub read: Duration,
    /// One attempt of an operation, request and response headers included.
    pub attempt: Duration,
    /// An operation with all its retries.
    pub operation: Duration,
}

impl Default for AwsTimeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(3),
            read: Duration::from_secs(30),
            attempt: Duration::from_secs(60),
            operation: Duration::from_secs(180),
        }
    }
}

impl AwsTimeouts {
    /// For a caller who waits on the answer (the HTTP API, whose
    /// integration API Gateway cuts at 29 s): an operation, retries
    /// included, ends within `total`; each attempt within half of it (a hung
    /// first attempt leaves room for one more), as does the wait for a
    /// response's first byte; connecting within 3 s or that, the lesser.
    pub fn within(total: Duration) -> Self {
        let attempt = total / 2;
        Self {
            connect: Duration::from_secs(3).min(attempt),
            read: attempt,
            attempt,
            operation: total,
        }
    }

    fn sdk_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .read_timeout(self.read)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }
}

/// Whether the environment names credentials (keys, a profile, a web identity
/// or a container endpoint), as the default chain would find them.
fn credentials_configured() -> bool {
    const VARS: &[&str] = &[
        "AWS_ACCESS_KEY_ID",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ];
    VARS.iter()
        .any(|v| std::env::var(v).is_ok_and(|value| !value.is_empty()))
}

/// The ports, implemented on AWS, as the functions and the local stack use them.
#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_client_has_connect_read_and_operation_timeouts() {
        let settings = AwsSettings {
            endpoint_url: Some("http://127.0.0.1:9".into()),
            region: "us-east-1".into(),
        };
        let clients = AwsClients::from_settings(&settings).await;
        let want = AwsTimeouts::default();
        let configs = [
            clients.s3.config().timeout_config().cloned(),
            clients.dynamodb.config().timeout_config().cloned(),
            clients.sqs.config().timeout_config().cloned(),
        ];
        for timeouts in configs {
            let t = timeouts.expect("a timeout config");
            assert_eq!(t.connect_timeout(), Some(want.connect));
            assert_eq!(t.read_timeout(), Some(want.read));
            assert_eq!(t.operation_attempt_timeout(), Some(want.attempt));
            assert_eq!(t.operation_timeout(), Some(want.operation));
        }
    }

    #[test]
    fn a_bounded_operation_leaves_room_for_a_second_attempt() {
        let t = AwsTimeouts::within(Duration::from_secs(20));
        assert_eq!(t.operation, Duration::from_secs(20));
        assert_eq!(t.attempt, Duration::from_secs(10));
        assert_eq!(t.read, Duration::from_secs(10));
        assert_eq!(t.connect, Duration::from_secs(3));
        let short = AwsTimeouts::within(Duration::from_millis(1500));
        assert_eq!(short.connect, Duration::from_millis(750));
    }
}

#[derive(Clone)]
pub struct AwsStores {
    pub jobs: Arc<dyn JobStore>,
    pub queue: Arc<dyn JobQueue>,
    pub artifacts: Arc<dyn ArtifactStore>,
    pub lake: Arc<dyn LakeSource>,
}

impl AwsStores {
    /// With `event_bus` set, every transition that ends a job publishes an
    /// event ([`crate::job_events`]).
    pub fn new(clients: &AwsClients, config: &ResourceNames) -> Self {
        let dynamo: Arc<dyn JobStore> = Arc::new(DynamoJobStore::new(
            clients.dynamodb.clone(),
            &config.jobs_table,
        ));
        let jobs: Arc<dyn JobStore> = match &config.event_bus {
            Some(bus) => Arc::new(Publishing::new(
                dynamo,
                Arc::new(EventBridgeSink::new(clients.events.clone(), bus)),
            )),
            None => dynamo,
        };
        Self {
            jobs,
            queue: Arc::new(SqsJobQueue::new(clients.sqs.clone(), &config.export_queue)),
            artifacts: Arc::new(S3ArtifactStore::new(
                clients.s3.clone(),
                &config.artifacts_bucket,
            )),
            lake: Arc::new(S3LakeSource::new(clients.s3.clone(), &config.events_bucket)),
        }
    }

    /// A receiver on the export queue, for the local poller.
    pub fn receiver(clients: &AwsClients, config: &ResourceNames) -> SqsReceiver {
        SqsReceiver::new(clients.sqs.clone(), &config.export_queue)
    }
}
