//! A small client of the export-jobs API: bearer token, problem+json errors.
use anyhow::{Context, Result, anyhow};
use reqwest::{Response, StatusCode};
use serde::Deserialize;
use serde_json::Value;

#[derive(clap::Args, Clone)]
pub struct ApiArgs {
    /// Base URL of the export-jobs API.
    #[arg(
        long,
        env = "KT_API_URL",
        default_value = "http://127.0.0.1:3000",
        global = true
    )]
    pub api_url: String,
    /// Bearer token (locally: `kt dev token --tenant acme`).
    #[arg(long, env = "KT_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
}

pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

#[derive(Deserialize)]
struct Problem {
    title: Option<String>,
    detail: Option<String>,
    #[serde(default)]
    errors: Vec<FieldError>,
}

#[derive(Deserialize)]
struct FieldError {
    field: String,
    message: String,
}

impl ApiClient {
    pub fn new(args: &ApiArgs) -> Result<Self> {
        let token = args
            .token
            .clone()
            .ok_or_else(|| anyhow!("no token: set KT_TOKEN or pass --token (locally: export KT_TOKEN=$(kt dev token --tenant acme))"))?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            base: args.api_url.trim_end_matches('/').to_string(),
            token,
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .query(query)
            .send()
            .await
            .with_context(|| format!("cannot reach the API at {}", self.base))?;
        json_or_problem(response).await
    }

    pub async fn post(
        &self,
        path: &str,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> Result<Value> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("cannot reach the API at {}", self.base))?;
        json_or_problem(response).await
    }
}

/// The body of a 2xx, or the API's problem turned into a readable error.
async fn json_or_problem(response: Response) -> Result<Value> {
    let status = response.status();
    let bytes = response.bytes().await?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).context("the API answered with invalid JSON");
    }
    Err(problem_error(status, &bytes))
}

fn problem_error(status: StatusCode, bytes: &[u8]) -> anyhow::Error {
    match serde_json::from_slice::<Problem>(bytes) {
        Ok(p) => {
            let mut text = format!(
                "{} ({}): {}",
                p.title.unwrap_or_else(|| "request failed".into()),
                status.as_u16(),
                p.detail.unwrap_or_default()
            );
            for e in p.errors {
                text.push_str(&format!("\n  {}: {}", e.field, e.message));
            }
            anyhow!(text)
        }
        Err(_) => anyhow!(
            "the API answered {status}: {}",
            String::from_utf8_lossy(bytes)
        ),
    }
}
