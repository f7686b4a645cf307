use chrono::{DateTime, Duration, Utc};
use kt_integration_tests::emulator_with_clients;
use kt_shared::domain::{
    ExportFormat, ExportType, Job, JobError, JobId, JobStats, JobStatus, TenantId,
};
use kt_shared::store::dynamo::DynamoJobStore;
use kt_shared::store::{Completion, CreateOutcome, JobStore, Transition};

const MAX: u32 = 10;

async fn store() -> DynamoJobStore {
    store_and_table().await.0
}

/// The store and, for looking at raw items, the client and table name.
async fn store_and_table() -> (DynamoJobStore, aws_sdk_dynamodb::Client, String) {
    let (config, clients) = emulator_with_clients().await;
    let store = DynamoJobStore::new(clients.dynamodb.clone(), &config.jobs_table);
    (store, clients.dynamodb, config.jobs_table)
}

fn tenant(name: &str) -> TenantId {
    TenantId::parse(name).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A queued job; ids are ULIDs, so jobs made later sort later.
fn new_job(tenant: &TenantId, request_hash: &str) -> Job {
    std::thread::sleep(std::time::Duration::from_millis(2));
    Job {
        id: JobId::new(),
        tenant_id: tenant.clone(),
        export_type: ExportType::Events,
        format: ExportFormat::Csv,
        status: JobStatus::Queued,
        timezone: "Europe/Madrid".into(),
        window_start: at("2026-04-30T22:00:00Z"),
        window_end: at("2026-05-31T22:00:00Z"),
        label: Some("May control check".into()),
        expires_in_days: 7,
        created_at: Utc::now(),
        created_by: "u_1042".into(),
        started_at: None,
        completed_at: None,
        expires_at: None,
        file_name: "kt_2026-05-01_to_2026-05-31.csv".into(),
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
        request_hash: Some(request_hash.into()),
        origin: None,
    }
}

async fn create(store: &DynamoJobStore, job: &Job) {
    match store.create(job, None, MAX).await.unwrap() {
        CreateOutcome::Created(created) => assert_eq!(&created, job),
        other => panic!("expected Created, got {other:?}"),
    }
}

fn done(t: Transition) -> Job {
    match t {
        Transition::Done(job) => job,
        other => panic!("expected Done, got {other:?}"),
    }
}

fn conflict(t: Transition) -> Job {
    match t {
        Transition::Conflict(job) => job,
        other => panic!("expected Conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn jobs_are_read_back_and_listed_newest_first_in_pages() {
    let store = store().await;
    let acme = tenant("acme");
    let mut ids = Vec::new();
    for _ in 0..5 {
        let job = new_job(&acme, "h");
        create(&store, &job).await;
        ids.push(job.id);
    }
    // Another tenant's job is neither listed nor readable by acme.
    let other = new_job(&tenant("globex"), "h");
    create(&store, &other).await;
    assert_eq!(store.get(&acme, &other.id).await.unwrap(), None);

    let first = store.get(&acme, &ids[0]).await.unwrap().unwrap();
    assert_eq!(first.label.as_deref(), Some("May control check"));

    let mut seen = Vec::new();
    let mut after = None;
    for _ in 0..10 {
        let (page, next) = store.list(&acme, after.as_ref(), 2).await.unwrap();
        assert!(page.len() <= 2);
        seen.extend(page.into_iter().map(|j| j.id));
        match next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_same_request_and_rejects_a_different_one() {
    let store = store().await;
    let acme = tenant("acme");
    let job = new_job(&acme, "hash-a");
    assert!(matches!(
        store.create(&job, Some("key-1"), MAX).await.unwrap(),
        CreateOutcome::Created(_)
    ));

    let retry = new_job(&acme, "hash-a");
    match store.create(&retry, Some("key-1"), MAX).await.unwrap() {
        CreateOutcome::Replayed(first) => assert_eq!(first.id, job.id),
        other => panic!("expected Replayed, got {other:?}"),
    }
    let different = new_job(&acme, "hash-b");
    assert!(matches!(
        store.create(&different, Some("key-1"), MAX).await.unwrap(),
        CreateOutcome::IdempotencyConflict
    ));
    // Neither retry created a job.
    let (jobs, _) = store.list(&acme, None, 10).await.unwrap();
    assert_eq!(jobs.len(), 1);
}

#[tokio::test]
async fn the_active_limit_refuses_jobs_until_one_is_canceled() {
    let store = store().await;
    let acme = tenant("acme");
    let first = new_job(&acme, "h");
    for job in [&first, &new_job(&acme, "h")] {
        assert!(matches!(
            store.create(job, None, 2).await.unwrap(),
            CreateOutcome::Created(_)
        ));
    }
    let third = new_job(&acme, "h");
    assert!(matches!(
        store.create(&third, None, 2).await.unwrap(),
        CreateOutcome::TooManyActive
    ));
    // Another tenant has its own counter.
    let other = new_job(&tenant("globex"), "h");
    assert!(matches!(
        store.create(&other, None, 2).await.unwrap(),
        CreateOutcome::Created(_)
    ));

    let canceled = done(store.cancel(&acme, &first.id, Utc::now()).await.unwrap());
    assert_eq!(canceled.status, JobStatus::Canceled);
    assert!(matches!(
        store.create(&third, None, 2).await.unwrap(),
        CreateOutcome::Created(_)
    ));
}

#[tokio::test]
async fn only_one_worker_holds_a_job_until_its_lease_passes() {
    let store = store().await;
    let acme = tenant("acme");
    let job = new_job(&acme, "h");
    create(&store, &job).await;
    let now = Utc::now();

    let claimed = done(
        store
            .claim(&acme, &job.id, now, now + Duration::minutes(2))
            .await
            .unwrap(),
    );
    assert_eq!(
        (claimed.status, claimed.attempts),
        (JobStatus::Processing, 1)
    );
    assert_eq!(claimed.started_at, Some(now));

    // A redelivery while the lease is live is refused.
    let second = conflict(
        store
            .claim(&acme, &job.id, now, now + Duration::minutes(2))
            .await
            .unwrap(),
    );
    assert_eq!(second.attempts, 1);

    // After the lease has passed, another worker takes over.
    let later = now + Duration::minutes(3);
    let taken = done(
        store
            .claim(&acme, &job.id, later, later + Duration::minutes(2))
            .await
            .unwrap(),
    );
    assert_eq!(taken.attempts, 2);
    assert_eq!(
        taken.started_at,
        Some(now),
        "started_at keeps the first start"
    );

    // The first worker's heartbeat no longer counts.
    let stale = store
        .heartbeat(&acme, &job.id, 1, 0.5, 10, later + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(conflict(stale).attempts, 2);
    let beat = store
        .heartbeat(&acme, &job.id, 2, 0.5, 10, later + Duration::minutes(5))
        .await
        .unwrap();
    let beat = done(beat);
    assert_eq!((beat.progress, beat.event_count), (0.5, Some(10)));

    assert!(matches!(
        store.claim(&acme, &JobId::new(), now, now).await.unwrap(),
        Transition::NotFound
    ));
}

#[tokio::test]
async fn completing_records_the_artifact_and_frees_a_slot() {
    let store = store().await;
    let acme = tenant("acme");
    let job = new_job(&acme, "h");
    assert!(matches!(
        store.create(&job, None, 1).await.unwrap(),
        CreateOutcome::Created(_)
    ));
    let now = Utc::now();
    done(
        store
            .claim(&acme, &job.id, now, now + Duration::minutes(2))
            .await
            .unwrap(),
    );

    let stats = JobStats {
        objects_read: 3,
        lines_read: 42,
        ..JobStats::default()
    };
    let completion = Completion {
        completed_at: now,
        expires_at: now + Duration::days(7),
        event_count: 40,
        size_bytes: 1234,
        sha256: "ab".repeat(32),
        stats: stats.clone(),
        artifact_key: format!("exports/acme/{}/{}", job.id, job.file_name),
    };
    let completed = done(
        store
            .complete(&acme, &job.id, 1, &completion)
            .await
            .unwrap(),
    );
    let stored = store.get(&acme, &job.id).await.unwrap().unwrap();
    assert_eq!(stored, completed);
    assert_eq!(stored.status, JobStatus::Completed);
    assert_eq!(stored.event_count, Some(40));
    assert_eq!(stored.size_bytes, Some(1234));
    assert_eq!(stored.stats, Some(stats));
    assert_eq!(stored.expires_at, Some(completion.expires_at));
    assert_eq!(stored.artifact_key, Some(completion.artifact_key.clone()));
    assert_eq!(stored.lease_until, None);

    // The slot it held is free again (max_active = 1).
    assert!(matches!(
        store.create(&new_job(&acme, "h"), None, 1).await.unwrap(),
        CreateOutcome::Created(_)
    ));
    // A completed job can be neither canceled nor completed again.
    assert_eq!(
        conflict(store.cancel(&acme, &job.id, now).await.unwrap()).status,
        JobStatus::Completed
    );
    conflict(
        store
            .complete(&acme, &job.id, 1, &completion)
            .await
            .unwrap(),
    );
}

#[tokio::test]
async fn a_queued_job_can_fail_before_any_attempt() {
    let store = store().await;
    let acme = tenant("acme");
    let job = new_job(&acme, "h");
    assert!(matches!(
        store.create(&job, None, 1).await.unwrap(),
        CreateOutcome::Created(_)
    ));
    let error = JobError {
        code: "bad_job".into(),
        message: "the window is unreadable".into(),
    };
    let failed = done(
        store
            .fail(&acme, &job.id, None, &error, None, Utc::now())
            .await
            .unwrap(),
    );
    assert_eq!(
        (failed.status, failed.error),
        (JobStatus::Failed, Some(error.clone()))
    );
    // Failing again is a conflict, and the slot was freed once.
    conflict(
        store
            .fail(&acme, &job.id, None, &error, None, Utc::now())
            .await
            .unwrap(),
    );
    assert!(matches!(
        store.create(&new_job(&acme, "h"), None, 1).await.unwrap(),
        CreateOutcome::Created(_)
    ));
}

#[tokio::test]
async fn of_many_concurrent_claims_exactly_one_wins() {
    let store = std::sync::Arc::new(store().await);
    let acme = tenant("acme");
    let job = new_job(&acme, "h");
    create(&store, &job).await;
    let now = Utc::now();

    let claims: Vec<_> = (0..6)
        .map(|_| {
            let (store, acme, id) = (store.clone(), acme.clone(), job.id.clone());
            tokio::spawn(async move {
                store
                    .claim(&acme, &id, now, now + Duration::minutes(2))
                    .await
            })
        })
        .collect();
    let mut won = 0;
    for claim in claims {
        match claim.await.unwrap().unwrap() {
            Transition::Done(job) => {
                won += 1;
                assert_eq!(job.attempts, 1);
            }
            Transition::Conflict(job) => assert_eq!(job.status, JobStatus::Processing),
            Transition::NotFound => panic!("the job exists"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(
        store.get(&acme, &job.id).await.unwrap().unwrap().attempts,
        1
    );
}

#[tokio::test]
async fn the_lease_index_holds_processing_jobs_and_ended_jobs_get_a_ttl() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use kt_shared::store::resources::{
        LEASE_INDEX, LEASE_INDEX_PK, LEASE_INDEX_PK_VALUE, TTL_ATTR,
    };
    let (store, db, table) = store_and_table().await;
    let acme = tenant("acme");
    let job = new_job(&acme, "h");
    create(&store, &job).await;
    let now = Utc::now();
    let leases_in_index = || async {
        db.query()
            .table_name(&table)
            .index_name(LEASE_INDEX)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", LEASE_INDEX_PK)
            .expression_attribute_values(":pk", AttributeValue::S(LEASE_INDEX_PK_VALUE.into()))
            .send()
            .await
            .unwrap()
            .count
    };
    let ttl_of = || async {
        let item = db
            .get_item()
            .table_name(&table)
            .key("pk", AttributeValue::S("TENANT#acme".into()))
            .key("sk", AttributeValue::S(format!("JOB#{}", job.id)))
            .send()
            .await
            .unwrap()
            .item
            .unwrap();
        item.get(TTL_ATTR)
            .map(|v| v.as_n().unwrap().parse::<i64>().unwrap())
    };
    assert_eq!(leases_in_index().await, 0);
    assert_eq!(ttl_of().await, None);

    done(
        store
            .claim(&acme, &job.id, now, now + Duration::minutes(2))
            .await
            .unwrap(),
    );
    assert_eq!(leases_in_index().await, 1);

    let error = JobError {
        code: "internal".into(),
        message: "boom".into(),
    };
    done(
        store
            .fail(&acme, &job.id, Some(1), &error, None, now)
            .await
            .unwrap(),
    );
    assert_eq!(leases_in_index().await, 0);
    assert_eq!(ttl_of().await, Some((now + Duration::days(30)).timestamp()));
}
