//! The worker over in-memory stores and an in-memory lake: completion,
//! cancel, retry with lease release, and failures that say why.
use super::{Disposition, Worker, WorkerDeps};
use crate::job_creation::{ExportRequest, Requester};
use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use kt_domain::{DateBound, ExportFormat, ExportType, JobError, JobId, JobStatus, TenantId};
use kt_engine::{EngineOptions, LakeSource, SourceError, SourceObject};
use kt_store::memory::{MemoryArtifactStore, MemoryJobStore};
use kt_store::{JobStore, Transition};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncRead;

mod custody;
mod poller;
mod store_failures;

/// A lake in memory; `open` can be made to fail, or to run a hook first.
#[derive(Default)]
struct FakeLake {
    objects: BTreeMap<String, Vec<u8>>,
    fail_open: Mutex<Option<SourceError>>,
    on_open: Mutex<Option<Box<dyn FnMut() + Send>>>,
    /// When set, objects open as streams that never yield a byte (a stalled read);
    /// the writing ends are kept here so the reads neither end nor fail.
    stall: Mutex<Option<Vec<tokio::io::DuplexStream>>>,
    /// A slow read: each open waits this long first.
    open_delay: Option<std::time::Duration>,
}

#[async_trait]
impl LakeSource for FakeLake {
    async fn list(&self, prefix: &str) -> Result<Vec<SourceObject>, SourceError> {
        Ok(self
            .objects
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| SourceObject {
                key: k.clone(),
                size: v.len() as u64,
                etag: "e".into(),
            })
            .collect())
    }
    async fn open(
        &self,
        object: &SourceObject,
    ) -> Result<Box<dyn AsyncRead + Send + Unpin>, SourceError> {
        if let Some(delay) = self.open_delay {
            tokio::time::sleep(delay).await;
        }
        if let Some(hook) = self.on_open.lock().unwrap().as_mut() {
            hook();
        }
        if let Some(e) = self.fail_open.lock().unwrap().clone() {
            return Err(e);
        }
        if let Some(writers) = self.stall.lock().unwrap().as_mut() {
            let (reader, writer) = tokio::io::duplex(64);
            writers.push(writer);
            return Ok(Box::new(reader));
        }
        Ok(Box::new(std::io::Cursor::new(
            self.objects[&object.key].clone(),
        )))
    }
}

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn lake() -> FakeLake {
    let mut lake = FakeLake::default();
    let line = |id: &str, ts: &str| {
        format!(
            r#"{{"event_id":"{id}","ts":"{ts}","tenant_id":"acme","event_type":"gateway.request"}}"#
        )
    };
    lake.objects.insert(
        "events/tenant=acme/dt=2026-05-01/hour=10/a.ndjson".into(),
        format!(
            "{}\n{}\n",
            line("b", "2026-05-01T10:30:00.000Z"),
            line("a", "2026-05-01T10:00:00.000Z")
        )
        .into_bytes(),
    );
    lake
}

struct Fixture {
    jobs: Arc<MemoryJobStore>,
    artifacts: Arc<MemoryArtifactStore>,
    lake: Arc<FakeLake>,
}

impl Fixture {
    /// The job's failure, once it has failed (any other status fails the test).
    async fn failure(&self, id: &JobId) -> JobError {
        let job = self.jobs.get(&tenant(), id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Failed);
        job.error.unwrap()
    }

    fn new(lake: FakeLake) -> Self {
        Self {
            jobs: Arc::new(MemoryJobStore::new()),
            artifacts: Arc::new(MemoryArtifactStore::new()),
            lake: Arc::new(lake),
        }
    }

    fn worker(&self) -> Worker {
        Worker::new(WorkerDeps {
            jobs: self.jobs.clone(),
            artifacts: self.artifacts.clone(),
            lake: self.lake.clone(),
            engine: EngineOptions {
                progress_interval: Duration::from_millis(1),
                ..EngineOptions::default()
            },
            lease: Duration::from_secs(60),
            max_attempts: 3,
            pseudonym_key: "k".into(),
            custody: None,
        })
    }

    async fn queued_job(&self) -> kt_domain::Job {
        let request = ExportRequest {
            export_type: ExportType::Events,
            format: ExportFormat::Csv,
            date_from: DateBound::parse("2026-05-01").unwrap(),
            date_to: DateBound::parse("2026-05-01").unwrap(),
            timezone: chrono_tz::UTC,
            label: None,
            expires_in_days: 7,
            retention_days: None,
        };
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let window = request.resolve_window(now).unwrap();
        let requester = Requester {
            tenant: tenant(),
            created_by: "u1".into(),
            origin: None,
        };
        let job = request.into_job(&window, requester, now);
        self.jobs.create(&job, None, 10).await.unwrap();
        job
    }
}

