//! Every route of the API (`docs/openapi.yaml`) over HTTP, against the emulator-backed stores.
use crate::app::{TestApp, fresh_config, spawn_app_with, token, unique};
use serde_json::{Value, json};

async fn api_only() -> TestApp {
    spawn_app_with(fresh_config(), false).await
}

fn may() -> Value {
    json!({"type": "events", "format": "csv", "date_from": "2026-05-01", "date_to": "2026-05-31"})
}

#[tokio::test]
async fn healthz_answers_without_auth() {
    let app = api_only().await;
    let r = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], kt_domain::VERSION);
}

#[tokio::test]
async fn missing_or_bad_tokens_are_401_and_missing_scope_is_403() {
    let app = api_only().await;
    let tenant = unique("acme");
    let r = app
        .http
        .get(app.url("/v1/export-jobs"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let forged = kt_service::http::dev_token(
        "wrong-secret",
        "u",
        &tenant,
        &["exports:read"],
        std::time::Duration::from_secs(60),
    );
    let r = app
        .http
        .get(app.url("/v1/export-jobs"))
        .bearer_auth(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let read_only = token(&tenant, &["exports:read"]);
    let r = app
        .http
        .post(app.url("/v1/export-jobs"))
        .bearer_auth(read_only)
        .json(&may())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn create_echoes_the_resolved_window_and_get_returns_the_job() {
    let app = api_only().await;
    let tenant = unique("acme");
    let mut body = may();
    body["timezone"] = json!("Europe/Madrid");
    body["label"] = json!("May control check");
    let r = app.post(&tenant, "/v1/export-jobs", &body).await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let job: Value = r.json().await.unwrap();
    assert_eq!(
        location,
        format!("/v1/export-jobs/{}", job["id"].as_str().unwrap())
    );
    assert_eq!(job["status"], "queued");
    assert_eq!(job["window_start"], "2026-04-30T22:00:00Z");
    assert_eq!(job["window_end"], "2026-05-31T22:00:00Z");
    assert_eq!(job["file_name"], "kt_2026-05-01_to_2026-05-31.csv");
    assert_eq!(job["created_by"], "u_test");
    assert_eq!(job["actions"], json!(["cancel"]));
    let fetched: Value = app.get(&tenant, &location).await.json().await.unwrap();
    assert_eq!(fetched, job);
}

#[tokio::test]
async fn bad_requests_are_problems_not_server_errors() {
    let app = api_only().await;
    let tenant = unique("acme");
    let cases = [
        (json!([1, 2]), 400),
        (
            json!({"type": "events", "format": "xlsx", "date_from": "2026-05-01", "date_to": "2026-05-31"}),
            400,
        ),
        (
            json!({"type": "events", "format": "csv", "date_from": "2026-05-01"}),
            400,
        ),
        (
            json!({"type": "events", "format": "csv", "date_from": "2026-05-01", "date_to": "2026-05-31", "colour": "red"}),
            400,
        ),
        (
            json!({"type": "events", "format": "csv", "date_from": "2026-05-01", "date_to": "2026-05-31", "timezone": "Mars/Olympus"}),
            400,
        ),
        (
            json!({"type": "events", "format": "csv", "date_from": "2026-05-01", "date_to": "2026-05-31", "expires_in_days": 31}),
            400,
        ),
        (
            json!({"type": "events", "format": "csv", "date_from": "2026-05-31", "date_to": "2026-05-01"}),
            422,
        ),
        (
            json!({"type": "events", "format": "csv", "date_from": "2024-01-01", "date_to": "2026-05-01"}),
            422,
        ),
        (
            json!({"type": "events", "format": "csv", "date_from": "2026-05-01", "date_to": "2099-01-01"}),
            422,
        ),
    ];
    for (body, status) in cases {
        let r = app.post(&tenant, "/v1/export-jobs", &body).await;
        assert_eq!(r.status(), status, "{body}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["status"], status);
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn idempotency_key_replays_the_same_job_and_rejects_a_different_body() {
    let app = api_only().await;
    let tenant = unique("acme");
    let send = |body: Value| {
        let app = &app;
        let tenant = tenant.clone();
        async move {
            app.http
                .post(app.url("/v1/export-jobs"))
                .bearer_auth(token(&tenant, &["exports:write"]))
                .header("Idempotency-Key", "quarter-close-1")
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send(may()).await;
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    let again = send(may()).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    let mut other = may();
    other["format"] = json!("json");
    assert_eq!(send(other).await.status(), 422);
}

#[tokio::test]
async fn active_job_limit_answers_429_and_cancel_frees_a_slot() {
    let app = api_only().await; // fresh_config sets KT_MAX_ACTIVE_JOBS = 3
    let tenant = unique("acme");
    let mut ids = vec![];
    for _ in 0..3 {
        ids.push(app.create(&tenant, may()).await);
    }
    let r = app.post(&tenant, "/v1/export-jobs", &may()).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));

    let r = app
        .post(
            &tenant,
            &format!("/v1/export-jobs/{}/cancel", ids[0]),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 202);
    let canceled: Value = r.json().await.unwrap();
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(canceled["actions"], json!([]));
    let again = app
        .post(
            &tenant,
            &format!("/v1/export-jobs/{}/cancel", ids[0]),
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), 409);
    app.create(&tenant, may()).await;
}

#[tokio::test]
async fn download_of_an_unfinished_job_is_409() {
    let app = api_only().await;
    let tenant = unique("acme");
    let id = app.create(&tenant, may()).await;
    let r = app
        .get(&tenant, &format!("/v1/export-jobs/{id}/download"))
        .await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn list_pages_newest_first_with_a_cursor_and_filters_by_status() {
    let app = api_only().await;
    let tenant = unique("acme");
    let mut ids = vec![];
    for _ in 0..3 {
        ids.push(app.create(&tenant, may()).await);
    }
    app.post(
        &tenant,
        &format!("/v1/export-jobs/{}/cancel", ids[1]),
        &json!({}),
    )
    .await;

    let page1: Value = app
        .get(&tenant, "/v1/export-jobs?limit=2")
        .await
        .json()
        .await
        .unwrap();
    let got: Vec<&str> = page1["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [ids[2].as_str(), ids[1].as_str()]);
    let cursor = page1["next_cursor"].as_str().expect("a next page");
    let page2: Value = app
        .get(&tenant, &format!("/v1/export-jobs?limit=2&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page2["jobs"][0]["id"], ids[0].as_str());
    assert_eq!(page2["jobs"].as_array().unwrap().len(), 1);

    let canceled: Value = app
        .get(&tenant, "/v1/export-jobs?status=canceled")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(canceled["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(canceled["jobs"][0]["id"], ids[1].as_str());

    let other = unique("globex");
    let r = app
        .get(&other, &format!("/v1/export-jobs?cursor={cursor}"))
        .await;
    assert_eq!(r.status(), 400, "a cursor issued to another tenant");
    assert_eq!(
        app.get(&tenant, "/v1/export-jobs?limit=0").await.status(),
        400
    );
    assert_eq!(
        app.get(&tenant, "/v1/export-jobs?limit=101").await.status(),
        400
    );
}
