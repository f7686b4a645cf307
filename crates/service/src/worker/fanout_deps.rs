//! What a worker needs to fan large exports out (`worker/fanout`), built
//! from the configuration; its own module so that the worker's job path can
//! hold it without importing the fan-out code that uses the job path.
use crate::config::Config;
use kt_store::aws::AwsClients;
use kt_store::dynamo::DynamoJobStore;
use kt_store::fanout::FanOutStore;
use kt_store::s3::assembly::S3Assembly;
use kt_store::sqs::SqsJobQueue;
use std::sync::Arc;

/// What fan-out needs beyond the worker's own stores.
pub struct FanOut {
    pub store: Arc<dyn FanOutStore>,
    pub assembly: S3Assembly,
    pub queue: SqsJobQueue,
    /// Source bytes per segment.
    pub segment_bytes: u64,
    /// Segments per job at most (the job's share of the workers).
    pub max_segments: usize,
}

impl FanOut {
    /// From the configuration; `None` when `KT_FANOUT_MAX_SEGMENTS` is 1.
    pub fn from_config(clients: &AwsClients, config: &Config) -> Option<Self> {
        (config.fanout_max_segments > 1).then(|| Self {
            store: Arc::new(DynamoJobStore::new(
                clients.dynamodb.clone(),
                &config.resources.jobs_table,
            )),
            assembly: S3Assembly::new(clients.s3.clone(), &config.resources.artifacts_bucket),
            queue: SqsJobQueue::new(clients.sqs.clone(), &config.resources.export_queue),
            segment_bytes: config.fanout_segment_bytes,
            max_segments: config.fanout_max_segments as usize,
        })
    }
}
