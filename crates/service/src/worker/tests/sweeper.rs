//! The sweeper over the memory stores: a lost message is re-sent and the job
//! completes once; a lapsed last attempt and a dead letter fail the job with
//! a reason; a lease loser's artifact is deleted.
use super::{Fixture, lake, tenant};
use crate::worker::Disposition;
use crate::worker::sweeper::{SweepReport, Sweeper};
use chrono::{Duration, Utc};
use kt_domain::JobStatus;
use kt_store::memory::{MemoryDeadLetters, MemoryJobQueue};
use kt_store::sqs::JobMessage;
use kt_store::sweep_rules::SweepPolicy;
use kt_store::{JobStore, Transition};
use std::sync::Arc;

struct Sweep {
    sweeper: Sweeper,
    queue: Arc<MemoryJobQueue>,
    dead_letters: Arc<MemoryDeadLetters>,
}

fn sweep(f: &Fixture) -> Sweep {
    let queue = Arc::new(MemoryJobQueue::new());
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let sweeper = Sweeper {
        jobs: f.jobs.clone(),
        queue: queue.clone(),
        dead_letters: dead_letters.clone(),
        policy: SweepPolicy {
            requeue_after: Duration::minutes(15),
            max_requeues: 2,
            max_attempts: 3,
            queue_backlogged: false,
        },
    };
    Sweep {
        sweeper,
        queue,
        dead_letters,
    }
}

#[tokio::test]
async fn a_job_whose_enqueue_was_lost_is_re_enqueued_and_completes_once() {
    let f = Fixture::new(lake());
    let s = sweep(&f);
    let job = f.queued_job().await;
    let created = job.created_at;

    // Before the threshold nothing happens; after it, one new message.
    let early = s.sweeper.run_once(created + Duration::minutes(14)).await;
    assert_eq!(early, SweepReport::default());
    let report = s.sweeper.run_once(created + Duration::minutes(15)).await;
    assert_eq!(report.requeued, 1);
    assert_eq!(s.queue.messages(), vec![(tenant(), job.id.clone())]);
    // Not again within the next threshold.
    let again = s.sweeper.run_once(created + Duration::minutes(16)).await;
    assert_eq!(again.requeued, 0);

    assert_eq!(
        f.worker().process(&tenant(), &job.id, 1).await,
        Disposition::Done
    );
    let done = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Completed);
    assert_eq!(f.artifacts.keys().len(), 1);
    // A duplicate of the message runs nothing.
    assert_eq!(
        f.worker().process(&tenant(), &job.id, 1).await,
        Disposition::Done
    );
    assert_eq!(f.artifacts.keys().len(), 1);
    assert_eq!(f.jobs.active_count(&tenant()), 0);
}

#[tokio::test]
async fn a_job_never_picked_up_fails_after_its_re_enqueues() {
    let f = Fixture::new(lake());
    let s = sweep(&f);
    let job = f.queued_job().await;
    let t0 = job.created_at;
    for minutes in [15, 30] {
        let r = s.sweeper.run_once(t0 + Duration::minutes(minutes)).await;
        assert_eq!(r.requeued, 1, "at {minutes} min");
    }
    let last = s.sweeper.run_once(t0 + Duration::minutes(45)).await;
    assert_eq!(last.failed, 1);
    let failed = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(failed.error.as_ref().unwrap().code, "not_started");
    assert_eq!(f.jobs.active_count(&tenant()), 0);
    let trail = kt_store::ShareStore::audit(f.jobs.as_ref(), &tenant(), &job.id)
        .await
        .unwrap();
    let entry = trail
        .iter()
        .find(|e| e.event == kt_domain::share::AuditEvent::Failed)
        .expect("a failed entry");
    assert_eq!(
        entry.by,
        kt_domain::share::AuditActor::Service("sweeper".into())
    );
    assert_eq!(entry.error, failed.error);
}

