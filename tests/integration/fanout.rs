//! Fan-out on the emulator (`docs/scale.md`): a 200k-event lake split into
//! many segments gives the single worker's artifact byte for byte, and the
//! faults of a fanned-out run end as they must.
use crate::app::{TestApp, fresh_config, spawn_app_with, unique};
use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use kt_domain::{ExportFormat, JobId, JobStatus, TenantId, Window};
use kt_engine::{ArtifactSink, ExportContext, ExportError, Progress, ProgressObserver, SinkError};
use kt_service::config::Config;
use kt_service::worker::{Disposition, Worker};
use kt_store::dynamo::DynamoJobStore;
use kt_store::fanout::{FanOutProgress, FanOutRun, FanOutStore};
use kt_store::s3::S3LakeSource;
use kt_store::sqs::SqsReceiver;
use kt_store::sqs::fanout::{FanOutMessage, FanOutTask};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) fn spec(tenant: &str, events: u64, seed: u64) -> kt_lakegen::LakeSpec {
    kt_lakegen::LakeSpec {
        tenant: tenant.into(),
        start_day: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
        days: 2,
        events_total: events,
        objects_per_hour: 2,
        duplicate_rate: 0.01,
        malformed_rate: 0.001,
        seed,
        gzip: true,
    }
}

pub(crate) fn request(format: &str) -> Value {
    json!({"type": "events", "format": format, "date_from": "2026-05-01", "date_to": "2026-05-02"})
}

/// A stack whose worker splits anything above `segment_kb` KiB of source.
pub(crate) async fn fan_out_app(segment_kb: u64, max_segments: u32, with_worker: bool) -> TestApp {
    let mut config = fresh_config();
    config.max_active_jobs = 10;
    config.fanout_segment_bytes = segment_kb << 10;
    config.fanout_max_segments = max_segments;
    spawn_app_with(config, with_worker).await
}

pub(crate) fn fan_out_store(app: &TestApp) -> DynamoJobStore {
    DynamoJobStore::new(
        app.stack.clients.dynamodb.clone(),
        &app.stack.config.resources.jobs_table,
    )
}

/// Creates an export, requires it completed and returns the job with the
/// fan-out run (attempt 1) it was planned into and that run's progress.
pub(crate) async fn completed_fan_out(
    app: &TestApp,
    store: &DynamoJobStore,
    tenant: &str,
    body: Value,
) -> (Value, FanOutRun, FanOutProgress) {
    let id = app.create(tenant, body).await;
    let job = app.wait_done(tenant, &id).await;
    assert_eq!(job["status"], "completed", "{job}");
    let (t, j) = (TenantId::parse(tenant).unwrap(), JobId::parse(&id).unwrap());
    let (run, progress) = store.run(&t, &j, 1).await.unwrap().expect("a fan-out run");
    (job, run, progress)
}

#[derive(Clone, Default)]
pub(crate) struct MemSink(pub(crate) Arc<Mutex<Vec<u8>>>);

#[async_trait]
impl ArtifactSink for MemSink {
    async fn write(&mut self, chunk: Bytes) -> Result<(), SinkError> {
        self.0.lock().unwrap().extend_from_slice(&chunk);
        Ok(())
    }
    async fn finish(self: Box<Self>) -> Result<(), SinkError> {
        Ok(())
    }
    async fn abort(self: Box<Self>) {}
}

pub(crate) struct Quiet;
#[async_trait]
impl ProgressObserver for Quiet {
    async fn on_progress(&self, _: &Progress) -> Result<(), ExportError> {
        Ok(())
    }
}

/// What one worker writes for `job` over the same lake: the engine run
/// whole, as the worker runs it without fan-out, with the job's own scope
/// (`generated_at` as the artifact states it).
pub(crate) async fn single_worker_bytes(
    app: &TestApp,
    tenant: &str,
    job: &Value,
    generated_at: DateTime<Utc>,
) -> Vec<u8> {
    single_worker_bytes_listed(app, tenant, job, generated_at, (String::new(), None), None).await
}

