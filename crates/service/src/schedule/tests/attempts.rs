//! A quarter's job that ran and failed is created again, a bounded number of
//! times; one a person canceled is not.
use super::*;
use kt_domain::JobError;

/// What the worker does to a job whose lake object cannot be read.
async fn fail_as_the_worker_would(stores: &Stores, job: &Job) {
    fail_with_code(stores, job, "source_unreadable").await;
}

async fn fail_with_code(stores: &Stores, job: &Job, code: &str) {
    let reason = JobError {
        code: code.into(),
        message: "An object of the event lake could not be read.".into(),
    };
    let done = stores
        .jobs
        .fail(&job.tenant_id, &job.id, None, &reason, None, july_run())
        .await
        .unwrap();
    assert!(matches!(done, kt_store::Transition::Done(_)));
}

fn acme(outcomes: &[ScheduledOutcome]) -> &ScheduledOutcome {
    outcomes
        .iter()
        .find(|o| o.tenant.as_str() == "acme")
        .unwrap()
}

#[tokio::test]
async fn a_failed_quarter_gets_a_new_attempt_at_most_three_times() {
    // A failed job was replayed and counted as covered, every hour of the
    // catch-up week: the quarter's evidence was lost, reported as success.
    let stores = Stores::new().await;
    let first = stores.run(july_run()).await;
    let failed = acme(&first).job().unwrap().clone();
    fail_as_the_worker_would(&stores, &failed).await;

    let next_day = at("2026-07-02T12:00:00Z");
    let retry = stores.run(next_day).await;
    assert_eq!(kinds(&retry), [("acme", "retried"), ("globex", "replayed")]);
    let second = acme(&retry);
    assert!(second.is_covered() && !second.is_retryable());
    assert_eq!(second.attempt, 2);
    assert_eq!(
        second.idempotency_key,
        "§schedule:quarterly:acme:2026-Q2:attempt:2"
    );
    let summary = second.summary();
    assert_eq!(summary.failed_job_id, Some(failed.id.to_string()));
    assert_eq!(summary.reason.as_deref(), Some("source_unreadable"));
    let attempt_2 = second.job().unwrap().clone();
    assert_ne!(attempt_2.id, failed.id);
    assert_eq!(attempt_2.status, JobStatus::Queued);
    assert_eq!(attempt_2.window_start, failed.window_start);

    // Later runs replay the new attempt.
    let again = stores.run(at("2026-07-02T13:00:00Z")).await;
    assert_eq!(acme(&again).kind(), "replayed");
    assert_eq!(acme(&again).job().unwrap().id, attempt_2.id);

    fail_as_the_worker_would(&stores, &attempt_2).await;
    let third = stores.run(at("2026-07-03T09:00:00Z")).await;
    assert_eq!(acme(&third).kind(), "retried");
    assert_eq!(acme(&third).attempt, 3);
    let attempt_3 = acme(&third).job().unwrap().clone();

    // The third failure is the last: reported with its own reason, not created again.
    fail_with_code(&stores, &attempt_3, "deadline_exceeded").await;
    let queued_before = stores.queue.messages().len();
    for later in ["2026-07-03T10:00:00Z", "2026-07-04T10:00:00Z"] {
        let exhausted = stores.run(at(later)).await;
        let lost = acme(&exhausted);
        assert_eq!(lost.kind(), "failed", "{later}");
        assert!(!lost.is_covered() && !lost.is_retryable());
        let summary = lost.summary();
        assert_eq!(summary.job_id, Some(attempt_3.id.to_string()));
        assert_eq!(summary.failed_job_id, Some(attempt_2.id.to_string()));
        assert_eq!(summary.reason.as_deref(), Some("deadline_exceeded"));
        assert!(summary.is_lost());
    }
    assert_eq!(
        stores.queue.messages().len(),
        queued_before,
        "no fourth job"
    );
    assert_eq!(acme(&first).summary().attempt, 1);
}

#[tokio::test]
async fn the_handler_reports_a_failed_quarter_as_not_covered_without_erring() {
    let stores = Stores::empty();
    stores
        .set("acme", declaration("UTC", &[ExportFormat::ComplianceAll]))
        .await;
    let event = json!({"time": "2026-07-01T03:30:00Z"});
    for _ in 0..MAX_ATTEMPTS {
        let run = handle_event(&stores.jobs, &stores.queue, &event, &july_run)
            .await
            .unwrap();
        let id = JobId::parse(run[0].job_id.as_deref().unwrap()).unwrap();
        let job = stores
            .jobs
            .get(&tenant("acme"), &id)
            .await
            .unwrap()
            .unwrap();
        fail_as_the_worker_would(&stores, &job).await;
    }
    // A retry of the invocation cannot help: it answers, honestly.
    let run = handle_event(&stores.jobs, &stores.queue, &event, &july_run)
        .await
        .unwrap();
    assert_eq!(run[0].outcome, "failed");
    assert!(!run[0].covered && !run[0].retryable && run[0].is_lost());
    let text = serde_json::to_value(&run[0]).unwrap();
    assert_eq!(text["reason"], "source_unreadable");
    assert_eq!(text["attempt"], 3);
}

#[tokio::test]
async fn a_job_a_person_canceled_is_not_created_again() {
    let stores = Stores::new().await;
    let first = stores.run(july_run()).await;
    let job = acme(&first).job().unwrap().clone();
    let canceled = stores
        .jobs
        .cancel(&tenant("acme"), &job.id, july_run())
        .await
        .unwrap();
    assert!(matches!(canceled, kt_store::Transition::Done(_)));
    let later = stores.run(at("2026-07-02T12:00:00Z")).await;
    assert_eq!(
        kinds(&later),
        [("acme", "canceled"), ("globex", "replayed")]
    );
    let outcome = acme(&later);
    assert_eq!(outcome.job().unwrap().id, job.id);
    assert!(!outcome.is_covered() && !outcome.is_retryable());
    assert!(!outcome.summary().is_lost(), "a choice, not a loss");
    assert_eq!(stores.queue.messages().len(), 2, "nothing new queued");
}

#[test]
fn attempt_keys_keep_the_quarters_key_for_the_first() {
    let base = "§schedule:quarterly:acme:2026-Q2:compliance-ens";
    assert_eq!(attempt_key(base, 1), base);
    assert_eq!(attempt_key(base, 3), format!("{base}:attempt:3"));
}
