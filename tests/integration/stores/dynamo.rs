//! The DynamoDB job store: creating, reading and listing here; transitions in `transitions`.
use chrono::{DateTime, Utc};
use kt_domain::{ExportFormat, ExportType, Job, JobId, JobStatus, TenantId};
use kt_integration_tests::emulator_with_clients;
use kt_store::dynamo::DynamoJobStore;
use kt_store::{CreateOutcome, JobStore, Transition};

mod profiles;
mod transitions;

const MAX: u32 = 10;

pub(super) async fn store() -> DynamoJobStore {
    store_and_table().await.0
}

/// The store and, for looking at raw items, the client and table name.
pub(super) async fn store_and_table() -> (DynamoJobStore, aws_sdk_dynamodb::Client, String) {
    let (config, clients) = emulator_with_clients().await;
    let store = DynamoJobStore::new(clients.dynamodb.clone(), &config.resources.jobs_table);
    (store, clients.dynamodb, config.resources.jobs_table)
}

pub(super) fn tenant(name: &str) -> TenantId {
    TenantId::parse(name).unwrap()
}

pub(super) fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A queued job; ids are ULIDs, so jobs made later sort later.
pub(super) fn new_job(tenant: &TenantId, request_hash: &str) -> Job {
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
        requeues: 0,
        requeued_at: None,
        retention_days: None,
        retained_until: None,
    }
}

pub(super) async fn create(store: &DynamoJobStore, job: &Job) {
    match store.create(job, None, MAX).await.unwrap() {
        CreateOutcome::Created(created) => assert_eq!(&created, job),
        other => panic!("expected Created, got {other:?}"),
    }
}

pub(super) fn done(t: Transition) -> Job {
    match t {
        Transition::Done(job) => job,
        other => panic!("expected Done, got {other:?}"),
    }
}

pub(super) fn conflict(t: Transition) -> Job {
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
async fn a_key_whose_job_record_expired_creates_a_new_job_not_a_500() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let (store, client, table) = store_and_table().await;
    let acme = tenant("acme");
    let job = new_job(&acme, "hash-a");
    store.create(&job, Some("key-1"), MAX).await.unwrap();
    // DynamoDB's TTL deleted the job's item; the key's item is still there.
    client
        .delete_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("TENANT#acme".into()))
        .key("sk", AttributeValue::S(format!("JOB#{}", job.id)))
        .send()
        .await
        .unwrap();
    let again = new_job(&acme, "hash-a");
    match store.create(&again, Some("key-1"), MAX).await.unwrap() {
        CreateOutcome::Created(created) => assert_eq!(created.id, again.id),
        other => panic!("expected Created, got {other:?}"),
    }
    match store
        .create(&new_job(&acme, "hash-a"), Some("key-1"), MAX)
        .await
        .unwrap()
    {
        CreateOutcome::Replayed(first) => assert_eq!(first.id, again.id),
        other => panic!("expected Replayed, got {other:?}"),
    }
}