/// The same, with the deployment's pseudonym key and signer (the reports
/// pseudonymise, the bundle signs its manifest), stating `listed_at` as the
/// listing's time (the same objects; only the moment it was taken differs).
async fn single_worker_bytes_listed(
    app: &TestApp,
    tenant: &str,
    job: &Value,
    generated_at: DateTime<Utc>,
    (pseudonym_key, signer): (String, Option<Arc<dyn kt_engine::custody::ManifestSigner>>),
    listed_at: Option<DateTime<Utc>>,
) -> Vec<u8> {
    let lake = Arc::new(S3LakeSource::new(
        app.stack.clients.s3.clone(),
        &app.stack.config.resources.events_bucket,
    ));
    let tenant = TenantId::parse(tenant).unwrap();
    let window = Window {
        start: job["window_start"].as_str().unwrap().parse().unwrap(),
        end: job["window_end"].as_str().unwrap().parse().unwrap(),
        timezone: chrono_tz::UTC,
    };
    let plan = kt_engine::plan(lake.as_ref(), &tenant, &window)
        .await
        .unwrap();
    let format: ExportFormat = serde_json::from_value(job["format"].clone()).unwrap();
    let mut sources = plan.inventory.clone();
    sources.listed_at = listed_at.or(sources.listed_at);
    let ctx = ExportContext {
        job_id: Some(JobId::parse(job["id"].as_str().unwrap()).unwrap()),
        tenant_id: tenant,
        format,
        window,
        file_name: job["file_name"].as_str().unwrap().into(),
        generated_at,
        requested_by: job["created_by"].as_str().unwrap().into(),
        pseudonym_key,
        sources,
        signer,
        timestamper: None,
        report: Default::default(),
    };
    let sink = MemSink::default();
    kt_engine::run(
        lake,
        &plan,
        &ctx,
        kt_engine::formats::formatter_for(&ctx),
        Box::new(sink.clone()),
        &kt_engine::EngineOptions::default(),
        &Quiet,
    )
    .await
    .unwrap();
    sink.0.lock().unwrap().clone()
}

pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn a_200k_event_export_fans_out_into_many_segments_and_is_the_single_workers_artifact() {
    let app = fan_out_app(192, 24, true).await;
    let tenant = unique("big");
    let lake = kt_dev::seed::seed_lake(&app.stack, spec(&tenant, 200_000, 7))
        .await
        .unwrap();
    assert!(lake.events >= 200_000);
    let store = fan_out_store(&app);
    for format in ["csv", "json"] {
        let (job, run, progress) = completed_fan_out(&app, &store, &tenant, request(format)).await;
        let id = job["id"].as_str().unwrap().to_string();
        assert!(run.segments >= 8, "{} segments", run.segments);
        assert_eq!(
            (progress.done, progress.total),
            (run.segments, run.segments)
        );
        assert_eq!(job["progress"], 1.0);

        let (_, artifact) = app.download(&tenant, &id).await;
        assert_eq!(
            job["sha256"],
            sha256(&artifact),
            "the job states the artifact's hash"
        );
        assert_eq!(job["size_bytes"], artifact.len() as u64);
        let generated_at = if format == "json" {
            let doc: Value = serde_json::from_slice(&artifact).expect("valid json");
            assert_eq!(doc["summary"]["event_count"], job["event_count"]);
            doc["export"]["generated_at"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        } else {
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
        };
        let single = single_worker_bytes(&app, &tenant, &job, generated_at).await;
        assert_eq!(artifact.len(), single.len(), "{format}");
        assert_eq!(
            sha256(&artifact),
            sha256(&single),
            "{format}: not the single worker's bytes"
        );
        assert!(artifact.len() > 5 << 20, "large enough for copied parts");
        // The segments' objects are gone once the job completed.
        let left = app
            .stack
            .clients
            .s3
            .list_objects_v2()
            .bucket(&app.stack.config.resources.artifacts_bucket)
            .prefix(&run.segments_prefix)
            .send()
            .await
            .unwrap();
        assert_eq!(left.key_count(), Some(0), "{format}: segments left behind");
    }
}

#[tokio::test]
async fn a_200k_event_compliance_export_fans_out_and_merges_into_the_single_workers_report() {
    let app = fan_out_app(192, 24, true).await;
    let tenant = unique("bigc");
    kt_dev::seed::seed_lake(&app.stack, spec(&tenant, 200_000, 11))
        .await
        .unwrap();
    let store = fan_out_store(&app);
    let key = app
        .stack
        .config
        .pseudonym_key
        .clone()
        .expect("a pseudonym key");
    for format in ["compliance-aesia", "compliance-all"] {
        // The bundle is kept under Object Lock: the finisher names it as a single worker does.
        let mut body = request(format);
        if format == "compliance-all" {
            body["retention_days"] = json!(400);
        }
        let (job, run, progress) = completed_fan_out(&app, &store, &tenant, body).await;
        let id = job["id"].as_str().unwrap().to_string();
        assert!(run.segments >= 8, "{} segments", run.segments);
        assert_eq!(
            (progress.done, progress.total),
            (run.segments, run.segments)
        );
        assert!(job["event_count"].as_u64().unwrap() >= 190_000, "{job}");
        assert!(
            job["stats"]["duplicates_removed"].as_u64().unwrap() > 0,
            "{job}"
        );

        let (_, artifact) = app.download(&tenant, &id).await;
        assert_eq!(
            job["sha256"],
            sha256(&artifact),
            "the job states the artifact's hash"
        );
        assert_eq!(job["size_bytes"], artifact.len() as u64);
        let signer = (format == "compliance-all").then(|| app.stack.custody.signer.clone());
        // The run's listing was taken when the job was planned: the reports state when.
        let listed_at = listing_cutoff(&artifact, format == "compliance-all");
        let single = single_worker_bytes_listed(
            &app,
            &tenant,
            &job,
            run.generated_at,
            (key.clone(), signer),
            Some(listed_at),
        )
        .await;
        assert_eq!(
            sha256(&artifact),
            sha256(&single),
            "{format}: not the single worker's report"
        );
        if format == "compliance-aesia" {
            let doc: Value = serde_json::from_slice(&artifact).expect("a JSON report");
            assert_eq!(
                doc["report"]["source"]["event_count"], job["event_count"],
                "{doc}"
            );
        }
        // The sealed manifest states the merged artifact and the merged stats.
        let manifest: Value = app
            .get(&tenant, &format!("/v1/export-jobs/{id}/manifest"))
            .await
            .json()
            .await
            .unwrap();
        let a = &manifest["artifact"];
        assert_eq!(
            (&a["sha256"], &a["size_bytes"], &a["event_count"]),
            (&job["sha256"], &job["size_bytes"], &job["event_count"]),
            "{manifest}"
        );
        assert_eq!(
            manifest["stats"]["duplicates_removed"],
            job["stats"]["duplicates_removed"]
        );
        assert_eq!(a["retained_until"], job["retained_until"]);
        if format == "compliance-all" {
            assert_eq!(job["retention_days"], 400);
            assert!(job["retained_until"].is_string(), "{job}");
            let listed = app
                .stack
                .clients
                .s3
                .list_objects_v2()
                .bucket(&app.stack.config.resources.artifacts_bucket)
                .prefix(format!("retained/2y/{tenant}/{id}/"))
                .send()
                .await
                .unwrap();
            assert_eq!(
                listed.key_count(),
                Some(1),
                "the bundle is under the retained prefix"
            );
        } else {
            assert_eq!(job["retained_until"], Value::Null);
        }
        let left = app
            .stack
            .clients
            .s3
            .list_objects_v2()
            .bucket(&app.stack.config.resources.artifacts_bucket)
            .prefix(&run.segments_prefix)
            .send()
            .await
            .unwrap();
        assert_eq!(left.key_count(), Some(0), "{format}: segments left behind");
    }
}

/// The `listing_cutoff` a report (or the bundle's first report) states.
fn listing_cutoff(artifact: &[u8], bundle: bool) -> DateTime<Utc> {
    let text = if bundle {
        let mut tar = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(artifact), &mut tar).unwrap();
        String::from_utf8_lossy(&tar).into_owned()
    } else {
        String::from_utf8_lossy(artifact).into_owned()
    };
    let at = text
        .find("\"listing_cutoff\": \"")
        .expect("a listing cutoff")
        + 19;
    let end = at + text[at..].find('"').unwrap();
    text[at..end].parse().unwrap()
}

/// The messages on the queue now, received (and then handled by the test).
pub(crate) async fn drain(receiver: &SqsReceiver) -> Vec<SqsMessage> {
    let mut all = Vec::new();
    for _ in 0..5 {
        let got = receiver.receive(10, 1).await.unwrap();
        if got.is_empty() && !all.is_empty() {
            break;
        }
        all.extend(got);
    }
    all
}

