//! Quarterly runs over the in-memory stores.
use super::*;
use kt_domain::{JobId, JobStatus};
use kt_store::memory::{MemoryJobQueue, MemoryJobStore};
use serde_json::json;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn tenant(s: &str) -> TenantId {
    TenantId::parse(s).unwrap()
}

/// acme and globex, Europe/Madrid, the bundle, 30 days, at most `limit` active jobs.
fn schedule(limit: u32) -> ScheduleConfig {
    ScheduleConfig {
        tenants: vec![tenant("acme"), tenant("globex")],
        timezone: chrono_tz::Europe::Madrid,
        formats: vec![ExportFormat::ComplianceAll],
        expires_in_days: 30,
        max_active_jobs: limit,
    }
}

/// The run EventBridge makes on the first of July.
fn july_run() -> DateTime<Utc> {
    at("2026-07-01T03:00:00Z")
}

struct Stores {
    jobs: MemoryJobStore,
    queue: MemoryJobQueue,
}

impl Stores {
    fn new() -> Self {
        Self {
            jobs: MemoryJobStore::new(),
            queue: MemoryJobQueue::new(),
        }
    }
    async fn run(&self, schedule: &ScheduleConfig, now: DateTime<Utc>) -> Vec<ScheduledOutcome> {
        run_quarterly(&self.jobs, &self.queue, schedule, now).await
    }
}

fn kinds(outcomes: &[ScheduledOutcome]) -> Vec<(&str, &'static str)> {
    outcomes
        .iter()
        .map(|o| (o.tenant.as_str(), o.kind()))
        .collect()
}

fn job_ids(outcomes: &[ScheduledOutcome]) -> Vec<JobId> {
    outcomes
        .iter()
        .map(|o| o.job().unwrap().id.clone())
        .collect()
}

#[tokio::test]
async fn each_tenant_gets_the_previous_quarter_as_an_evidence_bundle() {
    let stores = Stores::new();
    let outcomes = stores.run(&schedule(10), july_run()).await;
    assert_eq!(kinds(&outcomes), [("acme", "queued"), ("globex", "queued")]);
    for outcome in &outcomes {
        let job = outcome.job().unwrap();
        assert_eq!(job.tenant_id, outcome.tenant);
        assert_eq!(job.status, JobStatus::Queued);
        assert_eq!(job.format, ExportFormat::ComplianceAll);
        assert_eq!(job.timezone, "Europe/Madrid");
        // April 1 to June 30 in Madrid (CEST, UTC+2), half-open.
        assert_eq!(job.window_start, at("2026-03-31T22:00:00Z"));
        assert_eq!(job.window_end, at("2026-06-30T22:00:00Z"));
        assert_eq!(
            job.file_name,
            "kt_2026-04-01_to_2026-06-30_compliance-all.tar.gz"
        );
        assert_eq!(job.label.as_deref(), Some("Quarterly evidence 2026-Q2"));
        assert_eq!(job.created_by, "schedule:quarterly");
        assert_eq!(job.origin.as_deref(), Some("schedule:quarterly"));
        assert_eq!(job.expires_in_days, 30);
        assert_eq!(
            outcome.idempotency_key,
            format!("schedule:quarterly:{}:2026-Q2", outcome.tenant)
        );
        assert!(outcome.is_covered() && !outcome.is_retryable());
    }
    let queued: Vec<JobId> = stores
        .queue
        .messages()
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(queued, job_ids(&outcomes));
}

