use super::*;
use aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
    ApiGatewayV2httpRequestContext,
};
use lambda_http::request::RequestContext;
use std::collections::HashMap;

#[tokio::test]
async fn healthz_needs_no_token_and_names_the_version() {
    let app = app();
    let r = app.call(Method::GET, "/healthz", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body,
        json!({"status": "ok", "version": kt_domain::VERSION})
    );
}

#[tokio::test]
async fn every_v1_route_needs_a_valid_token() {
    let app = app();
    let id = JobId::new();
    let routes = [
        (Method::POST, "/v1/export-jobs".to_string()),
        (Method::GET, "/v1/export-jobs".to_string()),
        (Method::GET, format!("/v1/export-jobs/{id}")),
        (Method::GET, format!("/v1/export-jobs/{id}/download")),
        (Method::POST, format!("/v1/export-jobs/{id}/cancel")),
    ];
    let wrong_secret = dev_token("other-secret", "u_1", "acme", RW, Duration::from_secs(60));
    for (method, uri) in routes {
        for tok in [None, Some("garbage"), Some(wrong_secret.as_str())] {
            let r = app.call(method.clone(), &uri, tok).await;
            r.problem(StatusCode::UNAUTHORIZED);
            assert_eq!(r.header(header::WWW_AUTHENTICATE), "Bearer");
        }
    }
}

