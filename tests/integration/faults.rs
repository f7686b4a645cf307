//! Fault tests (issue 8): every job reaches `completed`, `failed` or
//! `canceled` whatever happens, against the emulator. The worker runs in
//! process with short leases; "killed" means its task is aborted mid-export,
//! "paused" means its reads stall. Tests that freeze the emulator itself
//! (SIGSTOP) use a private moto, never the shared one.

use async_trait::async_trait;
use aws_lambda_events::event::sqs::SqsEvent;
use chrono::{Duration as Span, Utc};
use kt_dev::LocalStack;
use kt_domain::{DateBound, ExportFormat, ExportType, Job, JobStatus, TenantId};
use kt_engine::{EngineOptions, LakeSource, SourceError, SourceObject};
use kt_integration_tests::PrivateEmulator;
use kt_service::config::Config;
use kt_service::job_creation::{ExportRequest, Requester};
use kt_service::worker::sweeper::Sweeper;
use kt_service::worker::{Disposition, Worker, WorkerDeps};
use kt_store::aws::{AwsClients, AwsStores, AwsTimeouts};
use kt_store::completion_hook::BeforeComplete;
use kt_store::sqs::SqsReceiver;
use kt_store::{CreateOutcome, JobStore, StoreError, Transition};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncRead;

/// How long a claim lasts in these tests.
const LEASE: Duration = Duration::from_secs(2);
/// Heartbeats (and so cancel checks) this often.
const HEARTBEAT: Duration = Duration::from_millis(200);

struct Rig {
    stack: LocalStack,
    stores: AwsStores,
}

async fn rig(mut config: Config) -> Rig {
    config.lease = LEASE;
    config.sweep_requeue_after = Duration::from_secs(1);
    config.max_active_jobs = 10;
    let stack = LocalStack::connect(config).await.expect("emulator");
    stack.bootstrap().await.expect("bootstrap");
    let stores = AwsStores::new(&stack.clients, &stack.config.resources);
    Rig { stack, stores }
}

async fn shared_rig() -> Rig {
    rig(crate::app::fresh_config()).await
}

impl Rig {
    fn tenant(&self) -> TenantId {
        TenantId::parse(&crate::app::unique("acme")).unwrap()
    }

    /// `hours` hour partitions of 2026-05-01 with `per_hour` small objects each.
    async fn seed(&self, tenant: &TenantId, hours: u32, per_hour: u32) {
        let mut puts = tokio::task::JoinSet::new();
        for hour in 0..hours {
            for n in 0..per_hour {
                let (s3, bucket) = (
                    self.stack.clients.s3.clone(),
                    self.stack.config.resources.events_bucket.clone(),
                );
                let key = format!("events/tenant={tenant}/dt=2026-05-01/hour={hour:02}/{n}.ndjson");
                let body = (0..5)
                    .map(|i| {
                        format!(
                            "{{\"event_id\":\"e{hour}-{n}-{i}\",\"ts\":\"2026-05-01T{hour:02}:{n:02}:{i:02}.000Z\",\"tenant_id\":\"{tenant}\",\"event_type\":\"gateway.request\",\"policy_ids\":[\"p1\",\"p2\"]}}\n"
                        )
                    })
                    .collect::<String>();
                puts.spawn(async move {
                    s3.put_object()
                        .bucket(bucket)
                        .key(key)
                        .body(body.into_bytes().into())
                        .send()
                        .await
                        .unwrap();
                });
            }
        }
        while puts.join_next().await.is_some() {}
    }

    /// A stored, queued job of 2026-05-01 (UTC), as the API stores it, with
    /// no message sent: the API died between the store and the enqueue.
    async fn stored_job(&self, tenant: &TenantId) -> Job {
        let request = ExportRequest {
            export_type: ExportType::Events,
            format: ExportFormat::Csv,
            date_from: DateBound::parse("2026-05-01").unwrap(),
            date_to: DateBound::parse("2026-05-01").unwrap(),
            timezone: chrono_tz::UTC,
            label: None,
            expires_in_days: 1,
            retention_days: None,
        };
        let now = Utc::now();
        let window = request.resolve_window(now).unwrap();
        let requester = Requester {
            tenant: tenant.clone(),
            created_by: "u_test".into(),
            origin: None,
        };
        let job = request.into_job(&window, requester, now);
        match self.stores.jobs.create(&job, None, 10).await.unwrap() {
            CreateOutcome::Created(job) => job,
            other => panic!("create: {other:?}"),
        }
    }

