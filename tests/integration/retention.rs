//! Evidence kept for years and completion events, on the local stack: a
//! retained compliance export is locked in S3 compliance mode (moto refuses
//! to delete the locked version), the job and its manifest say until when,
//! raw formats cannot be retained, the tenant's default applies, and an
//! EventBridge rule forwards the completion event to an SQS queue.
use crate::app::{fresh_config, spawn_app_with, unique};
use crate::exports::seed_lake;
use chrono::{DateTime, Duration, Utc};
use kt_domain::{ComplianceProfile, TenantId};
use serde_json::{Value, json};

fn request(format: &str, retention_days: Option<u32>) -> Value {
    let mut body = json!({"type": "events", "format": format, "date_from": "2026-05-01",
                          "date_to": "2026-05-02", "timezone": "Europe/Madrid"});
    if let Some(days) = retention_days {
        body["retention_days"] = json!(days);
    }
    body
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// A queue that receives every `kt-exports` event of `bus` through a rule
/// (the rule docs/custody.md shows). Returns the queue URL.
async fn rule_to_queue(clients: &kt_store::aws::AwsClients, bus: &str) -> String {
    let name = unique("kt-events-q");
    let url = clients
        .sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = clients
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    let pattern = json!({"source": ["kt-exports"],
                         "detail-type": ["Export job completed", "Export job failed", "Export job canceled"]});
    clients
        .events
        .put_rule()
        .name(&name)
        .event_bus_name(bus)
        .event_pattern(pattern.to_string())
        .send()
        .await
        .unwrap();
    clients
        .events
        .put_targets()
        .rule(&name)
        .event_bus_name(bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("queue")
                .arn(arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    url
}

/// The events the queue holds, waiting up to ~10 s for `want` of them.
async fn received(clients: &kt_store::aws::AwsClients, url: &str, want: usize) -> Vec<Value> {
    let mut events = vec![];
    for _ in 0..10 {
        let out = clients
            .sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        for m in out.messages() {
            events.push(serde_json::from_str(m.body().unwrap()).unwrap());
        }
        if events.len() >= want {
            break;
        }
    }
    events
}

#[tokio::test]
async fn retained_exports_are_locked_kept_and_announced() {
    let mut config = fresh_config();
    let bus = unique("kt-exports-bus");
    config.resources.event_bus = Some(bus.clone());
    let app = spawn_app_with(config, true).await;
    let clients = app.stack.clients.clone();
    let bucket = app.stack.config.resources.artifacts_bucket.clone();
    let queue = rule_to_queue(&clients, &bus).await;
    let tenant = unique("retain");
    seed_lake(&app, &tenant).await;

    // Raw formats keep the 30-day maximum.
    let refused = app
        .post(&tenant, "/v1/export-jobs", &request("csv", Some(365)))
        .await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "retention_days", "{problem}");
    let too_long = app
        .post(
            &tenant,
            "/v1/export-jobs",
            &request("compliance-all", Some(3651)),
        )
        .await;
    assert_eq!(too_long.status(), 400);

    // A compliance bundle kept 400 days: locked, shown, stated in the manifest.
    let id = app
        .create(&tenant, request("compliance-all", Some(400)))
        .await;
    let job = app.wait_done(&tenant, &id).await;
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["retention_days"], 400);
    let retained_until = time(&job["retained_until"]);
    let completed_at = time(&job["completed_at"]);
    assert!(
        (retained_until - (completed_at + Duration::days(400)))
            .num_seconds()
            .abs()
            <= 1
    );
    assert!(retained_until > time(&job["expires_at"]));
    let manifest: Value = app
        .get(&tenant, &format!("/v1/export-jobs/{id}/manifest"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        time(&manifest["artifact"]["retained_until"]),
        retained_until
    );

    // The object sits under retained/2y/, locked in compliance mode.
    let listed = clients
        .s3
        .list_object_versions()
        .bucket(&bucket)
        .prefix(format!("retained/2y/{tenant}/{id}/"))
        .send()
        .await
        .unwrap();
    let versions = listed.versions();
    assert_eq!(versions.len(), 1, "{versions:?}");
    let (key, version) = (
        versions[0].key().unwrap().to_string(),
        versions[0].version_id().unwrap().to_string(),
    );
    let head = clients
        .s3
        .head_object()
        .bucket(&bucket)
        .key(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.object_lock_mode(),
        Some(&aws_sdk_s3::types::ObjectLockMode::Compliance)
    );
    assert_eq!(
        head.object_lock_retain_until_date().map(|d| d.secs()),
        Some(retained_until.timestamp())
    );
    // Nobody deletes the locked version before retained_until.
    let deleted = clients
        .s3
        .delete_object()
        .bucket(&bucket)
        .key(&key)
        .version_id(&version)
        .send()
        .await;
    let err = deleted.expect_err("a compliance-mode lock refuses the delete");
    assert_eq!(
        kt_store::aws_error::error_code(&err),
        Some("AccessDenied"),
        "{err:?}"
    );
    let (_, bundle) = app.download(&tenant, &id).await;
    assert!(!bundle.is_empty());

    // The tenant's default applies to compliance formats only.
    let profile: ComplianceProfile =
        serde_json::from_value(json!({"retention": {"evidence_days": 200}})).unwrap();
    app.stack
        .job_store()
        .put_profile(&TenantId::parse(&tenant).unwrap(), &profile, Utc::now())
        .await
        .unwrap();
    let by_default = app.create(&tenant, request("compliance-aesia", None)).await;
    let raw = app.create(&tenant, request("json", None)).await;
    let by_default = app.wait_done(&tenant, &by_default).await;
    let raw = app.wait_done(&tenant, &raw).await;
    assert_eq!(by_default["status"], "completed", "{by_default}");
    let until = time(&by_default["retained_until"]);
    let done = time(&by_default["completed_at"]);
    assert!((until - (done + Duration::days(200))).num_seconds().abs() <= 1);
    assert_eq!(raw["status"], "completed");
    assert_eq!(raw["retained_until"], Value::Null);

    // One completion event per job, through the rule to the queue.
    let events = received(&clients, &queue, 3).await;
    let first = events
        .iter()
        .find(|e| e["detail"]["job_id"] == id.as_str())
        .unwrap_or_else(|| panic!("no event for {id}: {events:?}"));
    assert_eq!(first["source"], "kt-exports");
    assert_eq!(first["detail-type"], "Export job completed");
    assert_eq!(first["detail"]["tenant_id"], tenant.as_str());
    assert_eq!(first["detail"]["format"], "compliance-all");
    assert_eq!(first["detail"]["status"], "completed");
    assert_eq!(first["detail"]["sha256"], job["sha256"]);
    assert_eq!(events.len(), 3, "{events:?}");
}

#[tokio::test]
async fn a_bus_that_refuses_events_fails_no_cancel() {
    // The bus is named but never created: PutEvents fails, the jobs do not.
    let mut config = fresh_config();
    config.resources.event_bus = Some(unique("kt-missing-bus"));
    let app = spawn_app_with(config.clone(), false).await;
    let clients = app.stack.clients.clone();
    clients
        .events
        .delete_event_bus()
        .name(config.resources.event_bus.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    let tenant = unique("cancel");
    let id = app.create(&tenant, request("csv", None)).await;
    let canceled = app
        .http
        .post(app.url(&format!("/v1/export-jobs/{id}/cancel")))
        .bearer_auth(crate::app::token(
            &tenant,
            &["exports:read", "exports:write"],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(canceled.status(), 202);
    let job: Value = app
        .get(&tenant, &format!("/v1/export-jobs/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(job["status"], "canceled");
}
