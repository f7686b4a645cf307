//! The Lambda handler: the event's time chooses the quarter; the clock dates the jobs.
use super::*;
use kt_domain::share::AuditEvent;
use kt_store::ShareStore;

#[test]
fn the_run_time_comes_from_the_event() {
    let rule_event = json!({
        "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": "2026-07-01T03:00:00Z", "region": "eu-west-1",
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/kt-quarterly"], "detail": {}
    });
    assert_eq!(scheduled_time(&rule_event), Some(july_run()));
    let scheduler_input = json!({"time": "2026-07-01T05:00:00+02:00"});
    assert_eq!(scheduled_time(&scheduler_input), Some(july_run()));
    assert_eq!(scheduled_time(&json!({})), None);
    assert_eq!(scheduled_time(&json!({"time": "July 1st"})), None);
}

#[tokio::test]
async fn the_handler_runs_the_event_time_and_errs_only_when_a_retry_may_help() {
    let stores = Stores::new().await;
    let event = json!({"time": "2026-07-01T03:00:00Z", "detail-type": "Scheduled Event"});
    let clock = || at("2030-01-01T00:00:00Z");
    stores
        .queue
        .fail_with(Some(StoreError::Transient("sqs down".into())));
    let err = handle_event(&stores.jobs, &stores.queue, &event, &clock)
        .await
        .unwrap_err();
    assert_eq!((err.failed, err.total), (2, 2));
    assert!(err.outcomes.iter().all(|o| o.outcome == "enqueue_failed"));

    stores.queue.fail_with(None);
    let ok = handle_event(&stores.jobs, &stores.queue, &event, &clock)
        .await
        .unwrap();
    assert!(
        ok.iter()
            .all(|o| o.outcome == "queued" && o.quarter == "2026-Q2"),
        "{ok:?}"
    );
    // Without a time the fallback clock decides.
    let replay = handle_event(&stores.jobs, &stores.queue, &json!({}), &july_run)
        .await
        .unwrap();
    assert!(replay.iter().all(|o| o.outcome == "replayed"), "{replay:?}");
}

#[tokio::test]
async fn a_late_run_dates_the_job_and_its_trail_when_it_was_created() {
    // Jobs took the event's time as `created_at` and as their trail's
    // `created` entry: a job created on 6 December showed 1 July, 03:00.
    let stores = Stores::new().await;
    let event = json!({"time": "2026-07-01T03:00:00Z"});
    let created = at("2026-07-03T09:15:00Z");
    let outcomes = handle_event(&stores.jobs, &stores.queue, &event, &|| created)
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 2);
    for summary in outcomes {
        let job_id = JobId::parse(summary.job_id.as_deref().unwrap()).unwrap();
        let t = tenant(&summary.tenant);
        let job = stores.jobs.get(&t, &job_id).await.unwrap().unwrap();
        assert_eq!(job.created_at, created);
        assert_eq!(summary.quarter, "2026-Q2", "the event chose the quarter");
        assert_eq!(job.window_end, at("2026-06-30T22:00:00Z"));
        let trail = stores.jobs.audit(&t, &job_id).await.unwrap();
        let first = &trail[0];
        assert_eq!((first.event, first.at), (AuditEvent::Created, created));
    }
}