    /// A stored job with its message on the export queue.
    async fn queued_job(&self, tenant: &TenantId) -> Job {
        let job = self.stored_job(tenant).await;
        self.stores.queue.enqueue(tenant, &job.id).await.unwrap();
        job
    }

    fn worker_with(&self, jobs: Arc<dyn JobStore>, lake: Arc<dyn LakeSource>) -> Worker {
        Worker::new(WorkerDeps {
            custody: None,
            jobs,
            artifacts: self.stores.artifacts.clone(),
            lake,
            engine: EngineOptions {
                progress_interval: HEARTBEAT,
                concurrency: 2,
                ..EngineOptions::default()
            },
            lease: LEASE,
            max_attempts: 3,
            pseudonym_key: "k".into(),
        })
    }

    fn worker(&self) -> Worker {
        self.worker_with(self.stores.jobs.clone(), self.stores.lake.clone())
    }

    fn sweeper(&self) -> Sweeper {
        Sweeper::from_config(&self.stack.clients, &self.stack.config)
    }

    async fn job(&self, job: &Job) -> Job {
        self.stores
            .jobs
            .get(&job.tenant_id, &job.id)
            .await
            .unwrap()
            .unwrap()
    }

    /// Every artifact object of `job` in the bucket.
    async fn objects_of(&self, job: &Job) -> Vec<String> {
        let out = self
            .stack
            .clients
            .s3
            .list_objects_v2()
            .bucket(&self.stack.config.resources.artifacts_bucket)
            .prefix("exports/")
            .send()
            .await
            .unwrap();
        out.contents()
            .iter()
            .filter_map(|o| o.key())
            .filter(|k| k.contains(job.id.as_str()))
            .map(str::to_string)
            .collect()
    }

