//! The DynamoDB job store's conditional transitions: claim, heartbeat, complete, fail, cancel.
use super::{conflict, create, done, new_job, store, store_and_table, tenant};
use chrono::{Duration, Utc};
use kt_domain::Completion;
use kt_domain::{JobError, JobId, JobStats, JobStatus};
use kt_store::{CreateOutcome, JobStore, Transition};

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
        retained_until: None,
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
    use kt_store::resources::{LEASE_INDEX, LEASE_INDEX_PK, LEASE_INDEX_PK_VALUE, TTL_ATTR};
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
