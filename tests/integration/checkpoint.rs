//! Long segments checkpoint and continue on the emulator (`docs/scale.md`,
//! "Checkpoints"), and a cancel stops every segment. A segment
//! told to checkpoint after 0 ms stops after every hour it writes, so each
//! segment here continues several times.
use crate::app::{fresh_config, spawn_app_with, unique};
use crate::fanout::{
    Manual, MemSink, Quiet, fan_out_store, handle_and_delete, request, sha256, single_worker_bytes,
    spec, task_of,
};
use async_trait::async_trait;
use aws_lambda_events::event::sqs::SqsMessage;
use chrono::{TimeZone, Utc};
use kt_domain::{ExportFormat, JobId, TenantId, Window};
use kt_engine::segment::{segment_formatter, segment_plan, split_hours};
use kt_engine::{EngineOptions, ExportContext, LakeSource, SourceError, SourceObject};
use kt_service::worker::{Disposition, FanOut, Worker, WorkerDeps};
use kt_store::checkpoint::CheckpointStore;
use kt_store::fanout::FanOutStore;
use kt_store::s3::S3LakeSource;
use kt_store::sqs::SqsReceiver;
use kt_store::sqs::fanout::FanOutTask;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SEGMENT_KB: u64 = 96;
const MAX_SEGMENTS: usize = 12;

/// What is on the queue right now (short polls; no waiting for more).
pub(crate) async fn receive_now(receiver: &SqsReceiver) -> Vec<SqsMessage> {
    let mut all = Vec::new();
    for _ in 0..2 {
        all.extend(receiver.receive(10, 0).await.unwrap());
    }
    all
}

