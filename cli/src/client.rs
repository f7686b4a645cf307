//! A typed client of the export-jobs API: bearer token, timeouts, a
//! User-Agent, and problem+json errors that keep their status (for the exit
//! code) and say what to do next.
use crate::config::Resolved;
use crate::exit::{ExitKind, Failure};
use anyhow::Result;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

pub const USER_AGENT: &str = concat!("kt/", env!("CARGO_PKG_VERSION"), " (kt-exports CLI)");
/// Connecting is quick or not at all; the request timeout is `--http-timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    token: String,
    timeout: Duration,
}

/// The API answered with an error (problem+json, RFC 9457).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.message())]
pub struct ApiError {
    pub status: StatusCode,
    pub title: String,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// `Retry-After` in seconds, when the API sent one (429, 503).
    pub retry_after: Option<Duration>,
    /// The problem's `type` (`urn:kt-exports:problem:<slug>`), if it had one.
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Deserialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: Option<String>,
    title: Option<String>,
    detail: Option<String>,
    #[serde(default)]
    errors: Vec<FieldError>,
}

/// The API could not be reached, or did not answer in time.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Unreachable {
    message: String,
    #[source]
    source: reqwest::Error,
}

impl ApiError {
    pub fn exit_kind(&self) -> ExitKind {
        match self.status.as_u16() {
            400 | 422 => ExitKind::Usage,
            401 | 403 => ExitKind::Auth,
            404 => ExitKind::NotFound,
            _ => ExitKind::Other,
        }
    }

    /// Worth asking again later: throttling and server-side failures.
    pub fn is_transient(&self) -> bool {
        matches!(self.status.as_u16(), 429 | 500 | 502 | 503 | 504)
    }

    fn message(&self) -> String {
        let code = self.status.as_u16();
        let mut text = format!("{} ({code})", self.title);
        if !self.detail.is_empty() {
            text.push_str(&format!(": {}", self.detail));
        }
        // The detail usually says each field's problem already; only what it
        // does not say is listed below it.
        for e in &self.errors {
            let said = format!("{}: {}", e.field, e.message);
            if !self.detail.contains(&said) {
                text.push_str(&format!("\n  {said}"));
            }
        }
        let hint = match code {
            401 => "get a new token (locally: `kt dev token --tenant acme`) and set KT_TOKEN or run `kt login --token-stdin`".to_string(),
            403 => "this needs a token with the exports:read and exports:write scopes".into(),
            404 if self.kind.as_deref().is_some_and(|k| k.ends_with(":link-not-found")) => {
                "check the link's id with `kt export-jobs links JOB_ID`".into()
            }
            404 => "check the id with `kt export-jobs list`".into(),
            429 => format!(
                "wait for running jobs to finish (`kt export-jobs list --status processing`){}",
                self.retry_after
                    .map(|d| format!(" or retry in {} s", d.as_secs()))
                    .unwrap_or_default()
            ),
            c if c >= 500 => "the service had a problem; try again in a moment".into(),
            _ => String::new(),
        };
        if !hint.is_empty() {
            text.push_str(&format!("\n  hint: {hint}"));
        }
        text
    }
}

