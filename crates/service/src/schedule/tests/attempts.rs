//! A quarter's job that ran and failed is created again, a bounded number of
//! times and a day apart, within the catch-up week; one a person canceled is not.
use super::*;
use kt_domain::JobError;

/// What the worker does, at `when`, to a job whose lake object cannot be read.
async fn fail_as_the_worker_would(stores: &Stores, job: &Job, when: &str) {
    fail_with_code(stores, job, "source_unreadable", when).await;
}

async fn fail_with_code(stores: &Stores, job: &Job, code: &str, when: &str) {
    let reason = JobError {
        code: code.into(),
        message: "An object of the event lake could not be read.".into(),
    };
    let done = stores
        .jobs
        .fail(&job.tenant_id, &job.id, None, &reason, None, at(when))
        .await
        .unwrap();
    assert!(matches!(done, kt_store::Transition::Done(_)));
}

fn of<'a>(outcomes: &'a [ScheduledOutcome], t: &str) -> &'a ScheduledOutcome {
    outcomes.iter().find(|o| o.tenant.as_str() == t).unwrap()
}

fn acme(outcomes: &[ScheduledOutcome]) -> &ScheduledOutcome {
    of(outcomes, "acme")
}

/// A failed attempt still within its spacing: reported, not covered, not
/// lost, and nothing created.
fn assert_waiting(o: &ScheduledOutcome, failed: &Job, retry_at: &str) {
    assert_eq!(o.kind(), "failed_waiting");
    assert_eq!(o.job().unwrap().id, failed.id);
    assert!(!o.is_covered() && !o.is_retryable());
    let summary = o.summary();
    assert_eq!(summary.retry_after, Some(at(retry_at)));
    assert!(!summary.is_lost(), "a later run of the week tries again");
}