    async fn object_bytes(&self, key: &str) -> Vec<u8> {
        let out = self
            .stack
            .clients
            .s3
            .get_object()
            .bucket(&self.stack.config.resources.artifacts_bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        out.body.collect().await.unwrap().into_bytes().to_vec()
    }

    async fn open_uploads(&self) -> usize {
        let out = self
            .stack
            .clients
            .s3
            .list_multipart_uploads()
            .bucket(&self.stack.config.resources.artifacts_bucket)
            .send()
            .await
            .unwrap();
        out.uploads().len()
    }

    /// The tenant's active-job counter as stored.
    async fn active(&self, tenant: &TenantId) -> i64 {
        use aws_sdk_dynamodb::types::AttributeValue;
        let out = self
            .stack
            .clients
            .dynamodb
            .get_item()
            .table_name(&self.stack.config.resources.jobs_table)
            .key("pk", AttributeValue::S(format!("TENANT#{tenant}")))
            .key("sk", AttributeValue::S("COUNTER#active".into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        match out.item.and_then(|i| i.get("active").cloned()) {
            Some(AttributeValue::N(n)) => n.parse().unwrap(),
            _ => 0,
        }
    }

    fn receiver(&self) -> SqsReceiver {
        AwsStores::receiver(&self.stack.clients, &self.stack.config.resources)
    }
}

/// Asserts a completed job names one object whose size and SHA-256 it states.
async fn assert_one_matching_artifact(rig: &Rig, job: &Job) -> Vec<u8> {
    let done = rig.job(job).await;
    assert_eq!(done.status, JobStatus::Completed, "{:?}", done.error);
    let key = done.artifact_key.clone().unwrap();
    assert_eq!(rig.objects_of(job).await, vec![key.clone()]);
    let bytes = rig.object_bytes(&key).await;
    assert_eq!(done.size_bytes, Some(bytes.len() as u64));
    assert_eq!(
        done.sha256.as_deref(),
        Some(hex::encode(Sha256::digest(&bytes)).as_str())
    );
    bytes
}

/// A lake whose opens wait `delay` first: a slow, or paused, reader.
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
    ) -> Result<Box<dyn AsyncRead + Send + Unpin>, SourceError> {
        tokio::time::sleep(self.delay).await;
        self.inner.open(object).await
    }
}

fn slow(rig: &Rig, delay: Duration) -> Arc<dyn LakeSource> {
    Arc::new(SlowLake {
        inner: rig.stores.lake.clone(),
        delay,
    })
}

#[tokio::test]
async fn a_job_stored_but_never_enqueued_is_enqueued_by_the_sweeper_and_completes_once() {
    let rig = shared_rig().await;
    let tenant = rig.tenant();
    rig.seed(&tenant, 2, 2).await;
    let job = rig.stored_job(&tenant).await;
    let created = Instant::now();

    // Nothing is in the queue; the sweeper notices once the threshold passed.
    assert!(rig.receiver().receive(10, 0).await.unwrap().is_empty());
    let sweeper = rig.sweeper();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let report = sweeper.run_once(Utc::now()).await;
    assert_eq!(report.requeued, 1, "{report:?}");

    let mut event = SqsEvent::default();
    event.records = rig.receiver().receive(10, 1).await.unwrap();
    assert_eq!(event.records.len(), 1);
    let response = rig.worker().handle_batch(event).await;
    assert!(response.batch_item_failures.is_empty());
    assert_one_matching_artifact(&rig, &job).await;
    // The job is done: later passes leave it alone.
    let again = sweeper.run_once(Utc::now() + Span::minutes(5)).await;
    assert_eq!(again.requeued + again.failed, 0, "{again:?}");
    assert_eq!(rig.active(&tenant).await, 0);
    println!(
        "fault: enqueue lost -> completed {:.1} s after creation",
        created.elapsed().as_secs_f64()
    );
}

#[tokio::test]
async fn a_message_moved_to_the_dead_letter_queue_fails_its_job_with_a_reason() {
    let rig = shared_rig().await;
    let tenant = rig.tenant();
    let job = rig.queued_job(&tenant).await;
    // Three receives nobody finishes (a message no worker can handle), then
    // SQS's redrive moves it to the DLQ on the next receive.
    let receiver = rig.receiver();
    let mut receives = 0;
    for _ in 0..10 {
        let got = receiver.receive(1, 1).await.unwrap();
        let Some(message) = got.first() else { break };
        receives += 1;
        receiver
            .change_visibility(message.receipt_handle.as_deref().unwrap(), 0)
            .await
            .unwrap();
    }
    assert_eq!(receives, 3, "maxReceiveCount receives before the redrive");
    assert_eq!(rig.job(&job).await.status, JobStatus::Queued);

    let report = rig.sweeper().run_once(Utc::now()).await;
    assert_eq!(
        (report.dead_lettered, report.dead_letters_removed),
        (1, 1),
        "{report:?}"
    );
    let failed = rig.job(&job).await;
    assert_eq!(failed.status, JobStatus::Failed);
    let error = failed.error.unwrap();
    assert_eq!(error.code, "delivery_failed");
    assert!(!error.message.contains("arn:") && !error.message.contains("sqs"));
    assert_eq!(rig.active(&tenant).await, 0);
    // The DLQ is empty now.
    let again = rig.sweeper().run_once(Utc::now()).await;
    assert_eq!(again.dead_letters_removed, 0);
}

/// Runs the worker on `job` and kills it (aborts its task) mid-export.
async fn kill_mid_export(rig: &Rig, job: &Job, receive_count: u32) {
    let worker = rig.worker_with(
        rig.stores.jobs.clone(),
        slow(rig, Duration::from_millis(100)),
    );
    let (tenant, id) = (job.tenant_id.clone(), job.id.clone());
    let run = tokio::spawn(async move { worker.process(&tenant, &id, receive_count).await });
    // Wait until it has claimed and reported progress, then kill it.
    for _ in 0..100 {
        let now = rig.job(job).await;
        if now.status == JobStatus::Processing && now.attempts == receive_count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    run.abort();
    assert!(run.await.unwrap_err().is_cancelled(), "killed mid-export");
    assert_eq!(rig.job(job).await.status, JobStatus::Processing);
}

#[tokio::test]
async fn a_worker_killed_mid_export_on_attempts_1_to_3_ends_completed_or_failed_with_a_reason() {
    let rig = shared_rig().await;
    for killed in 1..=3u32 {
        let tenant = rig.tenant();
        rig.seed(&tenant, 24, 2).await;
        let job = rig.stored_job(&tenant).await;
        for attempt in 1..=killed {
            kill_mid_export(&rig, &job, attempt).await;
            tokio::time::sleep(LEASE).await; // the dead worker's lease lapses
        }
        let lapsed = Instant::now();
        if killed < 3 {
            // The message comes back (its visibility timeout) and takes over.
            let outcome = rig.worker().process(&tenant, &job.id, killed + 1).await;
            assert_eq!(outcome, Disposition::Done);
            assert_one_matching_artifact(&rig, &job).await;
        } else {
            // No delivery is left: the sweeper fails the job.
            let report = rig.sweeper().run_once(Utc::now()).await;
            assert_eq!(report.failed, 1, "{report:?}");
            let failed = rig.job(&job).await;
            assert_eq!(failed.status, JobStatus::Failed);
            let error = failed.error.unwrap();
            assert_eq!(error.code, "worker_lost");
            assert!(error.message.contains("3 attempts"), "{}", error.message);
            assert!(rig.objects_of(&job).await.is_empty());
        }
        assert_eq!(rig.active(&tenant).await, 0);
        println!(
            "fault: worker killed on attempts 1..={killed} -> {:?} {:.1} s after the last lease lapsed",
            rig.job(&job).await.status,
            lapsed.elapsed().as_secs_f64()
        );
    }
}

#[tokio::test]
async fn one_message_delivered_to_two_workers_at_once_makes_one_artifact_with_the_bytes_of_a_single_run()
 {
    let rig = shared_rig().await;
    let tenant = rig.tenant();
    rig.seed(&tenant, 3, 2).await;
    let single = rig.stored_job(&tenant).await;
    assert_eq!(
        rig.worker().process(&tenant, &single.id, 1).await,
        Disposition::Done
    );
    let single_bytes = assert_one_matching_artifact(&rig, &single).await;

    let job = rig.stored_job(&tenant).await;
    let (a, b) = (rig.worker(), rig.worker());
    let (x, y) = tokio::join!(
        a.process(&tenant, &job.id, 1),
        b.process(&tenant, &job.id, 1)
    );
    assert!(
        [x, y].contains(&Disposition::Done),
        "one of them ran it: {x:?} {y:?}"
    );
    let bytes = assert_one_matching_artifact(&rig, &job).await;
    assert_eq!(bytes, single_bytes);
    assert_eq!(rig.job(&job).await.attempts, 1, "one claim, one export");
}

#[tokio::test]
async fn a_worker_paused_past_its_lease_loses_to_the_takeover_and_its_object_is_never_named() {
    let rig = shared_rig().await;
    let tenant = rig.tenant();
    rig.seed(&tenant, 2, 1).await;
    let job = rig.stored_job(&tenant).await;
    // The first worker stalls on its reads for longer than its lease, and
    // sends no heartbeat meanwhile (it is paused).
    let paused = Worker::new(WorkerDeps {
        custody: None,
        jobs: rig.stores.jobs.clone(),
        artifacts: rig.stores.artifacts.clone(),
        lake: slow(&rig, LEASE + Duration::from_secs(2)),
        engine: EngineOptions {
            progress_interval: Duration::from_secs(60),
            ..EngineOptions::default()
        },
        lease: LEASE,
        max_attempts: 3,
        pseudonym_key: "k".into(),
    });
    let (t, j) = (tenant.clone(), job.id.clone());
    let first = tokio::spawn(async move { paused.process(&t, &j, 1).await });
    tokio::time::sleep(LEASE + Duration::from_millis(300)).await;

    // Another worker takes the lapsed lease over and completes.
    assert_eq!(
        rig.worker().process(&tenant, &job.id, 2).await,
        Disposition::Done
    );
    let taken = rig.job(&job).await;
    assert_eq!(taken.attempts, 2);
    // The first resumes, writes its object, and is refused the completion.
    assert_eq!(first.await.unwrap(), Disposition::Done);
    let done = rig.job(&job).await;
    assert_eq!(done, taken, "the first worker changed nothing");
    assert!(done.artifact_key.as_deref().unwrap().contains("/2/"));
    assert_one_matching_artifact(&rig, &job).await;
}

#[tokio::test]
async fn a_cancel_mid_export_ends_within_a_heartbeat_and_leaves_no_object() {
    let rig = shared_rig().await;
    let tenant = rig.tenant();
    rig.seed(&tenant, 24, 2).await;
    let job = rig.stored_job(&tenant).await;
    let worker = rig.worker_with(
        rig.stores.jobs.clone(),
        slow(&rig, Duration::from_millis(100)),
    );
    let (t, j) = (tenant.clone(), job.id.clone());
    let run = tokio::spawn(async move { worker.process(&t, &j, 1).await });
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(rig.job(&job).await.status, JobStatus::Processing);
    let canceled_at = Instant::now();
    // The cancel races the worker's 200 ms heartbeats; on a loaded machine
    // it may lose five in a row and say so (a transient error the API
    // answers with a retryable 503): like a caller, try again.
    let mut canceled = rig.stores.jobs.cancel(&tenant, &job.id, Utc::now()).await;
    for _ in 0..3 {
        if !matches!(canceled, Err(StoreError::Transient(_))) {
            break;
        }
        canceled = rig.stores.jobs.cancel(&tenant, &job.id, Utc::now()).await;
    }
    assert!(matches!(canceled.unwrap(), Transition::Done(_)));
    assert_eq!(run.await.unwrap(), Disposition::Done);
    let stopped = canceled_at.elapsed();
    assert!(
        stopped < HEARTBEAT + Duration::from_millis(800),
        "the worker stopped {stopped:?} after the cancel"
    );
    assert_eq!(rig.job(&job).await.status, JobStatus::Canceled);
    assert!(rig.objects_of(&job).await.is_empty());
    assert_eq!(
        rig.open_uploads().await,
        0,
        "the multipart upload was aborted"
    );
    println!(
        "fault: cancel mid-export -> worker stopped {:.2} s later",
        stopped.as_secs_f64()
    );
}

#[tokio::test]
async fn a_cancel_while_the_artifact_is_finished_deletes_the_written_object() {
    let rig = shared_rig().await;
    let tenant = rig.tenant();
    rig.seed(&tenant, 2, 1).await;
    let job = rig.stored_job(&tenant).await;
    let (jobs, t, j) = (rig.stores.jobs.clone(), tenant.clone(), job.id.clone());
    // The cancel lands after the upload completed, before the completion.
    let hooked = Arc::new(BeforeComplete::new(
        rig.stores.jobs.clone(),
        Box::new(move || {
            let (jobs, t, j) = (jobs.clone(), t.clone(), j.clone());
            Box::pin(async move {
                jobs.cancel(&t, &j, Utc::now()).await.unwrap();
                Ok(())
            })
        }),
    ));
    let worker = rig.worker_with(hooked, rig.stores.lake.clone());
    assert_eq!(worker.process(&tenant, &job.id, 1).await, Disposition::Done);
    let canceled = rig.job(&job).await;
    assert_eq!(canceled.status, JobStatus::Canceled);
    assert_eq!(canceled.artifact_key, None);
    assert!(rig.objects_of(&job).await.is_empty(), "no tenant data left");
}

#[tokio::test]
async fn the_emulator_paused_30_s_mid_export_is_retried_and_completes() {
    let emulator = PrivateEmulator::start();
    let rig = rig(emulator.config()).await;
    let tenant = rig.tenant();
    rig.seed(&tenant, 24, 2).await;
    let job = rig.stored_job(&tenant).await;
    // The worker's clients give up on a silent emulator in seconds.
    let timeouts = AwsTimeouts {
        connect: Duration::from_secs(1),
        read: Duration::from_secs(2),
        attempt: Duration::from_secs(3),
        operation: Duration::from_secs(6),
    };
    let clients = AwsClients::from_settings_with(&rig.stack.config.aws, &timeouts).await;
    let stores = AwsStores::new(&clients, &rig.stack.config.resources);
    let worker = Arc::new(Worker::new(WorkerDeps {
        custody: None,
        jobs: stores.jobs.clone(),
        artifacts: stores.artifacts.clone(),
        lake: Arc::new(SlowLake {
            inner: stores.lake.clone(),
            delay: Duration::from_millis(100),
        }),
        engine: EngineOptions {
            progress_interval: HEARTBEAT,
            concurrency: 2,
            ..EngineOptions::default()
        },
        lease: LEASE,
        max_attempts: 3,
        pseudonym_key: "k".into(),
    }));
    let (w, t, j) = (worker.clone(), tenant.clone(), job.id.clone());
    let first = tokio::spawn(async move { w.process(&t, &j, 1).await });
    tokio::time::sleep(Duration::from_millis(700)).await;
    emulator.pause();
    let paused_at = Instant::now();
    let first = first.await.unwrap();
    let gave_up = paused_at.elapsed();
    tokio::time::sleep(Duration::from_secs(30).saturating_sub(paused_at.elapsed())).await;
    emulator.resume();
    assert_eq!(first, Disposition::Retry, "a stalled emulator is retryable");

    // Redeliveries (as SQS would make them) until one completes.
    let mut receive = 2;
    let outcome = loop {
        let outcome = worker.process(&tenant, &job.id, receive).await;
        if outcome == Disposition::Done || receive == 3 {
            break outcome;
        }
        receive += 1;
        tokio::time::sleep(LEASE).await;
    };
    assert_eq!(outcome, Disposition::Done);
    assert_one_matching_artifact(&rig, &job).await;
    println!(
        "fault: emulator paused 30 s -> the worker gave up after {:.1} s, completed on receive {receive}",
        gave_up.as_secs_f64()
    );
}

#[tokio::test]
async fn a_get_object_whose_headers_never_arrive_is_a_retryable_error_not_a_hang() {
    // A server that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            sockets.push(socket);
        }
    });
    let mut config = crate::app::fresh_config();
    config.aws.endpoint_url = Some(format!("http://{addr}"));
    let timeouts = AwsTimeouts {
        connect: Duration::from_secs(1),
        read: Duration::from_secs(1),
        attempt: Duration::from_secs(2),
        operation: Duration::from_secs(5),
    };
    let clients = AwsClients::from_settings_with(&config.aws, &timeouts).await;
    let lake = AwsStores::new(&clients, &config.resources).lake;
    let object = SourceObject {
        key: "events/tenant=acme/dt=2026-05-01/hour=00/a.ndjson".into(),
        size: 1,
        etag: String::new(),
    };
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(20), lake.open(&object))
        .await
        .expect("the read gives up by itself");
    let error = result.err().expect("a stalled read is an error");
    assert!(error.retryable, "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    held.abort();
}

