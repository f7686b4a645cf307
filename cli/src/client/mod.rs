//! A typed client of the export-jobs API: bearer token, timeouts, a
//! User-Agent, and problem+json errors that keep their status (for the exit
//! code) and say what to do next.
mod api_error;

use crate::config::Resolved;
use crate::exit::Failure;
use anyhow::Result;
pub use api_error::{ApiError, api_error};
use reqwest::{RequestBuilder, Response, StatusCode};
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

/// The API could not be reached, or did not answer in time.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Unreachable {
    message: String,
    #[source]
    source: reqwest::Error,
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
    use super::api_error::tests::error;
    use super::*;

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