#[tokio::test]
async fn a_failed_quarter_is_tried_again_a_day_after_each_failure_three_times_at_most() {
    // Each hourly run made the next attempt: three hours of a broken lake
    // used up every attempt of the quarter.
    let stores = Stores::new().await;
    let first = stores.run(july_run()).await;
    let failed = acme(&first).job().unwrap().clone();
    fail_as_the_worker_would(&stores, &failed, "2026-07-01T04:00:00Z").await;

    // No retry before the spacing has passed, however many runs come.
    for hour in [
        "2026-07-01T05:00:00Z",
        "2026-07-01T06:00:00Z",
        "2026-07-02T03:59:59Z",
    ] {
        let waiting = stores.run(at(hour)).await;
        assert_waiting(acme(&waiting), &failed, "2026-07-02T04:00:00Z");
        assert_eq!(acme(&waiting).attempt, 1, "{hour}");
        assert_eq!(
            acme(&waiting).summary().reason.as_deref(),
            Some("source_unreadable")
        );
    }
    assert_eq!(stores.queue.messages().len(), 2, "nothing new queued");

    // A retry once it has.
    let retry = stores.run(at("2026-07-02T04:00:00Z")).await;
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
    assert_eq!(summary.retry_after, None);
    let attempt_2 = second.job().unwrap().clone();
    assert_ne!(attempt_2.id, failed.id);
    assert_eq!(attempt_2.status, JobStatus::Queued);
    assert_eq!(attempt_2.window_start, failed.window_start);

    // Later runs replay the new attempt.
    let again = stores.run(at("2026-07-02T05:00:00Z")).await;
    assert_eq!(acme(&again).kind(), "replayed");
    assert_eq!(acme(&again).job().unwrap().id, attempt_2.id);

    fail_as_the_worker_would(&stores, &attempt_2, "2026-07-02T06:00:00Z").await;
    let waiting = stores.run(at("2026-07-03T05:00:00Z")).await;
    assert_waiting(acme(&waiting), &attempt_2, "2026-07-03T06:00:00Z");
    assert_eq!(
        acme(&waiting).summary().failed_job_id,
        Some(failed.id.to_string())
    );
    let third = stores.run(at("2026-07-03T06:00:00Z")).await;
    assert_eq!(acme(&third).kind(), "retried");
    assert_eq!(acme(&third).attempt, 3);
    let attempt_3 = acme(&third).job().unwrap().clone();

    // The third failure is the last: reported with its own reason, not created again.
    fail_with_code(
        &stores,
        &attempt_3,
        "deadline_exceeded",
        "2026-07-03T07:00:00Z",
    )
    .await;
    let queued_before = stores.queue.messages().len();
    for later in ["2026-07-03T08:00:00Z", "2026-07-05T10:00:00Z"] {
        let exhausted = stores.run(at(later)).await;
        let lost = acme(&exhausted);
        assert_eq!(lost.kind(), "failed", "{later}");
        assert!(!lost.is_covered() && !lost.is_retryable());
        let summary = lost.summary();
        assert_eq!(summary.job_id, Some(attempt_3.id.to_string()));
        assert_eq!(summary.failed_job_id, Some(attempt_2.id.to_string()));
        assert_eq!(summary.reason.as_deref(), Some("deadline_exceeded"));
        assert_eq!(summary.retry_after, None);
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
async fn a_retry_that_would_fall_after_the_catch_up_week_is_not_waited_for() {
    // The week ends at midnight starting 8 July in Madrid, 22:00 UTC on the 7th.
    let stores = Stores::new().await;
    // The scheduler was down until the week's sixth day: the first attempts run late.
    let late = stores.run(at("2026-07-06T12:00:00Z")).await;
    assert_eq!(kinds(&late), [("acme", "queued"), ("globex", "queued")]);
    let acme_1 = acme(&late).job().unwrap().clone();
    let globex_1 = of(&late, "globex").job().unwrap().clone();
    fail_as_the_worker_would(&stores, &acme_1, "2026-07-06T22:00:00Z").await;
    fail_as_the_worker_would(&stores, &globex_1, "2026-07-06T21:59:59Z").await;

    let run = stores.run(at("2026-07-07T00:00:00Z")).await;
    // acme's retry would be due as the week ends: no run would make it.
    let lost = acme(&run);
    assert_eq!(lost.kind(), "failed");
    assert_eq!(lost.attempt, 1);
    assert!(lost.summary().is_lost());
    // globex's still fits, in the week's last run.
    assert_waiting(of(&run, "globex"), &globex_1, "2026-07-07T21:59:59Z");
    let last = stores.run(at("2026-07-07T21:59:59Z")).await;
    assert_eq!(kinds(&last), [("acme", "failed"), ("globex", "retried")]);
    assert!(stores.run(at("2026-07-07T22:00:00Z")).await.is_empty());
}

#[tokio::test]
async fn the_handler_reports_a_failed_quarter_without_erring_and_spaces_attempts_by_the_clock() {
    let stores = Stores::empty();
    stores
        .set("acme", declaration("UTC", &[ExportFormat::ComplianceAll]))
        .await;
    // A Lambda retry resends the first day's event: the clock, not the
    // event's time, decides whether the spacing has passed.
    let event = json!({"time": "2026-07-01T03:30:00Z"});
    let days = [
        "2026-07-01T04:00:00Z",
        "2026-07-02T05:00:00Z",
        "2026-07-03T06:00:00Z",
    ];
    for (i, day) in days.iter().enumerate() {
        let clock = move || at(day);
        let run = handle_event(&stores.jobs, &stores.queue, &event, &clock)
            .await
            .unwrap();
        assert_eq!(run[0].attempt, i as u32 + 1);
        let id = JobId::parse(run[0].job_id.as_deref().unwrap()).unwrap();
        let job = stores
            .jobs
            .get(&tenant("acme"), &id)
            .await
            .unwrap()
            .unwrap();
        fail_as_the_worker_would(&stores, &job, day).await;
        if i + 1 < days.len() {
            let clock = move || at(day) + chrono::Duration::hours(1);
            let run = handle_event(&stores.jobs, &stores.queue, &event, &clock)
                .await
                .unwrap();
            assert_eq!(run[0].outcome, "failed_waiting");
            assert!(!run[0].covered && !run[0].retryable && !run[0].is_lost());
            let text = serde_json::to_value(&run[0]).unwrap();
            let retry_at = at(day) + chrono::Duration::hours(RETRY_SPACING_HOURS);
            assert_eq!(text["retry_after"], json!(retry_at));
        }
    }
    // A retry of the invocation cannot help: it answers, honestly.
    let run = handle_event(&stores.jobs, &stores.queue, &event, &|| {
        at("2026-07-05T00:00:00Z")
    })
    .await
    .unwrap();
    assert_eq!(run[0].outcome, "failed");
    assert!(!run[0].covered && !run[0].retryable && run[0].is_lost());
    let text = serde_json::to_value(&run[0]).unwrap();
    assert_eq!(text["reason"], "source_unreadable");
    assert_eq!(text["attempt"], 3);
    assert!(text.get("retry_after").is_none());
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
