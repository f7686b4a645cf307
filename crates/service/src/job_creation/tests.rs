use super::*;
use kt_store::memory::{MemoryJobQueue, MemoryJobStore};

fn now() -> DateTime<Utc> {
    "2026-06-15T12:00:00Z".parse().unwrap()
}

fn acme() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn may(format: ExportFormat) -> ExportRequest {
    ExportRequest {
        export_type: ExportType::Events,
        format,
        date_from: DateBound::parse("2026-05-01").unwrap(),
        date_to: DateBound::parse("2026-05-31").unwrap(),
        timezone: chrono_tz::Europe::Madrid,
        label: None,
        expires_in_days: 7,
        retention_days: None,
    }
}

fn job(format: ExportFormat) -> Job {
    let request = may(format);
    let window = request.resolve_window(now()).unwrap();
    let requester = Requester {
        tenant: acme(),
        created_by: "schedule:test".into(),
        origin: Some("schedule:test".into()),
    };
    request.into_job(&window, requester, now())
}

#[test]
fn the_job_carries_the_requester_and_the_resolved_window() {
    let j = job(ExportFormat::ComplianceAll);
    assert_eq!(j.tenant_id, acme());
    assert_eq!(j.created_by, "schedule:test");
    assert_eq!(j.origin.as_deref(), Some("schedule:test"));
    assert_eq!(
        j.window_start,
        "2026-04-30T22:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(
        j.file_name,
        "kt_2026-05-01_to_2026-05-31_compliance-all.tar.gz"
    );
    assert_eq!(j.content_type, "application/gzip");
    assert_eq!(
        j.request_hash,
        Some(may(ExportFormat::ComplianceAll).request_hash())
    );
}

#[tokio::test]
async fn a_new_job_is_stored_and_queued_and_a_replay_is_not_queued_again() {
    let (store, queue) = (MemoryJobStore::new(), MemoryJobQueue::new());
    let creator = JobCreator::new(&store, &queue, 10);
    let first = creator
        .submit(job(ExportFormat::Csv), Some("k"), now())
        .await
        .unwrap();
    let Submitted::Queued(first) = first else {
        panic!("expected queued, got {first:?}")
    };
    let again = creator
        .submit(job(ExportFormat::Csv), Some("k"), now())
        .await
        .unwrap();
    assert!(
        matches!(&again, Submitted::Replayed(j) if j.id == first.id),
        "{again:?}"
    );
    let other = creator
        .submit(job(ExportFormat::Json), Some("k"), now())
        .await
        .unwrap();
    assert!(matches!(other, Submitted::IdempotencyConflict), "{other:?}");
    assert_eq!(queue.messages(), vec![(acme(), first.id)]);
}

#[tokio::test]
async fn the_active_limit_is_reported_with_its_value() {
    let (store, queue) = (MemoryJobStore::new(), MemoryJobQueue::new());
    let creator = JobCreator::new(&store, &queue, 1);
    creator
        .submit(job(ExportFormat::Csv), None, now())
        .await
        .unwrap();
    let r = creator
        .submit(job(ExportFormat::Csv), None, now())
        .await
        .unwrap();
    assert!(matches!(r, Submitted::TooManyActive { limit: 1 }), "{r:?}");
    assert_eq!(queue.messages().len(), 1);
}

#[tokio::test]
async fn a_job_the_queue_refuses_is_failed_and_frees_its_slot() {
    let (store, queue) = (MemoryJobStore::new(), MemoryJobQueue::new());
    queue.fail_with(Some(StoreError::Transient("sqs down".into())));
    let creator = JobCreator::new(&store, &queue, 1);
    let r = creator
        .submit(job(ExportFormat::Csv), Some("k"), now())
        .await
        .unwrap();
    let Submitted::EnqueueFailed { job, error } = r else {
        panic!("expected enqueue failure, got {r:?}")
    };
    assert!(error.is_retryable());
    assert_eq!(job.status, JobStatus::Failed);
    assert!(was_never_queued(&job));
    assert_eq!(store.active_count(&acme()), 0);
    // Its trail: created, then failed by its creator (this test job's
    // schedule; `api` for a request) with the job's reason.
    let trail = kt_store::ShareStore::audit(&store, &acme(), &job.id)
        .await
        .unwrap();
    let events: Vec<_> = trail.iter().map(|e| e.event).collect();
    use kt_domain::share::{AuditActor, AuditEvent};
    assert_eq!(events, [AuditEvent::Created, AuditEvent::Failed]);
    assert_eq!(job.origin.as_deref(), Some("schedule:test"));
    assert_eq!(trail[1].by, AuditActor::Service("schedule:test".into()));
    assert_eq!(trail[1].error, job.error);
}

#[tokio::test]
async fn a_store_failure_is_an_error_not_an_outcome() {
    let (store, queue) = (MemoryJobStore::new(), MemoryJobQueue::new());
    store.fail_with(Some(StoreError::Transient("throttled".into())));
    let creator = JobCreator::new(&store, &queue, 1);
    let r = creator.submit(job(ExportFormat::Csv), None, now()).await;
    assert!(matches!(r, Err(StoreError::Transient(_))), "{r:?}");
    assert!(queue.messages().is_empty());
}