#[tokio::test]
async fn a_job_completes_with_the_artifacts_size_hash_and_expiry() {
    let f = Fixture::new(lake());
    let job = f.queued_job().await;

    assert_eq!(
        f.worker().process(&tenant(), &job.id, 1).await,
        Disposition::Done
    );

    let done = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Completed);
    assert_eq!(done.event_count, Some(2));
    let key = done.artifact_key.clone().unwrap();
    assert_eq!(
        key,
        // Under its expiry prefix (7 days), named by the claim that wrote it.
        format!(
            "exports/7d/acme/{}/1/kt_2026-05-01_to_2026-05-01.csv",
            job.id
        )
    );
    let artifact = f.artifacts.get(&key).expect("artifact stored");
    assert_eq!(done.size_bytes, Some(artifact.bytes.len() as u64));
    assert_eq!(
        done.sha256.as_deref(),
        Some(hex::encode(Sha256::digest(&artifact.bytes)).as_str())
    );
    let completed_at = done.completed_at.unwrap();
    assert_eq!(
        done.expires_at,
        Some(completed_at + chrono::Duration::days(7))
    );
    assert_eq!(f.jobs.active_count(&tenant()), 0);
    let text = String::from_utf8(artifact.bytes.to_vec()).unwrap();
    let ids: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["a", "b"]);
}

#[tokio::test]
async fn a_cancel_during_the_export_stops_it_and_records_no_result() {
    let f = Fixture::new(lake());
    let job = f.queued_job().await;
    let (jobs, t, id) = (f.jobs.clone(), tenant(), job.id.clone());
    *f.lake.on_open.lock().unwrap() = Some(Box::new(move || {
        let (jobs, t, id) = (jobs.clone(), t.clone(), id.clone());
        // The store is in memory: cancel synchronously from inside the read.
        futures::executor::block_on(async move { jobs.cancel(&t, &id, Utc::now()).await.unwrap() });
    }));

    assert_eq!(
        f.worker().process(&tenant(), &job.id, 1).await,
        Disposition::Done
    );

    let after = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(after.status, JobStatus::Canceled);
    assert_eq!(after.sha256, None);
    assert_eq!(f.jobs.active_count(&tenant()), 0);
}

#[tokio::test]
async fn a_retryable_failure_releases_the_lease_so_the_redelivery_takes_over() {
    let f = Fixture::new(lake());
    let job = f.queued_job().await;
    *f.lake.fail_open.lock().unwrap() = Some(SourceError::new("k", "SlowDown", true));

    assert_eq!(
        f.worker().process(&tenant(), &job.id, 1).await,
        Disposition::Retry
    );
    let held = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(held.status, JobStatus::Processing);
    assert!(held.lease_until.unwrap() <= Utc::now(), "lease released");

    *f.lake.fail_open.lock().unwrap() = None;
    assert_eq!(
        f.worker().process(&tenant(), &job.id, 2).await,
        Disposition::Done
    );
    let done = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Completed);
    assert_eq!(done.attempts, 2);
}

#[tokio::test]
async fn the_last_attempt_fails_the_job_with_a_reason_instead_of_retrying() {
    let f = Fixture::new(lake());
    let job = f.queued_job().await;
    *f.lake.fail_open.lock().unwrap() = Some(SourceError::new("k", "SlowDown", true));

    assert_eq!(
        f.worker().process(&tenant(), &job.id, 3).await,
        Disposition::Done
    );

    let error = f.failure(&job.id).await;
    assert_eq!(error.code, "source_unreadable");
    assert!(
        error.message.contains("after 3 attempts"),
        "{}",
        error.message
    );
    assert_eq!(f.jobs.active_count(&tenant()), 0);
    // The trail says so, with the reason the job shows.
    let trail = kt_store::ShareStore::audit(f.jobs.as_ref(), &tenant(), &job.id)
        .await
        .unwrap();
    let last = trail.last().unwrap();
    assert_eq!(last.event, kt_domain::share::AuditEvent::Failed);
    assert_eq!(
        last.by,
        kt_domain::share::AuditActor::Service("worker".into())
    );
    assert_eq!(last.error.as_ref(), Some(&error));
}

#[tokio::test]
async fn a_job_that_is_not_queued_is_not_run_again() {
    let f = Fixture::new(lake());
    let job = f.queued_job().await;
    let now = Utc::now();
    let claimed = f
        .jobs
        .claim(&tenant(), &job.id, now, now + chrono::Duration::seconds(60))
        .await
        .unwrap();
    assert!(matches!(claimed, Transition::Done(_)));

    // Another worker holds a live lease: no second export, but the message is
    // kept, so the job can be taken over if that worker dies.
    assert_eq!(
        f.worker().process(&tenant(), &job.id, 2).await,
        Disposition::Retry
    );
    let held = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!((held.status, held.attempts), (JobStatus::Processing, 1));
    assert!(f.artifacts.keys().is_empty());
}

