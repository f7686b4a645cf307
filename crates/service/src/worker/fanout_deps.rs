//! What a worker needs to fan large exports out (`worker/fanout`), built
//! from the configuration; its own module so that the worker's job path can
//! hold it without importing the fan-out code that uses the job path.
use crate::config::Config;
use kt_store::aws::AwsClients;
use kt_store::checkpoint::CheckpointStore;
use kt_store::dynamo::DynamoJobStore;
use kt_store::fanout::FanOutStore;
use kt_store::s3::assembly::S3Assembly;
use kt_store::sqs::SqsJobQueue;
use std::sync::Arc;
use std::time::Duration;

/// What fan-out needs beyond the worker's own stores.
pub struct FanOut {
    pub store: Arc<dyn FanOutStore>,
    pub assembly: S3Assembly,
    pub queue: SqsJobQueue,
    /// Source bytes per segment.
    pub segment_bytes: u64,
    /// Segments per job at most.
    pub max_segments: usize,
    /// Checkpoints of long segments, and marks of sent messages.
    pub checkpoints: Arc<dyn CheckpointStore>,
    /// Segments of one job running at once at most (the job's share of the
    /// workers); `None`: all at once.
    pub max_concurrent: Option<u32>,
    /// A segment checkpoints after this long in one invocation (tests, the
    /// local stack), besides near the invocation's deadline.
    pub checkpoint_after: Option<Duration>,
}

impl FanOut {
    /// From the configuration; `None` when `KT_FANOUT_MAX_SEGMENTS` is 1.
    pub fn from_config(clients: &AwsClients, config: &Config) -> Option<Self> {
        let store = Arc::new(DynamoJobStore::new(
            clients.dynamodb.clone(),
            &config.resources.jobs_table,
        ));
        (config.fanout_max_segments > 1).then(|| Self {
            store: store.clone(),
            checkpoints: store,
            max_concurrent: config.fanout_max_concurrent,
            checkpoint_after: config.fanout_checkpoint_after,
            assembly: S3Assembly::new(clients.s3.clone(), &config.resources.artifacts_bucket),
            queue: SqsJobQueue::new(clients.sqs.clone(), &config.resources.export_queue),
            segment_bytes: config.fanout_segment_bytes,
            max_segments: config.fanout_max_segments as usize,
        })
    }
}