pub(crate) fn task_of(message: &SqsMessage) -> Option<FanOutMessage> {
    serde_json::from_str(message.body.as_deref()?).ok()
}

/// Handles one message as the poller does: deleted from the queue when done.
pub(crate) async fn handle_and_delete(
    worker: &Worker,
    receiver: &SqsReceiver,
    message: &SqsMessage,
) -> Disposition {
    let mut event = SqsEvent::default();
    event.records = vec![message.clone()];
    let response = worker.handle_batch(event).await;
    if response.batch_item_failures.is_empty() {
        let _ = receiver
            .delete(message.receipt_handle.as_deref().unwrap_or_default())
            .await;
        Disposition::Done
    } else {
        Disposition::Retry
    }
}

/// The finisher messages among what is on the queue now.
pub(crate) async fn finishers(receiver: &SqsReceiver) -> Vec<SqsMessage> {
    drain(receiver)
        .await
        .into_iter()
        .filter(|m| task_of(m).is_some_and(|t| t.task == FanOutTask::Finish))
        .collect()
}

/// A stack without pollers: the test receives and hands out every message.
pub(crate) struct Manual {
    pub(crate) app: TestApp,
    pub(crate) worker: Worker,
    pub(crate) receiver: SqsReceiver,
    pub(crate) tenant: String,
    pub(crate) id: String,
}

impl Manual {
    pub(crate) async fn fanned_out(events: u64) -> Self {
        Self::fanned_out_with(events, |_| {}).await
    }

    /// The same, with the stack's configuration changed by `tweak`.
    pub(crate) async fn fanned_out_with(events: u64, tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = fresh_config();
        config.max_active_jobs = 10;
        config.fanout_segment_bytes = 64 << 10;
        config.fanout_max_segments = 12;
        tweak(&mut config);
        let app = spawn_app_with(config, false).await;
        let tenant = unique("seg");
        kt_dev::seed::seed_lake(&app.stack, spec(&tenant, events, 3))
            .await
            .unwrap();
        let worker = app.stack.worker();
        let receiver =
            kt_store::aws::AwsStores::receiver(&app.stack.clients, &app.stack.config.resources);
        let id = app.create(&tenant, request("csv")).await;
        let manual = Self {
            app,
            worker,
            receiver,
            tenant,
            id,
        };
        let job_message = drain(&manual.receiver).await;
        assert_eq!(job_message.len(), 1);
        assert_eq!(
            handle_and_delete(&manual.worker, &manual.receiver, &job_message[0]).await,
            Disposition::Done
        );
        manual
    }

    pub(crate) fn ids(&self) -> (TenantId, JobId) {
        (
            TenantId::parse(&self.tenant).unwrap(),
            JobId::parse(&self.id).unwrap(),
        )
    }

    pub(crate) async fn segments(&self) -> Vec<SqsMessage> {
        let mut messages = drain(&self.receiver).await;
        messages.sort_by_key(|m| match task_of(m).map(|t| t.task) {
            Some(FanOutTask::Segment(i)) => i,
            _ => u32::MAX,
        });
        assert!(messages.len() >= 4, "{} segment messages", messages.len());
        messages
    }