#[tokio::test]
async fn with_the_emulator_frozen_the_api_answers_503_problem_within_its_timeout() {
    // A frozen DynamoDB/S3 took the API ~91 s to answer (three 30-second
    // reads); API Gateway cuts at 29 s with a bare 504. The API's clients
    // give up after KT_API_AWS_TIMEOUT_MS (here 2 s) and say 503.
    let emulator = PrivateEmulator::start();
    let mut config = emulator.config();
    config.dev_jwt_secret = crate::app::SECRET.into();
    config.api_aws_timeout = Duration::from_secs(2);
    let app = crate::app::spawn_app_with(config, false).await;
    let tenant = crate::app::unique("frozen");
    let id = app
        .create(
            &tenant,
            serde_json::json!({"type": "events", "format": "csv",
                               "date_from": "2026-05-01", "date_to": "2026-05-01"}),
        )
        .await;
    let path = format!("/v1/export-jobs/{id}");
    emulator.pause();
    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(15), app.get(&tenant, &path))
        .await
        .expect("an answer before API Gateway's 29 s, not a hang");
    let took = started.elapsed();
    emulator.resume();
    assert_eq!(answer.status(), 503);
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    assert_eq!(
        answer.headers()["content-type"],
        kt_service::http::PROBLEM_JSON
    );
    assert!(answer.headers().contains_key("retry-after"));
    let problem: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(
        problem["type"],
        "urn:kt-exports:problem:temporarily-unavailable"
    );
    let text = problem.to_string().to_lowercase();
    assert!(
        !text.contains("timeout") && !text.contains("dynamodb"),
        "{problem}"
    );
    // Thawed, the same request answers.
    assert_eq!(app.get(&tenant, &path).await.status(), 200);
    println!("fault: emulator frozen -> the API answered 503 after {took:.1?}");
}

