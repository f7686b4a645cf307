use super::*;
use chrono::TimeDelta;
use kt_domain::{ExportFormat, ExportType, JobStatus};

fn tenant(s: &str) -> TenantId {
    TenantId::parse(s).unwrap()
}
fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-01T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A queued job for `tenant` with `request_hash`.
fn queued(tenant_id: &TenantId, hash: &str) -> Job {
    Job {
        id: JobId::new(),
        tenant_id: tenant_id.clone(),
        export_type: ExportType::Events,
        format: ExportFormat::Csv,
        status: JobStatus::Queued,
        timezone: "UTC".into(),
        window_start: t0() - TimeDelta::days(1),
        window_end: t0(),
        label: None,
        expires_in_days: 7,
        created_at: t0(),
        created_by: "u_1".into(),
        started_at: None,
        completed_at: None,
        expires_at: None,
        file_name: "kt_2026-05-31_to_2026-05-31.csv".into(),
        event_count: None,
        progress: 0.0,
        size_bytes: None,
        sha256: None,
        content_type: "text/csv".into(),
        stats: None,
        error: None,
        artifact_key: None,
        lease_until: None,
        attempts: 0,
        request_hash: Some(hash.into()),
        origin: None,
        requeues: 0,
        requeued_at: None,
        retention_days: None,
        retained_until: None,
    }
}

fn completion() -> Completion {
    Completion {
        completed_at: t0(),
        expires_at: t0() + TimeDelta::days(7),
        event_count: 3,
        size_bytes: 10,
        sha256: "ab".repeat(32),
        stats: JobStats::default(),
        artifact_key: "exports/acme/x/file.csv".into(),
        retained_until: None,
    }
}