    pub(crate) async fn job(&self) -> Value {
        self.app
            .get(&self.tenant, &format!("/v1/export-jobs/{}", self.id))
            .await
            .json()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_killed_segment_is_redone_by_its_redelivery_and_a_duplicate_is_a_no_op() {
    let m = Manual::fanned_out(30_000).await;
    let segments = m.segments().await;
    let store = fan_out_store(&m.app);
    let (t, j) = m.ids();
    // Killed mid-export: the handler is dropped, its message not deleted.
    let killed = tokio::time::timeout(
        Duration::from_millis(50),
        handle_and_delete(&m.worker, &m.receiver, &segments[1]),
    )
    .await;
    assert!(
        killed.is_err(),
        "the segment should still have been running"
    );
    assert!(store.segment(&t, &j, 1, 1).await.unwrap().is_none());
    for message in &segments {
        assert_eq!(
            handle_and_delete(&m.worker, &m.receiver, message).await,
            Disposition::Done
        );
    }
    // A duplicate delivery of a recorded segment changes nothing.
    let before = store.segment(&t, &j, 1, 0).await.unwrap().unwrap();
    assert_eq!(
        handle_and_delete(&m.worker, &m.receiver, &segments[0]).await,
        Disposition::Done
    );
    assert_eq!(store.segment(&t, &j, 1, 0).await.unwrap().unwrap(), before);
    let (_, progress) = store.run(&t, &j, 1).await.unwrap().unwrap();
    assert_eq!(progress.done, progress.total, "each segment counted once");

    // The last segment enqueued exactly one finisher (the duplicate may add
    // another, which finds the job done).
    let finishers = finishers(&m.receiver).await;
    assert!(!finishers.is_empty());
    for f in &finishers {
        assert_eq!(task_of(f).unwrap().task, FanOutTask::Finish);
        assert_eq!(
            handle_and_delete(&m.worker, &m.receiver, f).await,
            Disposition::Done
        );
    }
    let job = m.job().await;
    assert_eq!(job["status"], "completed", "{job}");
    let (_, artifact) = m.app.download(&m.tenant, &m.id).await;
    assert_eq!(job["sha256"], sha256(&artifact));
    let single = single_worker_bytes(&m.app, &m.tenant, &job, Utc::now()).await;
    assert_eq!(sha256(&artifact), sha256(&single));
}

#[tokio::test]
async fn a_segment_that_fails_for_good_fails_the_job_and_no_artifact_is_written() {
    let m = Manual::fanned_out(20_000).await;
    let segments = m.segments().await;
    // An object of the last segment vanishes after the listing was frozen.
    let s3 = &m.app.stack.clients.s3;
    let lake = &m.app.stack.config.resources.events_bucket;
    let prefix = format!("events/tenant={}/dt=2026-05-02/hour=23/", m.tenant);
    let listed = s3
        .list_objects_v2()
        .bucket(lake)
        .prefix(&prefix)
        .send()
        .await
        .unwrap();
    for o in listed.contents() {
        s3.delete_object()
            .bucket(lake)
            .key(o.key().unwrap())
            .send()
            .await
            .unwrap();
    }
    let last = segments.last().unwrap();
    assert_eq!(
        handle_and_delete(&m.worker, &m.receiver, last).await,
        Disposition::Done
    );
    let job = m.job().await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["error"]["code"], "source_unreadable");
    assert!(
        !job["error"]["message"]
            .as_str()
            .unwrap()
            .contains("NoSuchKey")
    );
    // The other segments find the job failed and write nothing.
    for message in &segments[..segments.len() - 1] {
        assert_eq!(
            handle_and_delete(&m.worker, &m.receiver, message).await,
            Disposition::Done
        );
    }
    assert!(
        finishers(&m.receiver).await.is_empty(),
        "no finisher was enqueued"
    );
    let artifacts = s3
        .list_objects_v2()
        .bucket(&m.app.stack.config.resources.artifacts_bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(artifacts.key_count(), Some(0), "{:?}", artifacts.contents());
    let uploads = s3
        .list_multipart_uploads()
        .bucket(&m.app.stack.config.resources.artifacts_bucket)
        .send()
        .await
        .unwrap();
    assert!(uploads.uploads().is_empty(), "{:?}", uploads.uploads());
}

#[tokio::test]
async fn a_cancel_during_fan_out_stops_every_segment() {
    let m = Manual::fanned_out(20_000).await;
    let segments = m.segments().await;
    assert_eq!(
        handle_and_delete(&m.worker, &m.receiver, &segments[0]).await,
        Disposition::Done
    );
    let (t, j) = m.ids();
    let canceled = m
        .app
        .stack
        .job_store()
        .cancel(&t, &j, Utc::now())
        .await
        .unwrap();
    assert!(matches!(canceled, kt_store::Transition::Done(_)));
    let store = fan_out_store(&m.app);
    for message in &segments[1..] {
        let started = std::time::Instant::now();
        assert_eq!(
            handle_and_delete(&m.worker, &m.receiver, message).await,
            Disposition::Done
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    let (_, progress) = store.run(&t, &j, 1).await.unwrap().unwrap();
    assert_eq!(progress.done, 1, "no segment ran after the cancel");
    assert!(finishers(&m.receiver).await.is_empty(), "no finisher");
    let stored = m.app.stack.job_store().get(&t, &j).await.unwrap().unwrap();
    assert_eq!(stored.status, JobStatus::Canceled);
    assert!(stored.artifact_key.is_none());
}
