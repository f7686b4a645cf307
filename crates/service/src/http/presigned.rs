//! A job's file handed out as a presigned URL, as the download route and a
//! share link both do: whether to redirect (`?redirect=`), the URL itself,
//! the 303 to it, and the JSON answer instead of one.
use super::problem::ApiError;
use super::query::{self, RawQuery};
use super::state::AppState;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kt_domain::Job;
use kt_store::StoreError;
use serde::Serialize;

type Result<T, E = ApiError> = std::result::Result<T, E>;

/// `?redirect=true|false` (default true), the only parameter these routes take.
pub fn wants_redirect(raw: &RawQuery) -> Result<bool> {
    let params = query::params(raw, &["redirect"])?;
    match query::get(&params, "redirect") {
        None | Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(ApiError::bad_request("redirect", "must be true or false")),
    }
}

/// A URL for `job`'s file, good for `secs` seconds (at least one).
pub async fn presign(state: &AppState, job: &Job, secs: i64) -> Result<String> {
    let key = job.artifact_key.as_deref().ok_or_else(|| {
        StoreError::Permanent(format!("completed job {} has no artifact key", job.id).into())
    })?;
    let ttl = std::time::Duration::from_secs(secs.max(1) as u64);
    Ok(state
        .artifacts
        .presign_get(key, &job.file_name, ttl)
        .await?)
}

/// `303 See Other` to `url`, not to be cached.
pub fn see_other(url: &str) -> Result<Response> {
    let location = HeaderValue::from_str(url)
        .map_err(|_| StoreError::Permanent("presigned URL is not header-safe".into()))?;
    let headers = [
        (header::LOCATION, location),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    Ok((StatusCode::SEE_OTHER, headers).into_response())
}

/// The answer of `?redirect=false` (a share link's adds its own end).
#[derive(Serialize)]
pub struct DownloadLink {
    pub url: String,
    pub url_expires_at: DateTime<Utc>,
    pub file_name: String,
    pub size_bytes: Option<u64>,
    pub sha256: Option<String>,
}

impl DownloadLink {
    /// `job`'s file at the presigned `url`, good until `url_expires_at`.
    pub fn of(job: Job, url: String, url_expires_at: DateTime<Utc>) -> Self {
        Self {
            url,
            url_expires_at,
            file_name: job.file_name,
            size_bytes: job.size_bytes,
            sha256: job.sha256,
        }
    }
}
