//! What a share link's holder needs to check a signature, not only a hash:
//! the job's signed manifest, its detached signature and, when a timestamp
//! authority granted one, its RFC 3161 token under the link
//! (`/v1/shared/{token}/manifest`, `.../manifest.sig`, `.../manifest.tsr`),
//! verified with the public keys of `/v1/keys` and the TSA's CA
//! (`docs/custody.md`). The link is the credential, with the same 410s as
//! its download; none of these is a download, so none is in the trail.
use super::custody::{manifest_response, signature_response, stored_manifest, timestamp_response};
use super::problem::ApiError;
use super::query::{self, RawQuery};
use super::share::{LiveLink, live_link};
use super::state::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use kt_engine::custody::SignedManifest;
use tracing::instrument;

type Result<T, E = ApiError> = std::result::Result<T, E>;

/// `GET /v1/shared/{token}/manifest`: the shared job's manifest, as
/// `/v1/export-jobs/{id}/manifest` serves it.
#[instrument(skip_all, fields(link_id, job_id))]
pub async fn manifest(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    raw: RawQuery,
) -> Result<Response> {
    manifest_response(shared_manifest(&state, path, &raw).await?)
}

/// `GET /v1/shared/{token}/manifest.sig`: its detached DER signature.
#[instrument(skip_all, fields(link_id, job_id))]
pub async fn signature(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    raw: RawQuery,
) -> Result<Response> {
    signature_response(shared_manifest(&state, path, &raw).await?)
}

/// `GET /v1/shared/{token}/manifest.tsr`: the RFC 3161 timestamp reply over
/// its signature, as `/v1/export-jobs/{id}/manifest.tsr` serves it (404
/// `timestamp-not-found` when there is none).
#[instrument(skip_all, fields(link_id, job_id))]
pub async fn timestamp(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    raw: RawQuery,
) -> Result<Response> {
    timestamp_response(shared_manifest(&state, path, &raw).await?)
}

/// The link's job's manifest; these routes take no query parameter (a 400
/// naming it, checked before the link as `/v1/shared/{token}` does).
async fn shared_manifest(
    state: &AppState,
    path: Result<Path<String>, PathRejection>,
    raw: &RawQuery,
) -> Result<SignedManifest> {
    query::none(raw)?;
    let LiveLink { link, .. } = live_link(state, path).await?;
    stored_manifest(state, &link.tenant_id, &link.job_id)
        .await?
        .ok_or_else(|| ApiError::Conflict("the shared export has no signed manifest".into()))
}