#[tokio::test]
async fn a_second_run_in_the_same_quarter_replays_instead_of_duplicating() {
    let stores = Stores::new();
    let first = stores.run(&schedule(10), july_run()).await;
    // A double delivery minutes later, and a manual run in August: same quarter.
    for later in ["2026-07-01T03:04:00Z", "2026-08-15T10:00:00Z"] {
        let again = stores.run(&schedule(10), at(later)).await;
        assert_eq!(
            kinds(&again),
            [("acme", "replayed"), ("globex", "replayed")],
            "{later}"
        );
        assert_eq!(job_ids(&again), job_ids(&first), "{later}");
        assert!(again.iter().all(|o| o.is_covered() && !o.is_retryable()));
    }
    assert_eq!(stores.queue.messages().len(), 2, "nothing queued twice");
    // The next quarter is a new job.
    let october = stores.run(&schedule(10), at("2026-10-01T03:00:00Z")).await;
    assert_eq!(kinds(&october), [("acme", "queued"), ("globex", "queued")]);
    assert_eq!(
        october[0].job().unwrap().label.as_deref(),
        Some("Quarterly evidence 2026-Q3")
    );
}

#[tokio::test]
async fn a_tenant_at_its_active_limit_is_reported_and_the_others_still_get_jobs() {
    let stores = Stores::new();
    // acme already has a job queued; the limit is one.
    let busy = stores
        .run(
            &ScheduleConfig {
                tenants: vec![tenant("acme")],
                ..schedule(1)
            },
            at("2026-04-01T03:00:00Z"),
        )
        .await;
    assert_eq!(kinds(&busy), [("acme", "queued")]);
    let outcomes = stores.run(&schedule(1), july_run()).await;
    assert_eq!(
        kinds(&outcomes),
        [("acme", "too_many_active"), ("globex", "queued")]
    );
    assert!(outcomes[0].job().is_none());
    assert!(!outcomes[0].is_covered() && !outcomes[0].is_retryable());
    let summary = outcomes[0].summary();
    assert_eq!(summary.outcome, "too_many_active");
    assert_eq!(summary.job_id, None);
    assert_eq!(summary.quarter, "2026-Q2");
}

#[tokio::test]
async fn a_store_failure_for_one_run_is_retryable_and_reported_per_tenant() {
    let stores = Stores::new();
    stores
        .jobs
        .fail_with(Some(StoreError::Transient("throttled".into())));
    let outcomes = stores.run(&schedule(10), july_run()).await;
    assert_eq!(
        kinds(&outcomes),
        [("acme", "store_error"), ("globex", "store_error")]
    );
    assert!(outcomes.iter().all(ScheduledOutcome::is_retryable));
    stores.jobs.fail_with(None);
    let retry = stores.run(&schedule(10), july_run()).await;
    assert_eq!(kinds(&retry), [("acme", "queued"), ("globex", "queued")]);
}

#[tokio::test]
async fn a_job_the_queue_refused_is_created_again_by_the_retry_and_only_once() {
    let stores = Stores::new();
    let one = ScheduleConfig {
        tenants: vec![tenant("acme")],
        ..schedule(10)
    };
    stores
        .queue
        .fail_with(Some(StoreError::Transient("sqs down".into())));
    let first = stores.run(&one, july_run()).await;
    assert_eq!(kinds(&first), [("acme", "enqueue_failed")]);
    assert!(first[0].is_retryable());
    let refused = first[0].job().unwrap().id.clone();
    assert_eq!(first[0].job().unwrap().status, JobStatus::Failed);

    stores.queue.fail_with(None);
    let retry = stores.run(&one, july_run()).await;
    assert_eq!(kinds(&retry), [("acme", "queued")]);
    assert_eq!(
        retry[0].idempotency_key,
        format!("schedule:quarterly:acme:2026-Q2:after:{refused}")
    );
    let requeued = retry[0].job().unwrap().id.clone();
    assert_ne!(requeued, refused);

    let again = stores.run(&one, july_run()).await;
    assert_eq!(kinds(&again), [("acme", "replayed")]);
    assert_eq!(again[0].job().unwrap().id, requeued);
    assert_eq!(stores.queue.messages(), vec![(tenant("acme"), requeued)]);
}

