use super::*;
use crate::memory::MemoryJobStore;
use std::sync::Mutex;

/// Records events, or refuses every one.
#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<(JobStatus, Value)>>,
    refuse: bool,
}

#[async_trait]
impl JobEventSink for Recorder {
    async fn publish(&self, job: &Job) -> Result<(), StoreError> {
        if self.refuse {
            return Err(StoreError::Transient("bus unavailable".into()));
        }
        self.events
            .lock()
            .unwrap()
            .push((job.status, event_detail(job)));
        Ok(())
    }
}

fn queued(tenant: &TenantId) -> Job {
    serde_json::from_value(json!({
        "id": JobId::new().as_str(), "tenant_id": tenant.as_str(), "type": "events",
        "format": "compliance-all", "status": "queued", "timezone": "UTC",
        "window_start": "2026-05-01T00:00:00Z", "window_end": "2026-05-02T00:00:00Z",
        "label": null, "expires_in_days": 7, "created_at": "2026-05-03T00:00:00Z",
        "created_by": "u", "started_at": null, "completed_at": null, "expires_at": null,
        "file_name": "f.tar.gz", "event_count": null, "progress": 0.0, "size_bytes": null,
        "sha256": null, "content_type": "application/gzip", "stats": null, "error": null,
        "artifact_key": null, "lease_until": null, "request_hash": null,
    }))
    .unwrap()
}

async fn run(sink: Arc<Recorder>) -> (Publishing, TenantId, Vec<Transition>) {
    let store = Publishing::new(Arc::new(MemoryJobStore::default()), sink);
    let tenant = TenantId::parse("acme").unwrap();
    let now = Utc::now();
    let mut outcomes = vec![];
    let (a, b, c) = (queued(&tenant), queued(&tenant), queued(&tenant));
    for job in [&a, &b, &c] {
        store.create(job, None, 10).await.unwrap();
    }
    store.claim(&tenant, &a.id, now, now).await.unwrap();
    let completion = Completion {
        completed_at: now,
        expires_at: now,
        event_count: 1,
        size_bytes: 2,
        sha256: "ab".repeat(32),
        stats: JobStats::default(),
        artifact_key: "k".into(),
        retained_until: None,
    };
    outcomes.push(
        store
            .complete(&tenant, &a.id, 1, &completion)
            .await
            .unwrap(),
    );
    let error = JobError {
        code: "x".into(),
        message: "y".into(),
    };
    outcomes.push(
        store
            .fail(&tenant, &b.id, None, &error, None, now)
            .await
            .unwrap(),
    );
    outcomes.push(store.cancel(&tenant, &c.id, now).await.unwrap());
    // Not an end: no event. Canceling again: a conflict, no second event.
    outcomes.push(store.cancel(&tenant, &c.id, now).await.unwrap());
    (store, tenant, outcomes)
}

#[tokio::test]
async fn a_job_ended_elsewhere_publishes_its_event_and_one_not_ended_none() {
    // The custody transaction completes a sealed job without `complete`.
    let sink = Arc::new(Recorder::default());
    let store = Publishing::new(Arc::new(MemoryJobStore::default()), sink.clone());
    let tenant = TenantId::parse("acme").unwrap();
    let mut job = queued(&tenant);
    store.ended_elsewhere(&job).await;
    assert!(sink.events.lock().unwrap().is_empty(), "queued is no end");
    job.status = JobStatus::Completed;
    job.sha256 = Some("cd".repeat(32));
    store.ended_elsewhere(&job).await;
    let events = sink.events.lock().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, JobStatus::Completed);
    assert_eq!(events[0].1["sha256"], "cd".repeat(32));
}

#[tokio::test]
async fn completed_failed_and_canceled_each_publish_one_event() {
    let sink = Arc::new(Recorder::default());
    let (_, tenant, _) = run(sink.clone()).await;
    let events = sink.events.lock().unwrap().clone();
    let statuses: Vec<_> = events.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses,
        [JobStatus::Completed, JobStatus::Failed, JobStatus::Canceled]
    );
    let completed = &events[0].1;
    assert_eq!(completed["tenant_id"], tenant.as_str());
    assert_eq!(completed["format"], "compliance-all");
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["sha256"], "ab".repeat(32));
    assert_eq!(events[1].1["error_code"], "x");
}

#[tokio::test]
async fn a_bus_that_refuses_never_changes_the_job() {
    let sink = Arc::new(Recorder {
        refuse: true,
        ..Recorder::default()
    });
    let (store, tenant, outcomes) = run(sink).await;
    assert!(matches!(&outcomes[0], Transition::Done(j) if j.status == JobStatus::Completed));
    assert!(matches!(&outcomes[1], Transition::Done(j) if j.status == JobStatus::Failed));
    assert!(matches!(&outcomes[2], Transition::Done(j) if j.status == JobStatus::Canceled));
    let Transition::Done(done) = &outcomes[0] else {
        unreachable!()
    };
    let stored = store.get(&tenant, &done.id).await.unwrap().unwrap();
    assert_eq!(stored.status, JobStatus::Completed);
}