fn done(t: Transition) -> Job {
    match t {
        Transition::Done(j) => j,
        other => panic!("expected Done, got {other:?}"),
    }
}
fn conflict(t: Transition) -> Job {
    match t {
        Transition::Conflict(j) => j,
        other => panic!("expected Conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn create_enforces_the_active_limit_per_tenant() {
    let store = MemoryJobStore::new();
    let (acme, globex) = (tenant("acme"), tenant("globex"));
    for _ in 0..2 {
        let out = store.create(&queued(&acme, "h"), None, 2).await.unwrap();
        assert!(matches!(out, CreateOutcome::Created(_)));
    }
    let third = store.create(&queued(&acme, "h"), None, 2).await.unwrap();
    assert!(matches!(third, CreateOutcome::TooManyActive));
    assert_eq!(store.active_count(&acme), 2);
    // Another tenant has its own budget.
    let other = store.create(&queued(&globex, "h"), None, 2).await.unwrap();
    assert!(matches!(other, CreateOutcome::Created(_)));
}

#[tokio::test]
async fn leaving_queued_or_processing_frees_a_slot() {
    let store = MemoryJobStore::new();
    let acme = tenant("acme");
    let a = queued(&acme, "h");
    let b = queued(&acme, "h");
    store.create(&a, None, 2).await.unwrap();
    store.create(&b, None, 2).await.unwrap();
    done(store.cancel(&acme, &a.id, t0()).await.unwrap());
    let claimed = done(
        store
            .claim(&acme, &b.id, t0(), t0() + TimeDelta::minutes(2))
            .await
            .unwrap(),
    );
    assert_eq!(store.active_count(&acme), 1, "processing still counts");
    done(
        store
            .complete(&acme, &b.id, claimed.attempts, &completion())
            .await
            .unwrap(),
    );
    assert_eq!(store.active_count(&acme), 0);
    let c = store.create(&queued(&acme, "h"), None, 1).await.unwrap();
    assert!(matches!(c, CreateOutcome::Created(_)));
}

#[tokio::test]
async fn idempotency_keys_replay_the_same_request_and_refuse_a_different_one() {
    let store = MemoryJobStore::new();
    let (acme, globex) = (tenant("acme"), tenant("globex"));
    let first = queued(&acme, "hash-1");
    store.create(&first, Some("k1"), 10).await.unwrap();
    match store
        .create(&queued(&acme, "hash-1"), Some("k1"), 10)
        .await
        .unwrap()
    {
        CreateOutcome::Replayed(j) => assert_eq!(j.id, first.id),
        other => panic!("{other:?}"),
    }
    let mismatch = store
        .create(&queued(&acme, "hash-2"), Some("k1"), 10)
        .await
        .unwrap();
    assert!(matches!(mismatch, CreateOutcome::IdempotencyConflict));
    // Keys belong to a tenant.
    let theirs = store
        .create(&queued(&globex, "hash-2"), Some("k1"), 10)
        .await
        .unwrap();
    assert!(matches!(theirs, CreateOutcome::Created(_)));
    // A replay is not refused by the active limit, and does not count twice.
    let replay = store
        .create(&queued(&acme, "hash-1"), Some("k1"), 1)
        .await
        .unwrap();
    assert!(matches!(replay, CreateOutcome::Replayed(_)));
    assert_eq!(store.active_count(&acme), 1);
}

#[tokio::test]
async fn claim_takes_queued_jobs_and_expired_leases_only() {
    let store = MemoryJobStore::new();
    let acme = tenant("acme");
    let job = queued(&acme, "h");
    store.create(&job, None, 10).await.unwrap();
    let lease = t0() + TimeDelta::minutes(2);
    let first = done(store.claim(&acme, &job.id, t0(), lease).await.unwrap());
    assert_eq!(first.status, JobStatus::Processing);
    assert_eq!(first.attempts, 1);
    assert_eq!(first.started_at, Some(t0()));
    // A live lease is not taken over.
    let live = conflict(
        store
            .claim(&acme, &job.id, t0() + TimeDelta::minutes(1), lease)
            .await
            .unwrap(),
    );
    assert_eq!(live.attempts, 1);
    // An expired one is, and the old attempt loses the job.
    let later = t0() + TimeDelta::minutes(3);
    let second = done(
        store
            .claim(&acme, &job.id, later, later + TimeDelta::minutes(2))
            .await
            .unwrap(),
    );
    assert_eq!(second.attempts, 2);
    assert_eq!(second.started_at, Some(t0()), "first start is kept");
    conflict(
        store
            .heartbeat(&acme, &job.id, 1, 0.5, 10, later)
            .await
            .unwrap(),
    );
    conflict(
        store
            .complete(&acme, &job.id, 1, &completion())
            .await
            .unwrap(),
    );
    let beat = done(
        store
            .heartbeat(&acme, &job.id, 2, 0.5, 10, later + TimeDelta::minutes(5))
            .await
            .unwrap(),
    );
    assert_eq!((beat.progress, beat.event_count), (0.5, Some(10)));
    let finished = done(
        store
            .complete(&acme, &job.id, 2, &completion())
            .await
            .unwrap(),
    );
    assert_eq!(finished.status, JobStatus::Completed);
    assert_eq!(
        finished.artifact_key.as_deref(),
        Some("exports/acme/x/file.csv")
    );
    assert_eq!(finished.lease_until, None);
    // Nothing moves a completed job.
    conflict(store.claim(&acme, &job.id, later, later).await.unwrap());
    conflict(store.cancel(&acme, &job.id, later).await.unwrap());
}

#[tokio::test]
async fn fail_without_attempt_only_fails_queued_jobs() {
    let store = MemoryJobStore::new();
    let acme = tenant("acme");
    let job = queued(&acme, "h");
    store.create(&job, None, 10).await.unwrap();
    let err = JobError {
        code: "enqueue_failed".into(),
        message: "try again".into(),
    };
    let failed = done(
        store
            .fail(&acme, &job.id, None, &err, None, t0())
            .await
            .unwrap(),
    );
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(failed.error, Some(err.clone()));
    assert_eq!(store.active_count(&acme), 0);

    let running = queued(&acme, "h");
    store.create(&running, None, 10).await.unwrap();
    done(store.claim(&acme, &running.id, t0(), t0()).await.unwrap());
    conflict(
        store
            .fail(&acme, &running.id, None, &err, None, t0())
            .await
            .unwrap(),
    );
    conflict(
        store
            .fail(&acme, &running.id, Some(7), &err, None, t0())
            .await
            .unwrap(),
    );
    let stats = JobStats {
        lines_read: 5,
        ..JobStats::default()
    };
    let f = done(
        store
            .fail(&acme, &running.id, Some(1), &err, Some(&stats), t0())
            .await
            .unwrap(),
    );
    assert_eq!(f.stats, Some(stats));
}

#[tokio::test]
async fn jobs_are_only_reachable_by_their_tenant() {
    let store = MemoryJobStore::new();
    let (acme, globex) = (tenant("acme"), tenant("globex"));
    let job = queued(&acme, "h");
    store.create(&job, None, 10).await.unwrap();
    assert!(store.get(&globex, &job.id).await.unwrap().is_none());
    assert!(matches!(
        store.cancel(&globex, &job.id, t0()).await.unwrap(),
        Transition::NotFound
    ));
    assert!(store.get(&acme, &job.id).await.unwrap().is_some());
}

#[tokio::test]
async fn list_pages_newest_first() {
    let store = MemoryJobStore::new();
    let (acme, globex) = (tenant("acme"), tenant("globex"));
    let mut ids = Vec::new();
    for _ in 0..5 {
        let j = queued(&acme, "h");
        ids.push(j.id.clone());
        store.insert(j);
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    store.insert(queued(&globex, "h"));
    ids.reverse();
    let (page1, next) = store.list(&acme, None, 2).await.unwrap();
    assert_eq!(
        page1.iter().map(|j| j.id.clone()).collect::<Vec<_>>(),
        ids[..2]
    );
    assert_eq!(next.as_ref(), Some(&ids[1]));
    let (page2, next) = store.list(&acme, next.as_ref(), 2).await.unwrap();
    assert_eq!(
        page2.iter().map(|j| j.id.clone()).collect::<Vec<_>>(),
        ids[2..4]
    );
    let (page3, next) = store.list(&acme, next.as_ref(), 2).await.unwrap();
    assert_eq!(page3.len(), 1);
    assert_eq!(page3[0].id, ids[4]);
    assert_eq!(next, None);
}

#[tokio::test]
async fn injected_failures_surface_as_store_errors() {
    let store = MemoryJobStore::new();
    store.fail_with(Some(StoreError::Transient("throttled".into())));
    let err = store.get(&tenant("acme"), &JobId::new()).await.unwrap_err();
    assert!(err.is_retryable());
    store.fail_with(None);
    assert!(
        store
            .get(&tenant("acme"), &JobId::new())
            .await
            .unwrap()
            .is_none()
    );

    let queue = MemoryJobQueue::new();
    queue.fail_with(Some(StoreError::Permanent("no queue".into())));
    assert!(queue.enqueue(&tenant("acme"), &JobId::new()).await.is_err());
    assert!(queue.messages().is_empty());
    queue.fail_with(None);
    let id = JobId::new();
    queue.enqueue(&tenant("acme"), &id).await.unwrap();
    assert_eq!(queue.take(), vec![(tenant("acme"), id)]);
    assert!(queue.messages().is_empty());
}

#[tokio::test]
async fn a_key_whose_job_record_expired_is_free_again() {
    let store = MemoryJobStore::new();
    let acme = tenant("acme");
    let first = queued(&acme, "hash-1");
    store.create(&first, Some("k1"), 10).await.unwrap();
    store.cancel(&acme, &first.id, t0()).await.unwrap();
    // TTL removed the job's record; its key outlived it.
    store.expire_record(&acme, &first.id);
    let again = queued(&acme, "hash-1");
    match store.create(&again, Some("k1"), 10).await.unwrap() {
        CreateOutcome::Created(j) => assert_eq!(j.id, again.id),
        other => panic!("{other:?}"),
    }
    match store
        .create(&queued(&acme, "hash-1"), Some("k1"), 10)
        .await
        .unwrap()
    {
        CreateOutcome::Replayed(j) => assert_eq!(j.id, again.id),
        other => panic!("{other:?}"),
    }
}