#[tokio::test]
async fn under_load_every_job_ends_refusals_are_429_and_counters_return_to_zero() {
    use crate::app::{spawn_app_with, token};
    // A private emulator whose DynamoDB isolates transactions as DynamoDB
    // does (the shared one may be a plain moto, which loses writes here).
    let emulator = PrivateEmulator::start();
    let mut config = emulator.config();
    config.dev_jwt_secret = crate::app::SECRET.into();
    config.max_active_jobs = 10;
    let app = spawn_app_with(config, true).await;
    let tenants: Vec<String> = (0..10).map(|_| crate::app::unique("load")).collect();
    for tenant in &tenants {
        app.put_lake_object(
            &format!("events/tenant={tenant}/dt=2026-05-01/hour=10/a.ndjson"),
            &[format!(
                "{{\"event_id\":\"e1\",\"ts\":\"2026-05-01T10:00:00.000Z\",\"tenant_id\":\"{tenant}\",\"event_type\":\"x\"}}"
            )],
            0,
        )
        .await;
    }
    let body = serde_json::json!({"type": "events", "format": "csv", "date_from": "2026-05-01", "date_to": "2026-05-01"});
    let started = Instant::now();
    let mut creates = tokio::task::JoinSet::new();
    for i in 0..200 {
        let tenant = tenants[i % 10].clone();
        let (http, url, body) = (app.http.clone(), app.url("/v1/export-jobs"), body.clone());
        creates.spawn(async move {
            let r = http
                .post(url)
                .bearer_auth(token(&tenant, &["exports:read", "exports:write"]))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let retry_after = r.headers().get("retry-after").is_some();
            let job: serde_json::Value = r.json().await.unwrap();
            (
                tenant,
                status,
                retry_after,
                job["id"].as_str().map(str::to_string),
            )
        });
    }
    let (mut accepted, mut refused) = (Vec::new(), 0);
    while let Some(done) = creates.join_next().await {
        let (tenant, status, retry_after, id) = done.unwrap();
        match status {
            202 => accepted.push((tenant, id.unwrap())),
            429 => {
                assert!(retry_after, "a 429 without Retry-After");
                refused += 1;
            }
            other => panic!("create answered {other}"),
        }
    }
    let created_in = started.elapsed();
    assert_eq!(accepted.len() + refused, 200, "nothing lost");
    let mut completed = 0;
    for (tenant, id) in &accepted {
        let job = app.wait_done(tenant, id).await;
        assert!(
            matches!(
                job["status"].as_str(),
                Some("completed" | "failed" | "canceled")
            ),
            "{tenant} {id}: {job}"
        );
        if job["status"] == "completed" {
            completed += 1;
        }
    }
    let drained = started.elapsed();
    let rig = Rig {
        stores: AwsStores::new(&app.stack.clients, &app.stack.config.resources),
        stack: LocalStack::connect(app.stack.config.clone()).await.unwrap(),
    };
    for tenant in &tenants {
        let tenant = TenantId::parse(tenant).unwrap();
        assert_eq!(rig.active(&tenant).await, 0, "{tenant}'s counter");
    }
    println!(
        "load: 200 creates over 10 tenants: accepted {}, refused {refused} (all 429 + Retry-After), \
         completed {completed}, creates took {:.1} s, drained in {:.1} s",
        accepted.len(),
        created_in.as_secs_f64(),
        drained.as_secs_f64()
    );
}
