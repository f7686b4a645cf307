//! Router tests over the in-memory stores, through the dev auth layer, as a
//! caller sees the API.
mod auth;
mod create;
mod download;
mod no_store;
mod openapi;
mod page;
mod profile;
mod read;
mod share;
mod share_links;
mod unavailable;

use super::{AppState, dev_auth_layer, dev_token, router};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{DateTime, TimeDelta, Utc};
use kt_domain::Completion;
use kt_domain::{JobId, JobStats, TenantId};
use kt_store::memory::{MemoryArtifactStore, MemoryJobQueue, MemoryJobStore};
use kt_store::{JobStore, Transition};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

const SECRET: &str = "test-dev-secret";
const RW: &[&str] = &["exports:read", "exports:write"];

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The API on in-memory stores, with a clock the test moves.
struct TestApp {
    router: Router,
    jobs: Arc<MemoryJobStore>,
    queue: Arc<MemoryJobQueue>,
    artifacts: Arc<MemoryArtifactStore>,
    /// Where signed manifests are kept (`custody`).
    manifests: Arc<kt_store::memory::MemoryCustodyStore>,
    now: Arc<Mutex<DateTime<Utc>>>,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
    /// Asserts a problem+json of `status`; returns the fields its `errors` name.
    fn problem(&self, status: StatusCode) -> Vec<String> {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.header(header::CONTENT_TYPE),
            "application/problem+json"
        );
        assert_eq!(self.body["status"], status.as_u16());
        assert!(
            self.body["type"]
                .as_str()
                .unwrap()
                .starts_with("urn:kt-exports:problem:")
        );
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
        self.body["errors"]
            .as_array()
            .map(|e| {
                e.iter()
                    .map(|x| x["field"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn app() -> TestApp {
    app_with_limit(10)
}

fn app_with_limit(max_active: u32) -> TestApp {
    app_with(max_active, |state| state)
}

/// The API on in-memory stores, its state changed by `configure` first.
fn app_with(max_active: u32, configure: impl FnOnce(AppState) -> AppState) -> TestApp {
    let jobs = Arc::new(MemoryJobStore::new());
    let queue = Arc::new(MemoryJobQueue::new());
    let artifacts = Arc::new(MemoryArtifactStore::new());
    let now = Arc::new(Mutex::new(t("2026-06-15T12:00:00Z")));
    let clock_now = now.clone();
    let manifests = Arc::new(kt_store::memory::MemoryCustodyStore::default());
    let custody = crate::custody::Custody {
        signer: Arc::new(kt_engine::custody::LocalKeySigner::generate()),
        retired: vec![],
        store: manifests.clone(),
        pseudonym_key: "k".into(),
        timestamper: None,
    };
    let state = AppState::new(jobs.clone(), queue.clone(), artifacts.clone(), max_active)
        .with_clock(Arc::new(move || *clock_now.lock().unwrap()))
        .with_custody(custody);
    TestApp {
        router: router(configure(state)).layer(dev_auth_layer(SECRET.into())),
        jobs,
        queue,
        artifacts,
        manifests,
        now,
    }
}

fn token(tenant: &str, scopes: &[&str]) -> String {
    dev_token(SECRET, "u_1042", tenant, scopes, Duration::from_secs(600))
}

fn may() -> Value {
    json!({"type": "events", "format": "csv", "date_from": "2026-05-01",
           "date_to": "2026-05-31", "timezone": "Europe/Madrid", "label": "May control check"})
}

impl TestApp {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap()
    }
    fn set_now(&self, t: DateTime<Utc>) {
        *self.now.lock().unwrap() = t;
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let is_text = headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/"));
        let is_binary = headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes() == b"application/octet-stream");
        let body = if bytes.is_empty() {
            Value::Null
        } else if is_binary {
            // A signature: base64, to compare.
            use base64::Engine;
            Value::String(base64::engine::general_purpose::STANDARD.encode(&bytes))
        } else if is_text {
            // The page's files.
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("non-JSON body: {}", String::from_utf8_lossy(&bytes)))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn call(&self, method: Method, uri: &str, token: Option<&str>) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(tok) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {tok}"));
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    async fn get(&self, uri: &str, token: &str) -> Reply {
        self.call(Method::GET, uri, Some(token)).await
    }

    /// The events of a job's audit trail, in order, as its tenant reads them.
    async fn trail_events(&self, tenant: &str, id: impl std::fmt::Display) -> Vec<String> {
        let trail = self
            .get(&format!("/v1/export-jobs/{id}/audit"), &token(tenant, RW))
            .await;
        trail.body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_string())
            .collect()
    }

    async fn post_raw(
        &self,
        token: &str,
        content_type: &str,
        body: &str,
        key: Option<&str>,
    ) -> Reply {
        let mut req = Request::post("/v1/export-jobs")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type);
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        self.send(req.body(Body::from(body.to_string())).unwrap())
            .await
    }

    async fn create(&self, token: &str, body: Value, key: Option<&str>) -> Reply {
        self.post_raw(token, "application/json", &body.to_string(), key)
            .await
    }

    /// Creates a job for `tenant` and returns its id.
    async fn created(&self, tenant: &str) -> JobId {
        let r = self.create(&token(tenant, RW), may(), None).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        JobId::parse(r.body["id"].as_str().unwrap()).unwrap()
    }

    /// Runs a created job to completion as a worker would, expiring `expires_in` from now.
    async fn complete(&self, tenant: &str, id: &JobId, expires_in: TimeDelta) {
        let tenant = TenantId::parse(tenant).unwrap();
        let now = self.now();
        let lease = now + TimeDelta::minutes(2);
        let Transition::Done(job) = self.jobs.claim(&tenant, id, now, lease).await.unwrap() else {
            panic!("claim failed");
        };
        let completion = Completion {
            completed_at: now,
            expires_at: now + expires_in,
            event_count: 42,
            size_bytes: 1234,
            sha256: "ab".repeat(32),
            stats: JobStats::default(),
            artifact_key: format!("exports/{tenant}/{id}/{}", job.file_name),
            retained_until: None,
        };
        let done = self
            .jobs
            .complete(&tenant, id, job.attempts, &completion)
            .await
            .unwrap();
        assert!(matches!(done, Transition::Done(_)));
    }
}
