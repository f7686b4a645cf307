//! Custody routes: the public signing keys (no token) and each job's signed
//! manifest with its detached signature and, when a timestamp authority
//! granted one, its RFC 3161 timestamp token (`docs/custody.md`).
use super::auth::{Caller, Scope};
use super::lookup::{job_id, load};
use super::problem::ApiError;
use super::query::{self, RawQuery};
use super::state::AppState;
use crate::custody::Custody;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kt_domain::{JobId, JobStatus, TenantId};
use kt_engine::custody::SignedManifest;
use kt_store::StoreError;
use serde_json::json;

type Result<T, E = ApiError> = std::result::Result<T, E>;

/// Header carrying the manifest's detached signature (base64 of the DER bytes).
pub const SIGNATURE_HEADER: &str = "kt-manifest-signature";
/// Header naming the key that signed it.
pub const KEY_ID_HEADER: &str = "kt-signing-key-id";
/// Header on the manifest: `granted` (a token is at `manifest.tsr` beside
/// the manifest's route: `/v1/export-jobs/{id}/manifest.tsr`, or
/// `/v1/shared/{token}/manifest.tsr` under a share link), `absent` (one was
/// requested, none was granted) or `none` (no TSA).
pub const TIMESTAMP_HEADER: &str = "kt-manifest-timestamp";

fn custody(state: &AppState) -> Result<&Custody> {
    state.custody.as_ref().ok_or_else(|| {
        ApiError::Store(StoreError::Permanent(
            "manifest signing is not configured".into(),
        ))
    })
}

/// `GET /v1/keys`: every key that signed or signs manifests, with its PEM.
pub async fn keys(State(state): State<AppState>, raw_query: RawQuery) -> Result<Response> {
    query::none(&raw_query)?;
    let keys = custody(&state)?.keys();
    Ok((
        [(header::CACHE_CONTROL, "public, max-age=300")],
        Json(json!({ "keys": keys })),
    )
        .into_response())
}

/// `GET /v1/keys/jwks.json`: the same keys as a JSON Web Key Set.
pub async fn jwks(State(state): State<AppState>, raw_query: RawQuery) -> Result<Response> {
    query::none(&raw_query)?;
    let jwks = custody(&state)?
        .keys()
        .iter()
        .map(|k| k.to_jwk())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| ApiError::Store(StoreError::Permanent(e.into())))?;
    Ok((
        [(header::CACHE_CONTROL, "public, max-age=300")],
        Json(json!({ "keys": jwks })),
    )
        .into_response())
}

/// The stored manifest of the caller's job: 404 for an unknown job (or
/// another tenant's), 409 for one that has not completed, 400 for any query
/// parameter (these routes take none).
async fn load_manifest(
    state: &AppState,
    caller: &Caller,
    path: Result<Path<String>, PathRejection>,
    raw_query: &RawQuery,
) -> Result<SignedManifest> {
    caller.require(Scope::Read)?;
    let id = job_id(path)?;
    query::none(raw_query)?;
    // The manifest outlives the job record: look it up first.
    if let Some(m) = stored_manifest(state, &caller.tenant, &id).await? {
        return Ok(m);
    }
    let job = load(state, caller, &id).await?;
    Err(match job.status_at(state.now()) {
        JobStatus::Completed | JobStatus::Expired => {
            ApiError::Conflict("the job completed without a signed manifest".into())
        }
        // Final without completing: there will never be one.
        ended @ (JobStatus::Canceled | JobStatus::Failed) => ApiError::Conflict(format!(
            "the job is {}; only a completed job has a signed manifest",
            ended.as_str()
        )),
        other => ApiError::Conflict(format!(
            "the job is {}; its manifest is signed when it completes",
            other.as_str()
        )),
    })
}

/// `GET /v1/export-jobs/{id}/manifest`: the manifest's exact bytes (what the
/// signature covers), with the signature and key id in headers.
pub async fn manifest(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    raw: RawQuery,
) -> Result<Response> {
    manifest_response(load_manifest(&state, &caller, path, &raw).await?)
}