#[tokio::test]
async fn each_format_has_its_own_key_and_file() {
    let stores = Stores::new();
    let both = ScheduleConfig {
        tenants: vec![tenant("acme")],
        formats: vec![ExportFormat::ComplianceAll, ExportFormat::Csv],
        ..schedule(10)
    };
    let outcomes = stores.run(&both, july_run()).await;
    assert_eq!(kinds(&outcomes), [("acme", "queued"), ("acme", "queued")]);
    let keys: Vec<&str> = outcomes
        .iter()
        .map(|o| o.idempotency_key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "schedule:quarterly:acme:2026-Q2",
            "schedule:quarterly:acme:2026-Q2:csv"
        ]
    );
    assert_eq!(
        outcomes[1].job().unwrap().file_name,
        "kt_2026-04-01_to_2026-06-30.csv"
    );
    // Dropping a format later does not disturb the other's key.
    let bundle_only = ScheduleConfig {
        formats: vec![ExportFormat::ComplianceAll],
        ..both.clone()
    };
    let again = stores.run(&bundle_only, july_run()).await;
    assert_eq!(kinds(&again), [("acme", "replayed")]);
}

#[tokio::test]
async fn the_quarter_is_the_one_before_the_local_date_in_the_schedule_zone() {
    let stores = Stores::new();
    let new_york = ScheduleConfig {
        tenants: vec![tenant("acme")],
        timezone: chrono_tz::America::New_York,
        ..schedule(10)
    };
    // Still June 30 in New York: Q2 is not over there, Q1 is exported.
    let outcomes = stores.run(&new_york, at("2026-07-01T00:30:00Z")).await;
    let job = outcomes[0].job().unwrap();
    assert_eq!(
        job.file_name,
        "kt_2026-01-01_to_2026-03-31_compliance-all.tar.gz"
    );
    assert_eq!(job.window_start, at("2026-01-01T05:00:00Z"));
    assert_eq!(job.window_end, at("2026-04-01T04:00:00Z"));
    assert_eq!(outcomes[0].quarter.to_string(), "2026-Q1");
}

#[tokio::test]
async fn no_tenants_means_nothing_to_do() {
    let stores = Stores::new();
    let none = ScheduleConfig {
        tenants: vec![],
        ..schedule(10)
    };
    assert!(stores.run(&none, july_run()).await.is_empty());
    assert!(stores.queue.messages().is_empty());
}

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
    let stores = Stores::new();
    let event = json!({"time": "2026-07-01T03:00:00Z", "detail-type": "Scheduled Event"});
    let unused_clock = at("2030-01-01T00:00:00Z");
    stores
        .queue
        .fail_with(Some(StoreError::Transient("sqs down".into())));
    let err = handle_event(
        &stores.jobs,
        &stores.queue,
        &schedule(10),
        &event,
        unused_clock,
    )
    .await
    .unwrap_err();
    assert_eq!((err.failed, err.total), (2, 2));
    assert!(err.outcomes.iter().all(|o| o.outcome == "enqueue_failed"));

    stores.queue.fail_with(None);
    let ok = handle_event(
        &stores.jobs,
        &stores.queue,
        &schedule(10),
        &event,
        unused_clock,
    )
    .await
    .unwrap();
    assert!(
        ok.iter()
            .all(|o| o.outcome == "queued" && o.quarter == "2026-Q2"),
        "{ok:?}"
    );

    // Without a time the fallback clock decides; a full tenant is reported, not retried.
    let busy = handle_event(
        &stores.jobs,
        &stores.queue,
        &schedule(1),
        &json!({}),
        july_run(),
    )
    .await
    .unwrap();
    assert!(busy.iter().all(|o| o.outcome == "replayed"), "{busy:?}");
    let next = handle_event(
        &stores.jobs,
        &stores.queue,
        &schedule(1),
        &json!({}),
        at("2026-10-01T03:00:00Z"),
    )
    .await
    .unwrap();
    assert!(
        next.iter().all(|o| o.outcome == "too_many_active"),
        "{next:?}"
    );
}
