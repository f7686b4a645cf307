//! The export-jobs HTTP API (`docs/openapi.yaml`): one axum Router for Lambda
//! (`lambda_http::run`) and the local dev server (`axum::serve` behind
//! [`dev_auth_layer`]).
//!
mod audit;
mod auth;
mod client;
mod create;
mod cursor;
mod custody;
mod deadline;
mod export_jobs;
mod lookup;
mod no_store;
mod page;
mod presigned;
mod problem;
mod profile;
mod query;
mod readable;
mod report_html;
mod share;
mod shared_custody;
mod state;

pub use crate::job_creation::ExportRequest;
pub use auth::{Caller, DevAuth, DevAuthLayer, Scope, dev_auth_layer, dev_token};
pub use page::dev_sign_in_routes;
pub use problem::{ApiError, FieldError, PROBLEM_JSON};
pub use state::{AppState, Clock, SystemClock};

use axum::Router;
use axum::routing::{delete, get, post};
use tower_http::trace::TraceLayer;

/// Every route of the API, as (method, path) in axum syntax; the OpenAPI test checks them.
pub const ROUTES: [(&str, &str); 24] = [
    ("POST", "/v1/export-jobs"),
    ("GET", "/v1/export-jobs"),
    ("GET", "/v1/export-jobs/{id}"),
    ("GET", "/v1/export-jobs/{id}/download"),
    ("POST", "/v1/export-jobs/{id}/cancel"),
    ("GET", "/healthz"),
    ("GET", "/v1/keys"),
    ("GET", "/v1/keys/jwks.json"),
    ("GET", "/v1/export-jobs/{id}/manifest"),
    ("GET", "/v1/export-jobs/{id}/manifest.sig"),
    ("GET", "/v1/export-jobs/{id}/manifest.tsr"),
    ("GET", "/v1/compliance-profile"),
    ("PUT", "/v1/compliance-profile"),
    ("POST", "/v1/export-jobs/{id}/links"),
    ("GET", "/v1/export-jobs/{id}/links"),
    ("DELETE", "/v1/export-jobs/{id}/links/{link_id}"),
    ("GET", "/v1/export-jobs/{id}/audit"),
    ("GET", "/v1/shared/{token}"),
    ("GET", "/v1/shared/{token}/manifest"),
    ("GET", "/v1/shared/{token}/manifest.sig"),
    ("GET", "/v1/shared/{token}/manifest.tsr"),
    ("GET", "/"),
    ("GET", "/assets/{file}"),
    ("GET", "/v1/export-jobs/{id}/report.html"),
];

/// The API's router. Auth is read from the request context, so in Lambda it
/// needs nothing more; locally, wrap it in [`dev_auth_layer`].
/// The largest request body accepted (a create request is a few hundred
/// bytes); a larger one is a 413.
pub const MAX_BODY_BYTES: usize = 64 << 10;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/v1/export-jobs",
            post(export_jobs::create_job).get(export_jobs::list_jobs),
        )
        .route("/v1/export-jobs/{id}", get(export_jobs::get_job))
        .route(
            "/v1/export-jobs/{id}/download",
            get(export_jobs::download_job),
        )
        .route("/v1/export-jobs/{id}/cancel", post(export_jobs::cancel_job))
        .route(
            "/v1/export-jobs/{id}/report.html",
            get(report_html::report_html),
        )
        .route("/healthz", get(export_jobs::healthz))
        .route("/v1/keys", get(custody::keys))
        .route("/v1/keys/jwks.json", get(custody::jwks))
        .route("/v1/export-jobs/{id}/manifest", get(custody::manifest))
        .route(
            "/v1/export-jobs/{id}/manifest.sig",
            get(custody::manifest_signature),
        )
        .route(
            "/v1/export-jobs/{id}/manifest.tsr",
            get(custody::manifest_timestamp),
        )
        .route(
            "/v1/compliance-profile",
            get(profile::get_profile).put(profile::put_profile),
        )
        .route(
            "/v1/export-jobs/{id}/links",
            post(share::create_link).get(share::list_links),
        )
        .route(
            "/v1/export-jobs/{id}/links/{link_id}",
            delete(share::revoke_link),
        )
        .route("/v1/export-jobs/{id}/audit", get(audit::audit))
        .route("/v1/shared/{token}", get(share::shared))
        .route("/v1/shared/{token}/manifest", get(shared_custody::manifest))
        .route(
            "/v1/shared/{token}/manifest.sig",
            get(shared_custody::signature),
        )
        .route(
            "/v1/shared/{token}/manifest.tsr",
            get(shared_custody::timestamp),
        )
        .merge(page::routes())
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(|request, next| {
            deadline::within(deadline::REQUEST_DEADLINE, request, next)
        }))
        .layer(axum::middleware::from_fn(no_store::tenant_reads))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

#[cfg(test)]
mod tests;
