//! The page's files and the local-only sign-in.
use super::*;
use crate::http::dev_sign_in_routes;
use base64::Engine as _;
use sha2::Digest as _;

async fn raw(router: Router, req: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let res = router.oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 22)
        .await
        .unwrap();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_without_a_token() {
    let app = app();
    let (status, headers, body) = raw(app.router.clone(), get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    // A report opened from a blob URL keeps this policy: its inline
    // stylesheet is allowed by its hash, and no other inline style.
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let style = kt_engine::formats::reports::html::STYLE;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style));
    assert!(
        csp.contains(&format!("style-src 'self' 'sha256-{hash}';")),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(body.contains("Create export") && body.contains("/assets/app.js"));
    // Its icon inline (CSP's `img-src data:`): a browser would otherwise
    // ask for /favicon.ico, which nothing serves.
    assert!(body.contains(r#"<link rel="icon" href="data:image/svg+xml,"#));
    for (file, media) in [("app.js", "text/javascript"), ("app.css", "text/css")] {
        let (status, headers, body) =
            raw(app.router.clone(), get(&format!("/assets/{file}"))).await;
        assert_eq!(status, StatusCode::OK, "{file}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with(media)
        );
        assert!(!body.is_empty());
    }
    let missing = app.call(Method::GET, "/assets/secrets.txt", None).await;
    missing.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_api_router_alone_offers_no_sign_in() {
    let app = app();
    app.call(Method::GET, "/dev/sign-in", None)
        .await
        .problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn local_sign_in_mints_a_token_the_dev_server_accepts() {
    let app = app();
    let router = app
        .router
        .clone()
        .merge(dev_sign_in_routes(SECRET.into()).layer(dev_auth_layer(SECRET.into())));
    let sign_in = |body: &str| {
        Request::post("/dev/sign-in")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let (status, _, body) = raw(router.clone(), sign_in(r#"{"tenant":"acme"}"#)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["tenant"], "acme");
    let token = answer["token"].as_str().unwrap();
    let id = app.created("acme").await;
    let listed = app.get("/v1/export-jobs", token).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["jobs"][0]["id"], id.as_str());
    let created = app.create(token, may(), None).await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "write scope too");

    let (status, headers, body) = raw(router, sign_in(r#"{"tenant":"Not A Tenant"}"#)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["errors"][0]["field"], "tenant");
}