#[tokio::test]
async fn an_expired_token_is_401_saying_it_expired() {
    // Before: "missing or invalid bearer token", as for garbage.
    let now = jsonwebtoken::get_current_timestamp();
    let claims = kt_devtoken::DevClaims {
        sub: "u_1".into(),
        tenant_id: "acme".into(),
        scope: RW.join(" "),
        exp: now - 3600,
        iat: now - 7200,
    };
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let app = app();
    let r = app.get("/v1/export-jobs", &expired).await;
    r.problem(StatusCode::UNAUTHORIZED);
    assert!(
        r.body["detail"].as_str().unwrap().contains("expired"),
        "{}",
        r.body
    );
    // A fresh token on the next request: the marker does not stick.
    let r = app.get("/v1/export-jobs", &token("acme", RW)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call(Method::GET, "/v1/export-jobs", Some("garbage"))
        .await;
    assert!(
        !r.body["detail"].as_str().unwrap().contains("expired"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_token_whose_tenant_is_not_a_tenant_id_is_401() {
    let app = app();
    for tenant in ["", "Acme", "../globex", "a"] {
        let r = app.get("/v1/export-jobs", &token(tenant, RW)).await;
        r.problem(StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn routes_need_their_scope() {
    let app = app();
    let read_only = token("acme", &["exports:read"]);
    let write_only = token("acme", &["exports:write"]);
    app.create(&read_only, may(), None)
        .await
        .problem(StatusCode::FORBIDDEN);
    app.get("/v1/export-jobs", &write_only)
        .await
        .problem(StatusCode::FORBIDDEN);
    let id = app.created("acme").await;
    app.get(&format!("/v1/export-jobs/{id}"), &write_only)
        .await
        .problem(StatusCode::FORBIDDEN);
    app.get(&format!("/v1/export-jobs/{id}/download"), &write_only)
        .await
        .problem(StatusCode::FORBIDDEN);
    let r = app
        .call(
            Method::POST,
            &format!("/v1/export-jobs/{id}/cancel"),
            Some(&read_only),
        )
        .await;
    r.problem(StatusCode::FORBIDDEN);
    // Nothing was created or canceled by the refused calls.
    assert_eq!(app.queue.messages().len(), 1);
    let r = app.get(&format!("/v1/export-jobs/{id}"), &read_only).await;
    assert_eq!(r.body["status"], "queued");
}

/// What API Gateway's JWT authorizer leaves in the request, as lambda_http hands it over.
fn gateway_context(claims: &[(&str, &str)]) -> RequestContext {
    let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
    jwt.claims = claims
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<HashMap<_, _>>();
    let mut authorizer = ApiGatewayRequestAuthorizer::default();
    authorizer.jwt = Some(jwt);
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.authorizer = Some(authorizer);
    RequestContext::ApiGatewayV2(ctx)
}

#[tokio::test]
async fn in_lambda_the_claims_come_from_the_authorizer_context() {
    let app = app();
    let id = app.created("acme").await;
    // The bare router, as lambda_http::run serves it: no dev layer, no Authorization header.
    let state = AppState::new(
        app.jobs.clone(),
        app.queue.clone(),
        app.artifacts.clone(),
        10,
    );
    let lambda = router(state);
    let request = |ctx: RequestContext| {
        let mut req = Request::get(format!("/v1/export-jobs/{id}"))
            .body(Body::empty())
            .unwrap();
        req.extensions_mut().insert(ctx);
        req
    };
    let ok = gateway_context(&[
        ("sub", "u_7"),
        ("tenant_id", "acme"),
        ("scope", "openid exports:read"),
    ]);
    let res = lambda.clone().oneshot(request(ok)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Okta and Entra ID put the scopes in `scp` (an array, flattened by API Gateway).
    let okta = gateway_context(&[
        ("sub", "u_7"),
        ("tenant_id", "acme"),
        ("scp", "[openid exports:read]"),
    ]);
    let res = lambda.clone().oneshot(request(okta)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let other = gateway_context(&[
        ("sub", "u_7"),
        ("tenant_id", "globex"),
        ("scope", "exports:read"),
    ]);
    let res = lambda.clone().oneshot(request(other)).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let no_scope = gateway_context(&[("sub", "u_7"), ("tenant_id", "acme")]);
    let res = lambda.clone().oneshot(request(no_scope)).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let no_sub = gateway_context(&[("tenant_id", "acme"), ("scope", "exports:read")]);
    let res = lambda.oneshot(request(no_sub)).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_forged_context_does_not_survive_the_dev_layer() {
    let app = app();
    let mut req = Request::get("/v1/export-jobs").body(Body::empty()).unwrap();
    req.extensions_mut().insert(gateway_context(&[
        ("sub", "u_7"),
        ("tenant_id", "acme"),
        ("scope", "exports:read"),
    ]));
    app.send(req).await.problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems_too() {
    let app = app();
    let tok = token("acme", RW);
    app.get("/v1/nope", &tok)
        .await
        .problem(StatusCode::NOT_FOUND);
    app.call(Method::DELETE, "/v1/export-jobs", Some(&tok))
        .await
        .problem(StatusCode::METHOD_NOT_ALLOWED);
}

/// An API Gateway HTTP API (payload 2.0) event, as Lambda delivers it.
fn gateway_event(method: &str, path: &str, body: Option<&str>, scope: &str) -> String {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "idempotency-key": "evt-1"},
        "requestContext": {
            "routeKey": "$default", "accountId": "123456789012", "stage": "$default",
            "requestId": "id", "apiId": "api-id",
            "authorizer": {"jwt": {
                "claims": {"sub": "u_9", "tenant_id": "acme", "scope": scope},
                "scopes": null
            }},
            "domainName": "id.execute-api.us-east-1.amazonaws.com", "domainPrefix": "id",
            "time": "12/Mar/2026:19:03:58 +0000", "timeEpoch": 1_773_342_238_390_i64,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "192.0.2.1", "userAgent": "kt"}
        },
        "body": body,
        "isBase64Encoded": false
    })
    .to_string()
}

#[tokio::test]
async fn a_real_gateway_event_reaches_the_handlers_through_lambda_http() {
    let app = app();
    let lambda = router(AppState::new(
        app.jobs.clone(),
        app.queue.clone(),
        app.artifacts.clone(),
        10,
    ));
    let body = may().to_string();
    let event = gateway_event("POST", "/v1/export-jobs", Some(&body), "exports:write");
    let req = lambda_http::request::from_str(&event).unwrap();
    let res = lambda.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let (tenant, id) = app.queue.messages().remove(0);
    assert_eq!(tenant.as_str(), "acme");

    let event = gateway_event(
        "GET",
        &format!("/v1/export-jobs/{id}"),
        None,
        "exports:read",
    );
    let res = lambda
        .clone()
        .oneshot(lambda_http::request::from_str(&event).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    let job: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(job["created_by"], "u_9");

    let event = gateway_event("GET", "/v1/export-jobs", None, "exports:write");
    let res = lambda
        .oneshot(lambda_http::request::from_str(&event).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_expired_dev_token_is_401() {
    let app = app();
    let past = jsonwebtoken::get_current_timestamp() - 3600;
    let claims = json!({"sub": "u_1", "tenant_id": "acme", "scope": "exports:read",
                        "exp": past, "iat": past - 60});
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    app.get("/v1/export-jobs", &expired)
        .await
        .problem(StatusCode::UNAUTHORIZED);
    // The same claims, still valid, pass.
    let valid = claims_token(
        json!({"sub": "u_1", "tenant_id": "acme", "scope": "exports:read",
                                    "exp": past + 7200, "iat": past}),
    );
    assert_eq!(
        app.get("/v1/export-jobs", &valid).await.status,
        StatusCode::OK
    );
}

fn claims_token(claims: Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}
