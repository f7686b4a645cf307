//! The timestamp authority over HTTP (RFC 3161 §3.4): POST the DER request
//! as `application/timestamp-query`, read an `application/timestamp-reply`,
//! and keep it only when it is a granted token for this request
//! (`kt_engine::custody::timestamp::check_response`).
//!
//! A TSA that is down or refuses must not hold a job: a few attempts with a
//! short backoff, each bounded by a timeout, then the caller completes
//! without a token (`docs/decisions.md`, "Trusted timestamps").
use async_trait::async_trait;
use kt_engine::custody::timestamp::{
    QUERY_MEDIA_TYPE, TimestampError, TimestampRequest, Timestamper, check_response,
};
use std::time::Duration;
use tracing::{info, warn};

/// Attempts per signature before giving up.
pub const ATTEMPTS: u32 = 3;
/// Bound of one attempt (connect, send, read).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Wait before the second attempt; doubled before each next one.
pub const BACKOFF: Duration = Duration::from_millis(500);
/// Replies larger than this are not tokens (a token with a chain is a few KiB).
const MAX_REPLY_BYTES: usize = 64 << 10;

pub struct HttpTimestamper {
    /// Not named `client`: the IAM check reads `client.<op>(` as an AWS call.
    http: reqwest::Client,
    /// Where requests go (credentials included, if the URL has any).
    endpoint: String,
    /// `endpoint` without credentials, as manifests and logs name it.
    url: String,
    attempts: u32,
    backoff: Duration,
}

impl HttpTimestamper {
    pub fn new(url: &str) -> Self {
        Self::with_policy(url, ATTEMPTS, BACKOFF, ATTEMPT_TIMEOUT)
    }

    pub fn with_policy(url: &str, attempts: u32, backoff: Duration, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .build()
            .expect("an HTTP client with timeouts builds");
        Self {
            http,
            endpoint: url.to_string(),
            url: without_credentials(url),
            attempts: attempts.max(1),
            backoff,
        }
    }

    async fn once(&self, req: &TimestampRequest) -> Result<Vec<u8>, TimestampError> {
        let unreachable =
            |e: reqwest::Error| TimestampError::Unreachable(e.without_url().to_string());
        let response = self
            .http
            .post(&self.endpoint)
            .header(reqwest::header::CONTENT_TYPE, QUERY_MEDIA_TYPE)
            .body(req.der.clone())
            .send()
            .await
            .map_err(unreachable)?;
        let mut response = response;
        let status = response.status();
        if !status.is_success() {
            return Err(TimestampError::Unreachable(format!("HTTP {status}")));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_REPLY_BYTES as u64)
        {
            return Err(TimestampError::Invalid("reply too large".into()));
        }
        // Read chunk by chunk: a reply without a length (chunked) is
        // refused as soon as it passes the bound, not after it was all read.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if body.len() + chunk.len() > MAX_REPLY_BYTES {
                return Err(TimestampError::Invalid("reply too large".into()));
            }
            body.extend_from_slice(&chunk);
        }
        let token = check_response(req, &body)?;
        info!(tsa = %self.url, %token, "trusted timestamp granted");
        Ok(body)
    }
}

#[async_trait]
impl Timestamper for HttpTimestamper {
    fn url(&self) -> &str {
        &self.url
    }

    async fn timestamp(&self, signature: &[u8]) -> Result<Vec<u8>, TimestampError> {
        let req = TimestampRequest::new(signature);
        let mut wait = self.backoff;
        let mut attempt = 1;
        loop {
            match self.once(&req).await {
                Ok(reply) => return Ok(reply),
                Err(e) if attempt < self.attempts => {
                    warn!(tsa = %self.url, attempt, error = %e, "timestamp request failed; trying again");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// `https://user:secret@tsa.example/x` -> `https://tsa.example/x`.
pub fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_a_manifest() {
        assert_eq!(
            without_credentials("https://u:p@tsa.example:8443/ts?x=1"),
            "https://tsa.example:8443/ts?x=1"
        );
        assert_eq!(
            without_credentials("http://tsa.example/a@b"),
            "http://tsa.example/a@b"
        );
    }

    #[tokio::test]
    async fn a_chunked_reply_past_the_bound_is_refused_before_it_ends() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        // A TSA that sends twice the bound in chunks, with no Content-Length,
        // and then neither ends the reply nor hangs up.
        let server = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request);
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/timestamp-reply\r\n\
                        transfer-encoding: chunked\r\n\r\n";
            socket.write_all(head.as_bytes()).unwrap();
            let chunk = format!("400\r\n{}\r\n", "x".repeat(1024));
            for _ in 0..2 * MAX_REPLY_BYTES / 1024 {
                if socket.write_all(chunk.as_bytes()).is_err() {
                    return;
                }
            }
            // Until the client hangs up.
            while socket.read(&mut request).is_ok_and(|n| n > 0) {}
        });
        let timeout = Duration::from_secs(5);
        let t = HttpTimestamper::with_policy(&url, 1, Duration::from_millis(10), timeout);
        let started = std::time::Instant::now();
        let err = t.timestamp(b"sig").await.unwrap_err();
        // Refused at the bound, not read until the attempt's timeout.
        assert_eq!(err, TimestampError::Invalid("reply too large".into()));
        assert!(started.elapsed() < timeout, "{:?}", started.elapsed());
        // Joined off the runtime's thread, which must run the client's
        // connection task for it to hang up.
        drop(t);
        tokio::task::spawn_blocking(move || server.join().unwrap())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_tsa_that_does_not_answer_is_given_up_after_the_attempts() {
        // A port nobody listens on: bound, then closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let t = HttpTimestamper::with_policy(
            &format!("http://127.0.0.1:{port}/"),
            3,
            Duration::from_millis(10),
            Duration::from_secs(2),
        );
        let started = std::time::Instant::now();
        let err = t.timestamp(b"sig").await.unwrap_err();
        assert!(matches!(err, TimestampError::Unreachable(_)), "{err}");
        // Two waits (10 ms, 20 ms) between three attempts, no more.
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
