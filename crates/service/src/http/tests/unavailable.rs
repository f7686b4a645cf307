//! A store that never answers (a frozen DynamoDB or S3) is the API's own 503
//! problem within the API's AWS timeout, well before API Gateway cuts the
//! integration at 29 s with a bare 504. The router runs on the AWS clients
//! the API function builds (`Config::api_aws_timeouts`), pointed at a server
//! that accepts connections and never answers.
use super::*;
use crate::config::Config;
use kt_store::aws::{AwsClients, AwsStores};
use std::collections::HashMap;
use std::time::Instant;

/// The API's AWS timeout in this test (`KT_API_AWS_TIMEOUT_MS`).
const TIMEOUT_MS: u64 = 1500;

#[tokio::test]
async fn a_store_that_never_answers_is_a_503_problem_within_the_api_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            sockets.push(socket);
        }
    });
    let vars = HashMap::from([
        ("AWS_ENDPOINT_URL", endpoint.clone()),
        ("KT_API_AWS_TIMEOUT_MS", TIMEOUT_MS.to_string()),
    ]);
    let config = Config::from_vars(|k| vars.get(k).cloned()).unwrap();
    // As functions/api builds them.
    let clients = AwsClients::from_settings_with(&config.aws, &config.api_aws_timeouts()).await;
    let stores = AwsStores::new(&clients, &config.resources);
    let state = AppState::new(stores.jobs, stores.queue, stores.artifacts, 10);
    let router = router(state).layer(dev_auth_layer(SECRET.into()));
    let tok = token("acme", RW);

    let requests = [
        (
            Method::GET,
            format!("/v1/export-jobs/{}", JobId::new()),
            None,
        ),
        (Method::GET, "/v1/export-jobs".to_string(), None),
        (Method::POST, "/v1/export-jobs".to_string(), Some(may())),
        (Method::GET, format!("/v1/shared/{}", "A".repeat(43)), None),
    ];
    for (method, uri, body) in requests {
        let mut req = Request::builder()
            .method(method.clone())
            .uri(&uri)
            .header(header::AUTHORIZATION, format!("Bearer {tok}"));
        let body = match body {
            Some(b) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let started = Instant::now();
        let res = tokio::time::timeout(
            Duration::from_secs(10),
            router.clone().oneshot(req.body(body).unwrap()),
        )
        .await
        .unwrap_or_else(|_| panic!("{method} {uri}: no answer within 10 s"))
        .unwrap();
        let took = started.elapsed();
        assert!(
            took < Duration::from_millis(TIMEOUT_MS + 2000),
            "{method} {uri} took {took:?}"
        );
        assert_eq!(
            res.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{method} {uri}"
        );
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert_eq!(res.headers()[header::RETRY_AFTER], "2");
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let problem: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            problem["type"],
            "urn:kt-exports:problem:temporarily-unavailable"
        );
        // Nothing of the SDK's error reaches the caller.
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        for leak in [
            "timeout",
            "dispatch",
            "dynamodb",
            "127.0.0.1",
            "sdk",
            "operation",
        ] {
            assert!(!text.contains(leak), "{method} {uri} says {leak:?}: {text}");
        }
    }
    held.abort();
}
