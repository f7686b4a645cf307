//! The per-job fan-out cap on the emulator (`docs/scale.md`, "Limits"):
//! at most `KT_FANOUT_MAX_CONCURRENT` of a job's segments are queued or
//! running, and each segment message is sent exactly once.
use crate::checkpoint::{receive_now, task};
use crate::fanout::{Manual, drain, fan_out_store, handle_and_delete, sha256, single_worker_bytes};
use aws_lambda_events::event::sqs::SqsMessage;
use chrono::Utc;
use kt_service::worker::Disposition;
use kt_store::fanout::FanOutStore;
use kt_store::sqs::fanout::FanOutTask;
use std::collections::VecDeque;

#[tokio::test]
async fn a_capped_fan_out_keeps_at_most_the_cap_queued_and_sends_each_segment_once() {
    const CAP: usize = 2;
    let m = Manual::fanned_out_with(30_000, |c| c.fanout_max_concurrent = Some(CAP as u32)).await;
    let (t, j) = m.ids();
    let (run, _) = fan_out_store(&m.app).run(&t, &j, 1).await.unwrap().unwrap();
    assert!(run.segments as usize > 2 * CAP, "{} segments", run.segments);
    assert_eq!(run.max_concurrent, Some(CAP as u32));
    let mut queued: VecDeque<SqsMessage> = drain(&m.receiver).await.into();
    let mut sent: Vec<u32> = Vec::new();
    let first: Vec<FanOutTask> = queued.iter().map(task).collect();
    assert_eq!(first, [FanOutTask::Segment(0), FanOutTask::Segment(1)]);
    sent.extend([0, 1]);
    let mut finishers = 0;
    let mut duplicated = false;
    while let Some(message) = queued.pop_front() {
        assert_eq!(
            handle_and_delete(&m.worker, &m.receiver, &message).await,
            Disposition::Done
        );
        if !duplicated && task(&message) == FanOutTask::Segment(0) {
            // A duplicate delivery of a recorded segment releases nothing more.
            duplicated = true;
            let released = receive_now(&m.receiver).await;
            assert_eq!(released.len(), 1);
            assert_eq!(
                handle_and_delete(&m.worker, &m.receiver, &message).await,
                Disposition::Done
            );
            assert!(receive_now(&m.receiver).await.is_empty());
            queued.extend(released.iter().cloned());
            sent.push(match task(&released[0]) {
                FanOutTask::Segment(i) => i,
                other => panic!("{other:?}"),
            });
            continue;
        }
        for new in receive_now(&m.receiver).await {
            match task(&new) {
                FanOutTask::Segment(i) => sent.push(i),
                FanOutTask::Finish => finishers += 1,
                other => panic!("{other:?}"),
            }
            queued.push_back(new);
        }
        let waiting = queued
            .iter()
            .filter(|q| matches!(task(q), FanOutTask::Segment(_)))
            .count();
        assert!(waiting <= CAP, "{waiting} segments queued");
    }
    sent.sort_unstable();
    assert_eq!(
        sent,
        (0..run.segments).collect::<Vec<_>>(),
        "each segment sent once"
    );
    assert_eq!(finishers, 1);
    let job = m.job().await;
    assert_eq!(job["status"], "completed", "{job}");
    let (_, artifact) = m.app.download(&m.tenant, &m.id).await;
    let single = single_worker_bytes(&m.app, &m.tenant, &job, Utc::now()).await;
    assert_eq!(sha256(&artifact), sha256(&single));
}