#[tokio::test]
async fn an_export_still_running_at_the_deadline_is_released_then_failed_not_left_processing() {
    let f = Fixture::new(lake());
    *f.lake.stall.lock().unwrap() = Some(Vec::new());
    let job = f.queued_job().await;
    let deadline =
        || Some(Utc::now() + super::DEADLINE_MARGIN + chrono::Duration::milliseconds(200));

    let first = tokio::time::timeout(
        Duration::from_secs(10),
        f.worker().process_until(&tenant(), &job.id, 1, deadline()),
    )
    .await
    .expect("the worker gives up before the deadline");
    assert_eq!(first, Disposition::Retry);
    let held = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(held.status, JobStatus::Processing);
    assert!(held.lease_until.unwrap() <= Utc::now(), "lease released");

    let last = f
        .worker()
        .process_until(&tenant(), &job.id, 3, deadline())
        .await;
    assert_eq!(last, Disposition::Done);
    assert_eq!(f.failure(&job.id).await.code, "timed_out");
    assert_eq!(f.jobs.active_count(&tenant()), 0);
}

#[tokio::test]
async fn a_job_whose_worker_died_is_taken_over_by_the_kept_message() {
    let f = Fixture::new(lake());
    let job = f.queued_job().await;
    let now = Utc::now();
    // A worker claimed the job and died (its lease is still live).
    f.jobs
        .claim(
            &tenant(),
            &job.id,
            now,
            now + chrono::Duration::milliseconds(300),
        )
        .await
        .unwrap();
    assert_eq!(
        f.worker().process(&tenant(), &job.id, 2).await,
        Disposition::Retry
    );

    // The message comes back after the lease has lapsed: the job is taken over.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        f.worker().process(&tenant(), &job.id, 3).await,
        Disposition::Done
    );
    let done = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!((done.status, done.attempts), (JobStatus::Completed, 2));
}

mod sweeper;

#[tokio::test]
async fn after_the_deadline_no_object_is_opened_and_the_writer_stops() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Many small objects, each slow to open: the export outlives the deadline.
    let mut lake = lake();
    for hour in 0..24 {
        for n in 0..10 {
            lake.objects.insert(
                format!("events/tenant=acme/dt=2026-05-01/hour={hour:02}/{n}.ndjson"),
                format!(
                    "{{\"event_id\":\"e{hour}-{n}\",\"ts\":\"2026-05-01T{hour:02}:00:00.000Z\",\"tenant_id\":\"acme\",\"event_type\":\"x\"}}\n"
                )
                .into_bytes(),
            );
        }
    }
    lake.open_delay = Some(Duration::from_millis(20));
    let opened = Arc::new(AtomicUsize::new(0));
    let counter = opened.clone();
    *lake.on_open.lock().unwrap() = Some(Box::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    }));
    let f = Fixture::new(lake);
    let job = f.queued_job().await;
    let deadline = Utc::now() + super::DEADLINE_MARGIN + chrono::Duration::milliseconds(300);

    let outcome = f
        .worker()
        .process_until(&tenant(), &job.id, 1, Some(deadline))
        .await;
    assert_eq!(outcome, Disposition::Retry);
    let at_deadline = opened.load(Ordering::SeqCst);
    assert!(at_deadline < 241, "the export finished before its deadline");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let later = opened.load(Ordering::SeqCst);
    // Opens already under way may land; nothing new starts.
    let concurrency = EngineOptions::default().concurrency;
    assert!(
        later <= at_deadline + concurrency,
        "{} objects opened after the deadline",
        later - at_deadline
    );
    assert!(f.artifacts.keys().is_empty());
}

#[tokio::test]
async fn a_corrupt_lake_object_is_named_in_the_reason_not_blamed_on_the_bucket() {
    // Before: "The event lake could not be read. Check that the events bucket
    // exists and that the export service may read it." for one bad object.
    let mut lake = lake();
    let key = "events/tenant=acme/dt=2026-05-01/hour=10/b.ndjson.gz";
    lake.objects
        .insert(key.into(), b"\x1f\x8b\x08\x00not gzip at all".to_vec());
    let f = Fixture::new(lake);
    let job = f.queued_job().await;

    assert_eq!(
        f.worker().process(&tenant(), &job.id, 1).await,
        Disposition::Done
    );
    let error = f.failure(&job.id).await;
    assert_eq!(error.code, "source_unreadable");
    assert!(error.message.contains(key), "{}", error.message);
    assert!(
        error.message.contains("not valid gzip"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("bucket"), "{}", error.message);
}

#[tokio::test]
async fn a_failed_jobs_message_names_no_aws_error_bucket_or_arn() {
    let f = Fixture::new(lake());
    let job = f.queued_job().await;
    let aws_text = std::io::Error::other(
        "AccessDenied: arn:aws:iam::123456789012:role/kt-worker may not s3:GetObject on kt-events-prod",
    );
    *f.lake.fail_open.lock().unwrap() =
        Some(SourceError::new("k", "reading the object", false).caused_by(aws_text));

    assert_eq!(
        f.worker().process(&tenant(), &job.id, 1).await,
        Disposition::Done
    );
    let error = f.failure(&job.id).await;
    assert_eq!(error.code, "source_unreadable");
    for leak in ["arn:", "AccessDenied", "kt-events-prod", "123456789012"] {
        assert!(
            !error.message.contains(leak),
            "{leak} in {:?}",
            error.message
        );
    }
}