/// The manifest of `tenant`'s job `id`, if one was signed.
pub(super) async fn stored_manifest(
    state: &AppState,
    tenant: &TenantId,
    id: &JobId,
) -> Result<Option<SignedManifest>> {
    Ok(custody(state)?.store.manifest(tenant, id).await?)
}

/// Manifests are tenant-private and reachable through revocable share
/// links, so no cache keeps them (as with downloads and share answers).
const NO_STORE: (header::HeaderName, HeaderValue) =
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store"));

/// A manifest's exact bytes (what the signature covers), with the
/// signature, key id and timestamp state in headers.
pub(super) fn manifest_response(m: SignedManifest) -> Result<Response> {
    let timestamp = timestamp_state(&m);
    let header_value = |v: String| {
        HeaderValue::from_str(&v).map_err(|_| StoreError::Permanent("header value".into()))
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            NO_STORE,
            (
                header::HeaderName::from_static(SIGNATURE_HEADER),
                header_value(STANDARD.encode(&m.signature))?,
            ),
            (
                header::HeaderName::from_static(KEY_ID_HEADER),
                header_value(m.key_id)?,
            ),
            (
                header::HeaderName::from_static(TIMESTAMP_HEADER),
                HeaderValue::from_static(timestamp),
            ),
        ],
        m.bytes,
    )
        .into_response())
}

/// `GET /v1/export-jobs/{id}/manifest.sig`: the detached DER signature, for
/// `openssl dgst -sha256 -verify key.pem -signature manifest.sig manifest.json`.
pub async fn manifest_signature(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    raw: RawQuery,
) -> Result<Response> {
    signature_response(load_manifest(&state, &caller, path, &raw).await?)
}

/// A manifest's detached DER signature, with its key id in a header.
pub(super) fn signature_response(m: SignedManifest) -> Result<Response> {
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            NO_STORE,
            (
                header::HeaderName::from_static(KEY_ID_HEADER),
                HeaderValue::from_str(&m.key_id)
                    .map_err(|_| StoreError::Permanent("header value".into()))?,
            ),
        ],
        m.signature,
    )
        .into_response())
}

/// What became of the manifest's timestamp: `granted`, `absent`, `none`.
fn timestamp_state(m: &SignedManifest) -> &'static str {
    if m.timestamp.is_some() {
        return "granted";
    }
    let claim: serde_json::Value = serde_json::from_slice(&m.bytes).unwrap_or_default();
    match claim["timestamp"]["status"].as_str() {
        Some("requested") => "absent",
        _ => "none",
    }
}

/// `GET /v1/export-jobs/{id}/manifest.tsr`: the RFC 3161 `TimeStampResp` over
/// SHA-256 of `manifest.sig`, for `openssl ts -verify -data manifest.sig -in
/// manifest.tsr -CAfile tsa-ca.pem`. 404 (`timestamp-not-found`) when the
/// manifest has none, saying whether one was requested.
pub async fn manifest_timestamp(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    raw: RawQuery,
) -> Result<Response> {
    timestamp_response(load_manifest(&state, &caller, path, &raw).await?)
}

/// A manifest's RFC 3161 timestamp reply, or the 404 saying why it has none.
pub(super) fn timestamp_response(m: SignedManifest) -> Result<Response> {
    let state = timestamp_state(&m);
    let Some(reply) = m.timestamp else {
        return Err(ApiError::TimestampNotFound(match state {
            "absent" => "A trusted timestamp was requested for this manifest, but the \
                         timestamp authority did not grant one; its times are the \
                         service's own clock."
                .into(),
            _ => "No timestamp authority was configured when this manifest was signed; \
                  its times are the service's own clock."
                .into(),
        }));
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(kt_engine::custody::timestamp::REPLY_MEDIA_TYPE),
            ),
            NO_STORE,
        ],
        reply,
    )
        .into_response())
}
