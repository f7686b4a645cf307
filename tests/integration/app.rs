//! `spawn_app()`: the API and the worker against the emulator, with fresh
//! resource names so tests run in parallel, as `kt-local up` runs them.
use aws_sdk_s3::primitives::ByteStream;
use flate2::{Compression, write::GzEncoder};
use kt_dev::LocalStack;
use kt_service::config::Config;
use serde_json::Value;
use std::io::Write;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub const SECRET: &str = "kt-test-secret";

pub struct TestApp {
    pub base: String,
    pub stack: Arc<LocalStack>,
    pub http: reqwest::Client,
    stop: CancellationToken,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A lower-case unique suffix for resource and tenant names.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        ulid::Ulid::new().to_string().to_ascii_lowercase()
    )
}

/// Fresh table, queues and buckets on the emulator (created by `spawn_app_with`).
pub fn fresh_config() -> Config {
    let mut config = kt_integration_tests::fresh_emulator_config();
    config.dev_jwt_secret = SECRET.into();
    config.max_active_jobs = 3;
    config
}

/// The API on an ephemeral port, with (or without) the worker polling.
pub async fn spawn_app_with(config: Config, with_worker: bool) -> TestApp {
    let stack = Arc::new(LocalStack::connect(config).await.expect("emulator"));
    stack.bootstrap().await.expect("bootstrap");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    let serving = stack.clone();
    let token = stop.clone();
    tokio::spawn(async move {
        if with_worker {
            serving.serve_on(listener, token).await.expect("serve");
        } else {
            serving
                .serve_api_only(listener, token)
                .await
                .expect("serve");
        }
    });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        base,
        stack,
        http,
        stop,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(fresh_config(), true).await
}

pub fn token(tenant: &str, scopes: &[&str]) -> String {
    kt_service::http::dev_token(
        SECRET,
        "u_test",
        tenant,
        scopes,
        std::time::Duration::from_secs(600),
    )
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn post(&self, tenant: &str, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token(tenant, &["exports:read", "exports:write"]))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, tenant: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token(tenant, &["exports:read"]))
            .send()
            .await
            .unwrap()
    }

    /// Creates a job and returns its id (asserts 202).
    pub async fn create(&self, tenant: &str, body: Value) -> String {
        let response = self.post(tenant, "/v1/export-jobs", &body).await;
        let status = response.status();
        let job: Value = response.json().await.unwrap();
        assert_eq!(status, 202, "create answered {status}: {job}");
        job["id"].as_str().unwrap().to_string()
    }

    /// Polls the job until it leaves queued/processing (at most 60 s).
    pub async fn wait_done(&self, tenant: &str, id: &str) -> Value {
        for _ in 0..600 {
            let job: Value = self
                .get(tenant, &format!("/v1/export-jobs/{id}"))
                .await
                .json()
                .await
                .unwrap();
            if !matches!(job["status"].as_str(), Some("queued" | "processing")) {
                return job;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("job {id} did not finish in 60 s");
    }

    /// Follows the 303 of `/download` and returns (Content-Disposition, body).
    pub async fn download(&self, tenant: &str, id: &str) -> (String, Vec<u8>) {
        let response = self
            .get(tenant, &format!("/v1/export-jobs/{id}/download"))
            .await;
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let artifact = self.http.get(location).send().await.unwrap();
        assert_eq!(artifact.status(), 200);
        let disposition = artifact
            .headers()
            .get("content-disposition")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (disposition, artifact.bytes().await.unwrap().to_vec())
    }

    /// Writes one lake object: gzip (one member per chunk of lines) or plain.
    pub async fn put_lake_object(&self, key: &str, lines: &[String], gzip_members: usize) {
        let text: Vec<u8> = lines
            .iter()
            .flat_map(|l| format!("{l}\n").into_bytes())
            .collect();
        let body = if gzip_members == 0 {
            text
        } else {
            let per_member = lines.len().div_ceil(gzip_members).max(1);
            let mut out = Vec::new();
            for chunk in lines.chunks(per_member) {
                let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
                for l in chunk {
                    gz.write_all(l.as_bytes()).unwrap();
                    gz.write_all(b"\n").unwrap();
                }
                out.extend(gz.finish().unwrap());
            }
            out
        };
        self.stack
            .clients
            .s3
            .put_object()
            .bucket(&self.stack.config.resources.events_bucket)
            .key(key)
            .body(ByteStream::from(body))
            .send()
            .await
            .unwrap();
    }
}