/// Busy workers are not lost jobs: while the export queue has messages
/// waiting, a queued job past every threshold is neither re-sent nor failed;
/// once the line is gone, it is re-sent as before.
#[tokio::test]
async fn a_queued_job_waits_its_turn_while_the_queue_has_a_backlog() {
    let f = Fixture::new(lake());
    let s = sweep(&f);
    let job = f.queued_job().await;
    let t0 = job.created_at;
    let busy = kt_store::QueueDepth {
        waiting: 40,
        in_flight: 5,
    };
    // A line nobody takes from is not busy workers (another stack).
    let idle = Fixture::new(lake());
    let idle_sweep = sweep(&idle);
    let lost = idle.queued_job().await;
    idle_sweep.queue.set_depth(kt_store::QueueDepth {
        in_flight: 0,
        ..busy
    });
    let stalled = idle_sweep
        .sweeper
        .run_once(lost.created_at + Duration::minutes(15))
        .await;
    assert_eq!(stalled.requeued, 1, "handled as lost");

    s.queue.set_depth(busy);
    for minutes in [15, 30, 45, 110] {
        let r = s.sweeper.run_once(t0 + Duration::minutes(minutes)).await;
        assert_eq!((r.requeued, r.failed), (0, 0), "at {minutes} min");
        assert_eq!(r.waiting_in_queue, 40);
    }
    let waiting = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(waiting.status, JobStatus::Queued);
    assert!(s.queue.messages().is_empty());

    s.queue.set_depth(kt_store::QueueDepth::default());
    let r = s.sweeper.run_once(t0 + Duration::minutes(111)).await;
    assert_eq!(r.requeued, 1);
    assert_eq!(s.queue.messages(), vec![(tenant(), job.id.clone())]);
}

#[tokio::test]
async fn a_worker_lost_on_its_last_attempt_fails_the_job_once_the_lease_lapses() {
    let f = Fixture::new(lake());
    let s = sweep(&f);
    let job = f.queued_job().await;
    let now = Utc::now();
    // Three claims, each by a worker that died (its lease ends a minute later).
    for _ in 0..3 {
        let claimed = f
            .jobs
            .claim(&tenant(), &job.id, now, now - Duration::seconds(1))
            .await
            .unwrap();
        assert!(matches!(claimed, Transition::Done(_)));
    }
    let report = s.sweeper.run_once(now).await;
    assert_eq!(report.failed, 1);
    let failed = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    let error = failed.error.unwrap();
    assert_eq!(error.code, "worker_lost");
    assert!(error.message.contains("3 attempts"), "{}", error.message);
    assert_eq!(f.jobs.active_count(&tenant()), 0);
}

#[tokio::test]
async fn a_dead_lettered_message_fails_its_job_and_is_removed() {
    let f = Fixture::new(lake());
    let s = sweep(&f);
    let job = f.queued_job().await;
    let body = serde_json::to_string(&JobMessage {
        tenant_id: tenant(),
        job_id: job.id.clone(),
    })
    .unwrap();
    s.dead_letters.push(&body);
    s.dead_letters.push("not json");
    let report = s.sweeper.run_once(Utc::now()).await;
    assert_eq!((report.dead_lettered, report.dead_letters_removed), (1, 2));
    assert!(s.dead_letters.is_empty());
    let failed = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(failed.error.as_ref().unwrap().code, "delivery_failed");
    let trail = kt_store::ShareStore::audit(f.jobs.as_ref(), &tenant(), &job.id)
        .await
        .unwrap();
    let failures: Vec<_> = trail
        .iter()
        .filter(|e| e.event == kt_domain::share::AuditEvent::Failed)
        .collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].error, failed.error);
}

#[tokio::test]
async fn a_dead_letter_for_a_job_held_by_a_live_lease_leaves_the_job_running() {
    let f = Fixture::new(lake());
    let s = sweep(&f);
    let job = f.queued_job().await;
    let now = Utc::now();
    f.jobs
        .claim(&tenant(), &job.id, now, now + Duration::minutes(2))
        .await
        .unwrap();
    let body = serde_json::to_string(&JobMessage {
        tenant_id: tenant(),
        job_id: job.id.clone(),
    })
    .unwrap();
    s.dead_letters.push(&body);
    let report = s.sweeper.run_once(now).await;
    assert_eq!((report.dead_lettered, report.dead_letters_removed), (0, 1));
    let held = f.jobs.get(&tenant(), &job.id).await.unwrap().unwrap();
    assert_eq!(held.status, JobStatus::Processing);
}
