//! The Exports page: static files from `web/`, compiled into the binary so the
//! API function serves them at `/` with no build step and no CDN; and, on the
//! local stack only, the "Sign in as tenant" endpoint that mints a dev token.
use super::auth::dev_token;
use super::problem::ApiError;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kt_domain::TenantId;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long a token from the local sign-in box lasts.
const DEV_SIGN_IN_TTL: Duration = Duration::from_secs(12 * 3600);

/// (name, media type, bytes) of every file the page is made of.
const ASSETS: [(&str, &str, &[u8]); 7] = [
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/app.js")),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/api.js")),
    ),
    (
        "i18n.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/i18n.js")),
    ),
    (
        "server-words.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../web/server-words.js"
        )),
    ),
    (
        "dates.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/dates.js")),
    ),
    (
        "bundle.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/bundle.js")),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/app.css")),
    ),
];
const INDEX_HTML: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/index.html"));

/// Scripts and styles only from here; `connect-src` also allows the presigned
/// artifact URLs the bundle view reads.
const CSP: &str = "default-src 'self'; connect-src 'self' https: http:; img-src 'self' data:; \
                   frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// `GET /` and `GET /assets/{file}`; no auth (the page holds no data).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/assets/{file}", get(asset))
}

fn static_headers(content_type: &'static str) -> [(header::HeaderName, HeaderValue); 4] {
    [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        // Small files, re-checked on every load, so a new deploy shows at once.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ]
}

async fn index() -> Response {
    (static_headers("text/html; charset=utf-8"), INDEX_HTML).into_response()
}

async fn asset(Path(file): Path<String>) -> Result<Response, ApiError> {
    let (_, content_type, bytes) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or(ApiError::RouteNotFound)?;
    Ok((static_headers(content_type), Bytes::from_static(bytes)).into_response())
}

#[derive(Deserialize)]
struct SignInRequest {
    tenant: String,
}

#[derive(Serialize)]
struct SignInResponse {
    token: String,
    tenant: String,
    expires_in: u64,
}

/// `GET|POST /dev/sign-in`: local stack only (`Config::dev_sign_in`, never in
/// Lambda). GET says the box is offered; POST `{"tenant"}` returns the same
/// HS256 token `kt dev token` prints, with read and write scopes.
pub fn dev_sign_in_routes(secret: String) -> Router {
    Router::new().route(
        "/dev/sign-in",
        get(|| async { axum::Json(serde_json::json!({"available": true})) }).post(
            move |body: Bytes| async move {
                let request: SignInRequest = serde_json::from_slice(&body)
                    .map_err(|_| ApiError::bad_request("tenant", "is required"))?;
                let tenant = TenantId::parse(request.tenant.trim()).map_err(|_| {
                    ApiError::bad_request(
                        "tenant",
                        "must be 2 to 63 lower-case letters, digits or dashes",
                    )
                })?;
                let token = dev_token(
                    &secret,
                    &format!("u_dev_{tenant}"),
                    tenant.as_str(),
                    &["exports:read", "exports:write"],
                    DEV_SIGN_IN_TTL,
                );
                Ok::<_, ApiError>(axum::Json(SignInResponse {
                    token,
                    tenant: tenant.to_string(),
                    expires_in: DEV_SIGN_IN_TTL.as_secs(),
                }))
            },
        ),
    )
}
