//! `POST /v1/export-jobs/{id}/links`: what its answer says besides the link.
use super::*;

fn links(id: &JobId) -> String {
    format!("/v1/export-jobs/{id}/links")
}

/// A link creation with `headers` besides the token and the content type.
fn create_request(id: &JobId, tok: &str, body: Value, headers: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::post(links(id))
        .header(header::AUTHORIZATION, format!("Bearer {tok}"))
        .header(header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.body(Body::from(body.to_string())).unwrap()
}

impl TestApp {
    async fn post_link(&self, id: &JobId, tok: &str, body: Value) -> Reply {
        self.send(create_request(id, tok, body, &[])).await
    }
}

/// The contract gives the links the "same 400/404/409/410/422 rules" as
/// the jobs' routes: an expired export is the 410 `/download` answers.
/// Before: 409 job-state-conflict.
#[tokio::test]
async fn sharing_an_expired_export_is_the_410_download_answers() {
    let app = app();
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::days(1)).await;
    app.set_now(app.now() + TimeDelta::days(2));
    let tok = token("acme", RW);
    let download = app
        .get(&format!("/v1/export-jobs/{id}/download"), &tok)
        .await;
    download.problem(StatusCode::GONE);
    // With `expires_in_days` and without it (the default is cut to the
    // artifact's end, which is past).
    for body in [
        json!({"expires_in_days": 1, "note": "auditor"}),
        json!({"note": "auditor"}),
    ] {
        let refused = app.post_link(&id, &tok, body).await;
        refused.problem(StatusCode::GONE);
        assert_eq!(
            refused.body["type"],
            "urn:kt-exports:problem:export-expired"
        );
        assert_eq!(refused.body["type"], download.body["type"]);
        let detail = refused.body["detail"].as_str().unwrap();
        assert!(
            detail.contains("expired at 2026-06-16T12:00:00Z"),
            "{detail}"
        );
    }
    // A job that is not completed is still a 409.
    let queued = app.created("acme").await;
    let r = app
        .post_link(&queued, &tok, json!({"note": "auditor"}))
        .await;
    r.problem(StatusCode::CONFLICT);
    assert_eq!(r.body["type"], "urn:kt-exports:problem:job-state-conflict");
}

/// A 201 says where the created resource is: the link's own path, the one
/// `DELETE` revokes (before: no `Location`).
#[tokio::test]
async fn a_created_link_says_its_location_which_revokes_it() {
    let app = app();
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::days(7)).await;
    let created = app
        .post_link(&id, &token("acme", RW), json!({"note": "Ana"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let link_id = created.body["id"].as_str().unwrap();
    let location = created.header(header::LOCATION).to_string();
    assert_eq!(location, format!("/v1/export-jobs/{id}/links/{link_id}"));
    let revoked = app
        .call(Method::DELETE, &location, Some(&token("acme", RW)))
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_eq!(revoked.body["id"], link_id);
    assert_eq!(revoked.body["status"], "revoked");
}

/// The link's `url` is what its creator passes on: a forged `Host` or
/// `X-Forwarded-Proto` must not turn it into a link to another site.
/// Before: `Host: evil.example` gave `http://evil.example/v1/shared/<token>`.
#[tokio::test]
async fn a_forged_host_does_not_change_the_links_url_when_a_base_is_configured() {
    let app = app_with(10, |state| {
        state.with_public_base_url(Some("https://exports.example.com".into()))
    });
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::days(7)).await;
    let forged = [("host", "evil.example"), ("x-forwarded-proto", "http")];
    let req = create_request(&id, &token("acme", RW), json!({"note": "Ana"}), &forged);
    let created = app.send(req).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let url = created.body["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://exports.example.com/v1/shared/"),
        "{url}"
    );
    assert!(!url.contains("evil"), "{url}");
}

/// In AWS, unconfigured: API Gateway's own domain name from the request
/// context, which the caller cannot set, not the `Host` header.
#[tokio::test]
async fn in_aws_the_links_url_is_on_the_gateways_domain_not_the_host_header() {
    let app = app();
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::days(7)).await;
    let now = app.now();
    let lambda = router(
        AppState::new(
            app.jobs.clone(),
            app.queue.clone(),
            app.artifacts.clone(),
            10,
        )
        .with_clock(Arc::new(move || now)),
    );
    let path = links(&id);
    let event = json!({
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": {"content-type": "application/json", "host": "evil.example",
                    "x-forwarded-proto": "http"},
        "requestContext": {
            "routeKey": "$default", "accountId": "123456789012", "stage": "$default",
            "requestId": "id", "apiId": "abc123",
            "authorizer": {"jwt": {
                "claims": {"sub": "u_9", "tenant_id": "acme", "scope": "exports:write"},
                "scopes": null
            }},
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com", "domainPrefix": "abc123",
            "time": "15/Jun/2026:12:00:00 +0000", "timeEpoch": 1_781_524_800_000_i64,
            "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "192.0.2.1", "userAgent": "kt"}
        },
        "body": json!({"note": "Ana"}).to_string(),
        "isBase64Encoded": false
    });
    let req = lambda_http::request::from_str(&event.to_string()).unwrap();
    let res = lambda.oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    let created: Value = serde_json::from_slice(&bytes).unwrap();
    let url = created["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://abc123.execute-api.eu-west-1.amazonaws.com/v1/shared/"),
        "{url}"
    );
}
