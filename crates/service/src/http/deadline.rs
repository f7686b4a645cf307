//! One deadline for a whole request. Each AWS call of the API has its own
//! timeout (`KT_API_AWS_TIMEOUT_MS`, 20 s), but a request makes several
//! (a create: the idempotency key, the active jobs, the job, the queue, the
//! trail), and API Gateway cuts the integration at 29 s with a bare 504 and
//! no words. Past [`REQUEST_DEADLINE`] the request is dropped (its pending
//! call with it) and the caller gets the API's own 503 problem with
//! `Retry-After`, as for any store that is temporarily unavailable.
//!
//! A create dropped part-way is safe to retry: the caller's Idempotency-Key
//! finds the job if it was written, and a job written but never queued is
//! the sweeper's (`docs/decisions.md`, "A deadline for every request").
use super::problem::ApiError;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kt_store::StoreError;
use std::time::Duration;

/// Under API Gateway's 29 s, with room for Lambda and the gateway.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(27);

/// The middleware: the route's answer, or a 503 problem once `deadline` has passed.
pub async fn within(deadline: Duration, request: Request, next: Next) -> Response {
    // Kept for the log line only; a `Uri` clone shares its bytes.
    let (method, uri) = (request.method().clone(), request.uri().clone());
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let path = uri.path();
            tracing::error!(%method, path, ?deadline, "request dropped at its deadline");
            ApiError::Store(StoreError::Transient(
                format!("the request did not finish within {deadline:?}").into(),
            ))
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::{StatusCode, header};
    use axum::routing::get;
    use tower::ServiceExt;

    fn app(deadline: Duration) -> Router {
        Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    "too late"
                }),
            )
            .route("/quick", get(|| async { "in time" }))
            .layer(axum::middleware::from_fn(move |req, next| {
                within(deadline, req, next)
            }))
    }

    async fn call(router: Router, path: &str) -> (StatusCode, Option<String>, String) {
        let res = router
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let retry = res
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, retry, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_past_its_deadline_is_the_apis_503_problem_with_retry_after() {
        let started = tokio::time::Instant::now();
        let (status, retry, body) = call(app(Duration::from_secs(27)), "/slow").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(retry.as_deref(), Some("2"));
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            problem["type"],
            "urn:kt-exports:problem:temporarily-unavailable"
        );
        assert!(
            !body.contains("27s") && !body.contains("deadline"),
            "the cause is logged, not told: {body}"
        );
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(27),
            "not before, not after"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_time_is_answered_as_the_route_answers() {
        let (status, _, body) = call(app(Duration::from_secs(27)), "/quick").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "in time"));
    }
}
