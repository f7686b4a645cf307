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
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kt_domain::TenantId;
use kt_engine::formats::reports::html::STYLE as REPORT_STYLE;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;
use std::time::Duration;

/// How long a token from the local sign-in box lasts.
const DEV_SIGN_IN_TTL: Duration = Duration::from_secs(12 * 3600);

/// A file of `web/`, compiled in: (name, media type, bytes).
macro_rules! web_file {
    ($name:literal, $media_type:literal) => {
        (
            $name,
            $media_type,
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/", $name)).as_slice(),
        )
    };
}

/// Every file the page is made of, beside `index.html` (a test holds this
/// list to the `.js` and `.css` files in `web/`).
const ASSETS: [(&str, &str, &[u8]); 17] = [
    web_file!("app.js", "text/javascript; charset=utf-8"),
    web_file!("ui.js", "text/javascript; charset=utf-8"),
    web_file!("form.js", "text/javascript; charset=utf-8"),
    web_file!("history.js", "text/javascript; charset=utf-8"),
    web_file!("job-row.js", "text/javascript; charset=utf-8"),
    web_file!("share.js", "text/javascript; charset=utf-8"),
    web_file!("bundle-view.js", "text/javascript; charset=utf-8"),
    web_file!("report.js", "text/javascript; charset=utf-8"),
    web_file!("api.js", "text/javascript; charset=utf-8"),
    web_file!("i18n.js", "text/javascript; charset=utf-8"),
    web_file!("words-en.js", "text/javascript; charset=utf-8"),
    web_file!("words-es.js", "text/javascript; charset=utf-8"),
    web_file!("server-words.js", "text/javascript; charset=utf-8"),
    web_file!("dates.js", "text/javascript; charset=utf-8"),
    web_file!("bundle.js", "text/javascript; charset=utf-8"),
    web_file!("section-titles.js", "text/javascript; charset=utf-8"),
    web_file!("app.css", "text/css; charset=utf-8"),
];
const INDEX_HTML: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/index.html"));

/// Scripts and styles only from here; `connect-src` also allows the presigned
/// artifact URLs the bundle view reads. `style-src` also allows the printable
/// report's stylesheet, by its hash: "View report" (web/report.js) opens a
/// report from a blob URL, a document that keeps this page's policy.
static CSP: LazyLock<HeaderValue> = LazyLock::new(|| {
    let report_style = STANDARD.encode(Sha256::digest(REPORT_STYLE.as_bytes()));
    HeaderValue::try_from(format!(
        "default-src 'self'; style-src 'self' 'sha256-{report_style}'; \
         connect-src 'self' https: http:; img-src 'self' data:; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ))
    .expect("the policy is ASCII")
});

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
        (header::CONTENT_SECURITY_POLICY, CSP.clone()),
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

#[cfg(test)]
mod tests {
    use super::{ASSETS, INDEX_HTML};
    use std::collections::BTreeSet;

    /// A module added to `web/` but not here would be a 404 in the browser,
    /// and the page would not start.
    #[test]
    fn every_script_and_style_of_the_page_is_served() {
        let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
        let on_disk: BTreeSet<String> = std::fs::read_dir(web)
            .expect("web/ is beside the crates")
            .map(|entry| entry.expect("a directory entry").file_name())
            .filter_map(|name| name.into_string().ok())
            .filter(|name| name.ends_with(".js") || name.ends_with(".css"))
            .collect();
        let served: BTreeSet<String> = ASSETS.iter().map(|(name, ..)| name.to_string()).collect();
        assert_eq!(served, on_disk);
        for (name, ..) in ASSETS {
            let imported = ASSETS.iter().any(|(_, _, bytes)| {
                String::from_utf8_lossy(bytes).contains(&format!("'./{name}'"))
            });
            let linked = INDEX_HTML.contains(&format!("/assets/{name}"));
            assert!(imported || linked, "{name} is served but nothing loads it");
        }
    }
}

#[cfg(test)]
mod section_titles {
    use kt_engine::formats::reports::html::SECTION_TITLES;

    /// `web/section-titles.js` as the reports' table makes it.
    fn generated() -> String {
        let mut js = String::from(
            "// Generated from the reports' section titles (crates/engine/src/formats/\n\
             // reports/html/es.rs, TITLES): key -> [Spanish, English], the words the HTML\n\
             // renderings use. The test `section_titles` in crates/service/src/http/page.rs\n\
             // holds this file to that table; UPDATE_GOLDEN=1 rewrites it.\n\
             export const SECTION_TITLES = new Map([\n",
        );
        for (key, es, en) in SECTION_TITLES {
            let quoted = |s: &str| serde_json::to_string(s).expect("a string");
            js.push_str(&format!(
                "  [{}, [{}, {}]],\n",
                quoted(key),
                quoted(es),
                quoted(en)
            ));
        }
        js.push_str("]);\n");
        js
    }

    /// The page shows a bundle's sections with the renderings' titles in its
    /// own language (a report's JSON states one language per framework).
    #[test]
    fn the_pages_section_titles_are_the_reports() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/section-titles.js");
        let mut keys: Vec<&str> = SECTION_TITLES.iter().map(|(key, ..)| *key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(
            keys.len(),
            SECTION_TITLES.len(),
            "one title per section key"
        );
        let expected = generated();
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &expected).expect("web/ is writable");
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == expected,
            "web/section-titles.js is not the reports' table: UPDATE_GOLDEN=1 cargo test -p kt-service section_titles"
        );
    }
}