#[tokio::test]
async fn segments_that_checkpoint_after_every_hour_join_into_the_single_workers_artifact() {
    let mut config = fresh_config();
    config.max_active_jobs = 10;
    config.fanout_segment_bytes = SEGMENT_KB << 10;
    config.fanout_max_segments = MAX_SEGMENTS as u32;
    config.fanout_checkpoint_after = Some(Duration::ZERO);
    let app = spawn_app_with(config, true).await;
    let tenant = unique("cp");
    kt_dev::seed::seed_lake(&app.stack, spec(&tenant, 40_000, 5))
        .await
        .unwrap();
    let store = fan_out_store(&app);
    for format in ["csv", "json"] {
        let id = app.create(&tenant, request(format)).await;
        let job = app.wait_done(&tenant, &id).await;
        assert_eq!(job["status"], "completed", "{job}");
        let (t, j) = (
            TenantId::parse(&tenant).unwrap(),
            JobId::parse(&id).unwrap(),
        );
        let (run, _) = store.run(&t, &j, 1).await.unwrap().expect("a fan-out run");
        let segments = store.segments(&t, &j, 1).await.unwrap();
        assert!(segments.len() >= 4, "{} segments", segments.len());
        assert_eq!(segments.len() as u32, run.segments);
        // Every segment wrote one piece per hour it read, in as many invocations.
        for s in &segments {
            assert!(
                s.pieces.len() >= 2,
                "segment {} did not checkpoint",
                s.index
            );
            assert_eq!(
                s.size_bytes,
                s.pieces.iter().map(|p| p.size_bytes).sum::<u64>()
            );
            assert_eq!(s.object_key, s.pieces.last().unwrap().object_key);
        }
        let (_, artifact) = app.download(&tenant, &id).await;
        assert_eq!(job["sha256"], sha256(&artifact));
        let generated_at = if format == "json" {
            let doc: Value = serde_json::from_slice(&artifact).expect("valid json");
            doc["export"]["generated_at"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        } else {
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
        };
        let single = single_worker_bytes(&app, &tenant, &job, generated_at).await;
        assert_eq!(
            sha256(&artifact),
            sha256(&single),
            "{format}: not the single worker's bytes"
        );
        if format == "csv" {
            // The hash continued over a segment's pieces is the hash of the
            // segment exported in one go.
            let whole = whole_segments(&app, &tenant, &job).await;
            assert_eq!(whole.len(), segments.len());
            for (s, (size, sha)) in segments.iter().zip(whole) {
                assert_eq!(
                    (s.size_bytes, s.sha256.clone()),
                    (size, sha),
                    "segment {}",
                    s.index
                );
            }
        }
    }
}

/// Each segment of the job's csv export run whole by the engine, as the
/// planner splits it: (bytes, SHA-256).
async fn whole_segments(
    app: &crate::app::TestApp,
    tenant: &str,
    job: &Value,
) -> Vec<(u64, String)> {
    let lake = Arc::new(S3LakeSource::new(
        app.stack.clients.s3.clone(),
        &app.stack.config.resources.events_bucket,
    ));
    let window = Window {
        start: job["window_start"].as_str().unwrap().parse().unwrap(),
        end: job["window_end"].as_str().unwrap().parse().unwrap(),
        timezone: chrono_tz::UTC,
    };
    let tenant = TenantId::parse(tenant).unwrap();
    let plan = kt_engine::plan(lake.as_ref(), &tenant, &window)
        .await
        .unwrap();
    let ctx = ExportContext {
        job_id: Some(JobId::parse(job["id"].as_str().unwrap()).unwrap()),
        tenant_id: tenant,
        format: ExportFormat::Csv,
        window,
        file_name: job["file_name"].as_str().unwrap().into(),
        generated_at: Utc::now(),
        requested_by: job["created_by"].as_str().unwrap().into(),
        pseudonym_key: String::new(),
        sources: plan.inventory.clone(),
        signer: None,
        timestamper: None,
        report: Default::default(),
    };
    let mut out = Vec::new();
    for (index, range) in split_hours(&plan, SEGMENT_KB << 10, MAX_SEGMENTS)
        .into_iter()
        .enumerate()
    {
        let sink = MemSink::default();
        let outcome = kt_engine::run(
            lake.clone(),
            &segment_plan(&plan, index, range),
            &ctx,
            segment_formatter(&ctx, index).unwrap(),
            Box::new(sink.clone()),
            &EngineOptions::default(),
            &Quiet,
        )
        .await
        .unwrap();
        out.push((outcome.size_bytes, outcome.sha256));
    }
    out
}

pub(crate) fn task(message: &SqsMessage) -> FanOutTask {
    task_of(message).expect("a fan-out message").task
}

/// Handles every message until the queue stays empty; returns what was handled.
async fn run_to_the_end(m: &Manual) -> Vec<FanOutTask> {
    let mut handled = Vec::new();
    loop {
        let messages = receive_now(&m.receiver).await;
        if messages.is_empty() {
            return handled;
        }
        for message in &messages {
            handled.push(task(message));
            assert_eq!(
                handle_and_delete(&m.worker, &m.receiver, message).await,
                Disposition::Done
            );
        }
    }
}

#[tokio::test]
async fn a_stale_or_duplicate_continuation_changes_nothing_and_the_segment_still_joins() {
    let m =
        Manual::fanned_out_with(20_000, |c| c.fanout_checkpoint_after = Some(Duration::ZERO)).await;
    let (t, j) = m.ids();
    let checkpoints = fan_out_store(&m.app);
    let segments = m.segments().await;
    let first = &segments[1];
    assert_eq!(task(first), FanOutTask::Segment(1));
    assert_eq!(
        handle_and_delete(&m.worker, &m.receiver, first).await,
        Disposition::Done
    );
    let saved = checkpoints.checkpoint(&t, &j, 1, 1).await.unwrap().unwrap();
    assert_eq!((saved.seq, saved.pieces.len()), (1, 1));
    let next = receive_now(&m.receiver).await;
    assert_eq!(next.len(), 1);
    let continuation = &next[0];
    assert_eq!(
        task(continuation),
        FanOutTask::Continue {
            segment: 1,
            checkpoint: 1
        }
    );

    // The segment's first message again (a redelivery): stale, and its
    // continuation is marked sent, so nothing is sent and nothing saved.
    assert_eq!(
        handle_and_delete(&m.worker, &m.receiver, first).await,
        Disposition::Done
    );
    assert!(receive_now(&m.receiver).await.is_empty());
    assert_eq!(
        checkpoints.checkpoint(&t, &j, 1, 1).await.unwrap().unwrap(),
        saved
    );

    // The continuation, twice: the first saves checkpoint 2, the second is stale.
    assert_eq!(
        handle_and_delete(&m.worker, &m.receiver, continuation).await,
        Disposition::Done
    );
    let second = checkpoints.checkpoint(&t, &j, 1, 1).await.unwrap().unwrap();
    assert_eq!((second.seq, second.pieces.len()), (2, 2));
    assert!(second.next_hour > saved.next_hour);
    assert_eq!(second.pieces[0], saved.pieces[0]);
    assert_eq!(
        handle_and_delete(&m.worker, &m.receiver, continuation).await,
        Disposition::Done
    );
    assert_eq!(
        checkpoints.checkpoint(&t, &j, 1, 1).await.unwrap().unwrap(),
        second
    );

    // The rest, to the end: every segment once, then one finisher.
    for message in &segments {
        if task(message) != FanOutTask::Segment(1) {
            assert_eq!(
                handle_and_delete(&m.worker, &m.receiver, message).await,
                Disposition::Done
            );
        }
    }
    let handled = run_to_the_end(&m).await;
    assert!(handled.contains(&FanOutTask::Finish), "{handled:?}");
    let job = m.job().await;
    assert_eq!(job["status"], "completed", "{job}");
    let recorded = checkpoints.segment(&t, &j, 1, 1).await.unwrap().unwrap();
    assert!(recorded.pieces.len() >= 3, "{:?}", recorded.pieces);
    assert_eq!(recorded.pieces[..2], second.pieces[..]);
    let (_, artifact) = m.app.download(&m.tenant, &m.id).await;
    assert_eq!(job["sha256"], sha256(&artifact));
    let single = single_worker_bytes(&m.app, &m.tenant, &job, Utc::now()).await;
    assert_eq!(sha256(&artifact), sha256(&single));
}

#[tokio::test]
async fn a_cancel_drops_a_checkpointed_continuation_and_leaves_no_segment_objects() {
    let m =
        Manual::fanned_out_with(20_000, |c| c.fanout_checkpoint_after = Some(Duration::ZERO)).await;
    let (t, j) = m.ids();
    let store = fan_out_store(&m.app);
    let segments = m.segments().await;
    assert_eq!(
        handle_and_delete(&m.worker, &m.receiver, &segments[0]).await,
        Disposition::Done
    );
    let continuation = receive_now(&m.receiver).await;
    assert_eq!(continuation.len(), 1);
    let saved = store.checkpoint(&t, &j, 1, 0).await.unwrap().unwrap();
    m.app
        .stack
        .job_store()
        .cancel(&t, &j, Utc::now())
        .await
        .unwrap();
    // The continuation and the queued segments are dropped on receipt.
    for message in continuation.iter().chain(&segments[1..]) {
        let started = Instant::now();
        assert_eq!(
            handle_and_delete(&m.worker, &m.receiver, message).await,
            Disposition::Done
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    assert_eq!(
        store.checkpoint(&t, &j, 1, 0).await.unwrap().unwrap(),
        saved
    );
    assert!(store.segment(&t, &j, 1, 0).await.unwrap().is_none());
    assert!(
        receive_now(&m.receiver).await.is_empty(),
        "nothing more sent"
    );
    let (run, _) = store.run(&t, &j, 1).await.unwrap().unwrap();
    let left = m
        .app
        .stack
        .clients
        .s3
        .list_objects_v2()
        .bucket(&m.app.stack.config.resources.artifacts_bucket)
        .prefix(&run.segments_prefix)
        .send()
        .await
        .unwrap();
    assert_eq!(left.key_count(), Some(0), "{:?}", left.contents());
}

/// A lake whose objects open slowly: a segment runs for seconds.
struct SlowLake {
    inner: Arc<dyn LakeSource>,
    delay: Duration,
}

#[async_trait]
impl LakeSource for SlowLake {
    async fn list(&self, prefix: &str) -> Result<Vec<SourceObject>, SourceError> {
        self.inner.list(prefix).await
    }
    async fn open(
        &self,
        object: &SourceObject,
    ) -> Result<Box<dyn tokio::io::AsyncRead + Send + Unpin>, SourceError> {
        tokio::time::sleep(self.delay).await;
        self.inner.open(object).await
    }
}

#[tokio::test]
async fn a_running_segment_stops_within_one_heartbeat_of_a_cancel() {
    let m = Manual::fanned_out(20_000).await;
    let (t, j) = m.ids();
    let stack = &m.app.stack;
    let stores = kt_store::aws::AwsStores::new(&stack.clients, &stack.config.resources);
    let heartbeat = Duration::from_millis(200);
    let slow = Worker::new(WorkerDeps {
        jobs: stores.jobs,
        artifacts: stores.artifacts,
        lake: Arc::new(SlowLake {
            inner: stores.lake,
            delay: Duration::from_millis(500),
        }),
        engine: EngineOptions {
            concurrency: 1,
            progress_interval: heartbeat,
            ..EngineOptions::default()
        },
        lease: stack.config.lease,
        max_attempts: 3,
        pseudonym_key: "k".into(),
        custody: None,
    })
    .with_fan_out(FanOut::from_config(&stack.clients, &stack.config));
    let segments = m.segments().await;
    let store = fan_out_store(&m.app);
    let (run, _) = store.run(&t, &j, 1).await.unwrap().unwrap();
    let canceled_at = async {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        stack.job_store().cancel(&t, &j, Utc::now()).await.unwrap();
        Instant::now()
    };
    let started = Instant::now();
    let (handled, canceled_at) = tokio::join!(
        handle_and_delete(&slow, &m.receiver, &segments[1]),
        canceled_at
    );
    let stopped_after = canceled_at.elapsed();
    assert_eq!(handled, Disposition::Done);
    assert!(
        stopped_after < heartbeat * 5,
        "stopped {stopped_after:?} after the cancel (heartbeat {heartbeat:?})"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(1200),
        "it was running"
    );
    assert!(store.segment(&t, &j, 1, 1).await.unwrap().is_none());
    let left = stack
        .clients
        .s3
        .list_objects_v2()
        .bucket(&stack.config.resources.artifacts_bucket)
        .prefix(&run.segments_prefix)
        .send()
        .await
        .unwrap();
    assert_eq!(left.key_count(), Some(0), "{:?}", left.contents());
}

#[tokio::test]
async fn a_checkpoint_saved_again_is_saved_and_another_deliverys_is_not() {
    use kt_store::checkpoint::{SegmentCheckpoint, SegmentPiece};
    let (config, clients) = kt_integration_tests::emulator_with_clients().await;
    let store =
        kt_store::dynamo::DynamoJobStore::new(clients.dynamodb, &config.resources.jobs_table);
    let (t, j) = (TenantId::parse(&unique("cpsave")).unwrap(), JobId::new());
    let checkpoint = |seq: u32, key: &str| SegmentCheckpoint {
        seq,
        next_hour: seq as usize,
        pieces: vec![SegmentPiece {
            object_key: key.into(),
            size_bytes: 10,
            event_count: 1,
        }],
        stats: Default::default(),
        hash_state: "00".into(),
    };
    let mine = checkpoint(1, "piece-of-delivery-a");
    assert!(store.save_checkpoint(&t, &j, 1, 0, &mine).await.unwrap());
    // The same put again (the SDK retrying a put whose answer was lost):
    // saved, so its caller keeps the piece the checkpoint names.
    assert!(store.save_checkpoint(&t, &j, 1, 0, &mine).await.unwrap());
    // Another delivery's checkpoint of the same seq lost the race.
    let theirs = checkpoint(1, "piece-of-delivery-b");
    assert!(!store.save_checkpoint(&t, &j, 1, 0, &theirs).await.unwrap());
    assert_eq!(store.checkpoint(&t, &j, 1, 0).await.unwrap(), Some(mine));
    // The next one, on condition of seq 1; then seq 2 again is saved, seq 1 is not.
    let next = checkpoint(2, "piece-of-delivery-c");
    assert!(store.save_checkpoint(&t, &j, 1, 0, &next).await.unwrap());
    assert!(store.save_checkpoint(&t, &j, 1, 0, &next).await.unwrap());
    assert!(!store.save_checkpoint(&t, &j, 1, 0, &theirs).await.unwrap());
}