impl ApiClient {
    pub fn new(config: &Resolved) -> Result<Self> {
        let token = config.token.clone().ok_or_else(|| {
            Failure::Auth(
                "no token: set KT_TOKEN, pass --token, or run `kt login --token-stdin` \
                 (locally: export KT_TOKEN=$(kt dev token --tenant acme))"
                    .into(),
            )
        })?;
        Ok(Self {
            http: http_client(config.http_timeout)?,
            base: config.api_url.clone(),
            token,
            timeout: config.http_timeout,
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `--http-timeout`: per request, and for a stalled download.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T> {
        let request = self.http.get(self.url(path)).query(query);
        self.json(request).await
    }

    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
        headers: &[(&str, &str)],
    ) -> Result<(StatusCode, T)> {
        let mut request = self.http.post(self.url(path)).json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self.send(request).await?;
        let status = response.status();
        Ok((status, read_json(response, self.timeout).await?))
    }

    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.json(self.http.delete(self.url(path))).await
    }

    async fn json<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T> {
        read_json(self.send(request).await?, self.timeout).await
    }

    /// Sends with the token and timeout; a non-2xx answer becomes an [`ApiError`].
    async fn send(&self, request: RequestBuilder) -> Result<Response> {
        let response = request
            .bearer_auth(&self.token)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| unreachable(&self.base, self.timeout, e))?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(api_error(response).await.into())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A client with the CLI's User-Agent and timeouts, no redirects followed.
pub fn http_client(read_timeout: Duration) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(read_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// A transport error worded for the person at the terminal.
pub fn unreachable(base: &str, timeout: Duration, e: reqwest::Error) -> anyhow::Error {
    let message = if e.is_timeout() {
        format!(
            "{base} did not answer within {} s: check the network, or raise --http-timeout",
            timeout.as_secs()
        )
    } else {
        format!(
            "cannot reach {base}: check --api-url / KT_API_URL and the network (locally: is `scripts/stack-up` running?)"
        )
    };
    Unreachable { message, source: e }.into()
}

async fn read_json<T: DeserializeOwned>(response: Response, timeout: Duration) -> Result<T> {
    let url = response.url().clone();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| unreachable(url.as_str(), timeout, e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{url} answered with a body kt cannot read ({e}): is the API URL right, and is kt as new as the API?"
        )
    })
}

/// The status, problem and `Retry-After` of a non-2xx answer.
pub async fn api_error(response: Response) -> ApiError {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let bytes = response.bytes().await.unwrap_or_default();
    let problem = serde_json::from_slice::<Problem>(&bytes).ok();
    let fallback_title = status
        .canonical_reason()
        .unwrap_or("request failed")
        .to_string();
    match problem {
        Some(p) => ApiError {
            status,
            title: p.title.unwrap_or(fallback_title),
            detail: p.detail.unwrap_or_default(),
            errors: p.errors,
            retry_after,
            kind: p.kind,
        },
        None => ApiError {
            status,
            title: fallback_title,
            detail: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            errors: vec![],
            retry_after,
            kind: None,
        },
    }
}

/// Whether an error is worth retrying while waiting: network trouble,
/// throttling or a server-side failure; and how long the server asked to wait.
pub fn transient(error: &anyhow::Error) -> Option<Option<Duration>> {
    for cause in error.chain() {
        if let Some(api) = cause.downcast_ref::<ApiError>() {
            return api.is_transient().then_some(api.retry_after);
        }
        if cause.downcast_ref::<Unreachable>().is_some() {
            return Some(None);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(status: u16) -> ApiError {
        ApiError {
            status: StatusCode::from_u16(status).unwrap(),
            title: "t".into(),
            detail: "d".into(),
            errors: vec![],
            retry_after: Some(Duration::from_secs(30)),
            kind: None,
        }
    }

    #[test]
    fn a_field_problem_the_detail_already_says_is_said_once() {
        // Before: "... (422): date_from: the start is after the end" and the
        // same words again on the next line.
        let e = ApiError {
            detail: "date_from: the start is after the end".into(),
            errors: vec![
                FieldError {
                    field: "date_from".into(),
                    message: "the start is after the end".into(),
                },
                FieldError {
                    field: "label".into(),
                    message: "must be at most 200 characters".into(),
                },
            ],
            ..error(422)
        };
        let text = e.to_string();
        assert_eq!(
            text.matches("the start is after the end").count(),
            1,
            "{text}"
        );
        assert!(
            text.contains("\n  label: must be at most 200 characters"),
            "{text}"
        );
    }

    #[test]
    fn an_unknown_link_points_at_the_links_not_at_the_jobs() {
        let link = ApiError {
            kind: Some("urn:kt-exports:problem:link-not-found".into()),
            ..error(404)
        };
        assert!(link.to_string().contains("kt export-jobs links"), "{link}");
        assert!(error(404).to_string().contains("kt export-jobs list"));
    }

    #[test]
    fn statuses_map_to_the_documented_exit_codes() {
        assert_eq!(error(400).exit_kind(), ExitKind::Usage);
        assert_eq!(error(422).exit_kind(), ExitKind::Usage);
        assert_eq!(error(401).exit_kind(), ExitKind::Auth);
        assert_eq!(error(403).exit_kind(), ExitKind::Auth);
        assert_eq!(error(404).exit_kind(), ExitKind::NotFound);
        assert_eq!(error(409).exit_kind(), ExitKind::Other);
        assert_eq!(error(503).exit_kind(), ExitKind::Other);
    }

    #[test]
    fn throttling_and_server_errors_are_transient_with_their_retry_after() {
        let e: anyhow::Error = error(429).into();
        assert_eq!(transient(&e), Some(Some(Duration::from_secs(30))));
        assert_eq!(
            transient(&error(503).into()),
            Some(Some(Duration::from_secs(30)))
        );
        assert_eq!(transient(&error(404).into()), None);
        assert!(error(429).to_string().contains("retry in 30 s"));
    }
}
