//! Quarterly runs over the in-memory stores, with schedules from the tenants' profiles.
use super::*;
use crate::job_creation::{JobCreator, Submitted};
use kt_domain::profile::ComplianceProfile;
use kt_domain::{Job, JobId, JobStatus};
use kt_store::ProfileStore;
use kt_store::memory::{MemoryJobQueue, MemoryJobStore};
use serde_json::json;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn tenant(s: &str) -> TenantId {
    TenantId::parse(s).unwrap()
}

fn declaration(tz: &str, formats: &[ExportFormat]) -> ScheduleDeclaration {
    ScheduleDeclaration {
        enabled: true,
        formats: Some(formats.to_vec()),
        timezone: Some(tz.into()),
        expires_in_days: None,
    }
}

/// The run on the first of July (03:00 in Madrid is 01:00 UTC).
fn july_run() -> DateTime<Utc> {
    at("2026-07-01T03:00:00Z")
}

struct Stores {
    jobs: MemoryJobStore,
    queue: MemoryJobQueue,
}

impl Stores {
    /// acme and globex, each with an enabled Madrid schedule of the bundle.
    async fn new() -> Self {
        let s = Self::empty();
        for t in ["acme", "globex"] {
            s.set(
                t,
                declaration("Europe/Madrid", &[ExportFormat::ComplianceAll]),
            )
            .await;
        }
        s
    }
    fn empty() -> Self {
        Self {
            jobs: MemoryJobStore::new(),
            queue: MemoryJobQueue::new(),
        }
    }
    async fn set(&self, t: &str, schedule: ScheduleDeclaration) {
        let profile = ComplianceProfile {
            schedule: Some(schedule),
            ..Default::default()
        };
        self.jobs
            .put_profile(&tenant(t), &profile, at("2026-05-01T00:00:00Z"))
            .await
            .unwrap();
    }
    async fn run(&self, now: DateTime<Utc>) -> Vec<ScheduledOutcome> {
        run_quarterly(&self.jobs, &self.queue, now, &move || now)
            .await
            .unwrap()
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
    let stores = Stores::new().await;
    let outcomes = stores.run(july_run()).await;
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
            format!("§schedule:quarterly:{}:2026-Q2", outcome.tenant)
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
async fn a_tenant_added_to_the_store_is_scheduled_without_a_redeploy() {
    let stores = Stores::new().await;
    stores
        .set(
            "initech",
            declaration("UTC", &[ExportFormat::ComplianceEns]),
        )
        .await;
    let mut disabled = declaration("UTC", &[ExportFormat::ComplianceAll]);
    disabled.enabled = false;
    stores.set("globex", disabled).await;
    let outcomes = stores.run(july_run()).await;
    assert_eq!(
        kinds(&outcomes),
        [("acme", "queued"), ("initech", "queued")]
    );
}

#[tokio::test]
async fn later_runs_in_the_catch_up_week_replay_and_after_it_do_nothing() {
    let stores = Stores::new().await;
    let first = stores.run(july_run()).await;
    // The hourly runs that follow, and a double delivery.
    for later in ["2026-07-01T03:04:00Z", "2026-07-06T10:00:00Z"] {
        let again = stores.run(at(later)).await;
        assert_eq!(
            kinds(&again),
            [("acme", "replayed"), ("globex", "replayed")],
            "{later}"
        );
        assert_eq!(job_ids(&again), job_ids(&first), "{later}");
    }
    assert!(stores.run(at("2026-08-15T10:00:00Z")).await.is_empty());
    assert_eq!(stores.queue.messages().len(), 2, "nothing queued twice");
    // The next quarter is a new job.
    let october = stores.run(at("2026-10-01T03:00:00Z")).await;
    assert_eq!(kinds(&october), [("acme", "queued"), ("globex", "queued")]);
    assert_eq!(
        october[0].job().unwrap().label.as_deref(),
        Some("Quarterly evidence 2026-Q3")
    );
}

#[tokio::test]
async fn a_callers_idempotency_key_cannot_block_the_scheduled_export() {
    let stores = Stores::new().await;
    // A caller sends the key the scheduler used to use, and any key a caller
    // can send is visible ASCII: the scheduler's keys are not.
    let creator = JobCreator::new(&stores.jobs, &stores.queue, 10);
    let request = quarterly_request(
        Quarter::new(2026, 2).unwrap(),
        ExportFormat::Json,
        &declaration("UTC", &[]),
    );
    let window = request.resolve_window(july_run()).unwrap();
    let job = request.into_job(
        &window,
        Requester {
            tenant: tenant("acme"),
            created_by: "u_1".into(),
            origin: None,
        },
        july_run(),
    );
    let users = creator
        .submit(job, Some("schedule:quarterly:acme:2026-Q2"), july_run())
        .await
        .unwrap();
    assert!(matches!(users, Submitted::Queued(_)));
    let outcomes = stores.run(july_run()).await;
    assert_eq!(kinds(&outcomes), [("acme", "queued"), ("globex", "queued")]);
    assert_eq!(
        outcomes[0].job().unwrap().format,
        ExportFormat::ComplianceAll
    );
    assert!(!outcomes[0].idempotency_key.is_ascii());
}

#[tokio::test]
async fn a_tenant_at_its_active_limit_still_gets_its_quarterly_evidence() {
    let stores = Stores::new().await;
    // acme fills its one slot with its own job.
    let creator = JobCreator::new(&stores.jobs, &stores.queue, 1);
    let request = quarterly_request(
        Quarter::new(2026, 1).unwrap(),
        ExportFormat::Csv,
        &declaration("UTC", &[]),
    );
    let window = request.resolve_window(july_run()).unwrap();
    let requester = Requester {
        tenant: tenant("acme"),
        created_by: "u_1".into(),
        origin: None,
    };
    let own = creator
        .submit(
            request
                .clone()
                .into_job(&window, requester.clone(), july_run()),
            None,
            july_run(),
        )
        .await
        .unwrap();
    assert!(matches!(own, Submitted::Queued(_)));
    let refused = creator
        .submit(
            request.into_job(&window, requester, july_run()),
            None,
            july_run(),
        )
        .await
        .unwrap();
    assert!(
        matches!(refused, Submitted::TooManyActive { limit: 1 }),
        "the limit holds for callers"
    );
    let outcomes = stores.run(july_run()).await;
    assert_eq!(kinds(&outcomes), [("acme", "queued"), ("globex", "queued")]);
    assert!(outcomes.iter().all(ScheduledOutcome::is_covered));
    assert_eq!(stores.jobs.active_count(&tenant("acme")), 2);
}

#[tokio::test]
async fn a_store_failure_for_one_run_is_retryable_and_reported_per_tenant() {
    let stores = Stores::new().await;
    let schedules = stores.jobs.enabled_schedules().await.unwrap();
    stores
        .jobs
        .fail_with(Some(StoreError::Transient("throttled".into())));
    let outcomes = run_schedules(
        &stores.jobs,
        &stores.queue,
        &schedules,
        july_run(),
        &july_run,
    )
    .await;
    assert_eq!(
        kinds(&outcomes),
        [("acme", "store_error"), ("globex", "store_error")]
    );
    assert!(outcomes.iter().all(ScheduledOutcome::is_retryable));
    // Not even the schedules can be read: the whole run is retryable.
    let err = handle_event(&stores.jobs, &stores.queue, &json!({}), &july_run)
        .await
        .unwrap_err();
    assert_eq!(err.failed, 1);
    stores.jobs.fail_with(None);
    let retry = stores.run(july_run()).await;
    assert_eq!(kinds(&retry), [("acme", "queued"), ("globex", "queued")]);
}

#[tokio::test]
async fn a_job_the_queue_refused_is_created_again_by_the_retry_and_only_once() {
    let stores = Stores::empty();
    stores
        .set(
            "acme",
            declaration("Europe/Madrid", &[ExportFormat::ComplianceAll]),
        )
        .await;
    stores
        .queue
        .fail_with(Some(StoreError::Transient("sqs down".into())));
    let first = stores.run(july_run()).await;
    assert_eq!(kinds(&first), [("acme", "enqueue_failed")]);
    assert!(first[0].is_retryable());
    let refused = first[0].job().unwrap().id.clone();
    assert_eq!(first[0].job().unwrap().status, JobStatus::Failed);

    stores.queue.fail_with(None);
    let retry = stores.run(july_run()).await;
    assert_eq!(kinds(&retry), [("acme", "queued")]);
    assert_eq!(
        retry[0].idempotency_key,
        format!("§schedule:quarterly:acme:2026-Q2:after:{refused}")
    );
    let requeued = retry[0].job().unwrap().id.clone();
    assert_ne!(requeued, refused);

    let again = stores.run(july_run()).await;
    assert_eq!(kinds(&again), [("acme", "replayed")]);
    assert_eq!(again[0].job().unwrap().id, requeued);
    assert_eq!(stores.queue.messages(), vec![(tenant("acme"), requeued)]);
}

#[tokio::test]
async fn each_format_has_its_own_key_and_file() {
    let stores = Stores::empty();
    stores
        .set(
            "acme",
            declaration(
                "Europe/Madrid",
                &[ExportFormat::ComplianceAll, ExportFormat::ComplianceEns],
            ),
        )
        .await;
    let outcomes = stores.run(july_run()).await;
    assert_eq!(kinds(&outcomes), [("acme", "queued"), ("acme", "queued")]);
    let keys: Vec<&str> = outcomes
        .iter()
        .map(|o| o.idempotency_key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "§schedule:quarterly:acme:2026-Q2",
            "§schedule:quarterly:acme:2026-Q2:compliance-ens"
        ]
    );
    assert_eq!(
        outcomes[1].job().unwrap().file_name,
        "kt_2026-04-01_to_2026-06-30_compliance-ens.json"
    );
    // Dropping a format later does not disturb the other's key.
    stores
        .set(
            "acme",
            declaration("Europe/Madrid", &[ExportFormat::ComplianceAll]),
        )
        .await;
    let again = stores.run(july_run()).await;
    assert_eq!(kinds(&again), [("acme", "replayed")]);
}

#[tokio::test]
async fn the_quarter_and_the_run_are_local_to_the_tenants_zone() {
    let stores = Stores::empty();
    stores
        .set(
            "acme",
            declaration("America/New_York", &[ExportFormat::ComplianceAll]),
        )
        .await;
    // Still June 30 in New York: not due yet.
    assert!(stores.run(at("2026-07-01T00:30:00Z")).await.is_empty());
    // 03:00 on July 1 in New York (EDT, UTC-4) is 07:00 UTC.
    assert!(stores.run(at("2026-07-01T06:59:00Z")).await.is_empty());
    let outcomes = stores.run(at("2026-07-01T07:00:00Z")).await;
    let job = outcomes[0].job().unwrap();
    assert_eq!(job.window_start, at("2026-04-01T04:00:00Z"));
    assert_eq!(job.window_end, at("2026-07-01T04:00:00Z"));
    assert_eq!(outcomes[0].quarter.to_string(), "2026-Q2");
}

#[tokio::test]
async fn no_schedules_means_nothing_to_do() {
    let stores = Stores::empty();
    assert!(stores.run(july_run()).await.is_empty());
    assert!(stores.queue.messages().is_empty());
}

mod attempts;
mod handler;
