//! The `/v1/export-jobs` handlers: adapters from HTTP to the job store.
use super::audit::record;
use super::auth::{Caller, Scope};
use super::client::Client;
use super::create::idempotency_key;
use super::cursor;
use super::lookup::{job_id, load};
use super::presigned::{DownloadLink, presign, see_other, wants_redirect};
use super::problem::{ApiError, FieldError};
use super::query::{self, RawQuery};
use super::state::AppState;
use crate::job_creation::{ExportRequest, Submitted};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use kt_domain::share::{AuditActor, AuditEntry, AuditEvent};
use kt_domain::{Job, JobId, JobStatus, JobView};
use kt_store::{StoreError, Transition};
use serde::Serialize;
use tracing::instrument;

/// A presigned download link lives at most this long.
const MAX_URL_TTL: TimeDelta = TimeDelta::minutes(15);
/// `limit` of the list.
const DEFAULT_LIMIT: u32 = 25;
const MAX_LIMIT: u32 = 100;
/// Store pages one list request may read while filtering, so a rare status
/// cannot make one request scan a tenant's whole history.
const MAX_PAGES_PER_LIST: usize = 20;

type Result<T, E = ApiError> = std::result::Result<T, E>;

fn job_response(status: StatusCode, job: &Job, now: DateTime<Utc>) -> Response {
    let location = HeaderValue::from_str(&format!("/v1/export-jobs/{}", job.id))
        .expect("job ids are header-safe");
    (
        status,
        [(header::LOCATION, location)],
        Json(job.view_at(now)),
    )
        .into_response()
}

#[instrument(skip_all, fields(tenant = %caller.tenant, job_id))]
pub async fn create_job(
    State(state): State<AppState>,
    caller: Caller,
    client: Client,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response> {
    caller.require(Scope::Write)?;
    let body = body?;
    let key = idempotency_key(&headers)?;
    let request = ExportRequest::parse(&headers, &body)?;
    let now = state.now();
    let window = request.window(now)?;
    request.check_retention()?;
    let job = request.into_job(&window, &caller, now);
    tracing::Span::current().record("job_id", job.id.as_str());
    // A retry (same key) after a 503 for a job the queue refused creates it
    // again rather than replaying the failed one.
    let creator = state
        .job_creator()
        .from_client(client.source_ip.as_deref(), client.user_agent.as_deref());
    let submitted = match key {
        Some(key) => creator.submit_past_unqueued(job, key, now).await.1,
        None => creator.submit(job, None, now).await,
    };
    match submitted? {
        Submitted::Queued(job) => Ok(job_response(StatusCode::ACCEPTED, &job, now)),
        Submitted::Replayed(job) => Ok(job_response(StatusCode::OK, &job, now)),
        Submitted::IdempotencyConflict => Err(ApiError::Unprocessable {
            detail: "Idempotency-Key was already used with a different request".into(),
            errors: vec![FieldError::new(
                "Idempotency-Key",
                "already used with a different request",
            )],
        }),
        Submitted::TooManyActive { limit } => Err(ApiError::TooManyActive(limit)),
        // The job was failed; the caller may try again (503, Retry-After).
        Submitted::EnqueueFailed { error, .. } => Err(ApiError::Store(StoreError::Transient(
            kt_store::Failure::caused_by("enqueue failed", error),
        ))),
    }
}

#[derive(Serialize)]
pub struct JobList {
    pub jobs: Vec<JobView>,
    pub next_cursor: Option<String>,
}

struct ListQuery {
    status: Option<JobStatus>,
    limit: u32,
    after: Option<JobId>,
}

fn list_query(caller: &Caller, raw: &RawQuery) -> Result<ListQuery> {
    let params = query::params(raw, &["status", "limit", "cursor"])?;
    let status = match query::get(&params, "status") {
        None => None,
        Some(s) => Some(JobStatus::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "status",
                "must be one of queued, processing, completed, failed, expired, canceled",
            )
        })?),
    };
    let limit = match query::get(&params, "limit") {
        None => DEFAULT_LIMIT,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| ApiError::bad_request("limit", "must be an integer from 1 to 100"))?,
    };
    let after = match query::get(&params, "cursor") {
        None => None,
        Some(c) => Some(cursor::decode(&caller.tenant, c).ok_or_else(|| {
            ApiError::bad_request("cursor", "is not a cursor this API issued to you")
        })?),
    };
    Ok(ListQuery {
        status,
        limit,
        after,
    })
}

#[instrument(skip_all, fields(tenant = %caller.tenant))]
pub async fn list_jobs(
    State(state): State<AppState>,
    caller: Caller,
    raw: RawQuery,
) -> Result<Json<JobList>> {
    caller.require(Scope::Read)?;
    let q = list_query(&caller, &raw)?;
    // A cursor names the tenant's last job of the previous page; one that
    // names no job of this tenant was not issued to it (a cursor is not
    // signed: its tenant prefix alone could be forged).
    if let Some(after) = &q.after
        && state.jobs.get(&caller.tenant, after).await?.is_none()
    {
        return Err(ApiError::bad_request(
            "cursor",
            "is not a cursor this API issued to you (or its job no longer exists: start from the first page)",
        ));
    }
    let now = state.now();
    let wanted = q.limit as usize;
    let mut found: Vec<Job> = Vec::with_capacity(wanted);
    let mut after = q.after;
    let mut next = None;
    'pages: for _ in 0..MAX_PAGES_PER_LIST {
        let page_size = match q.status {
            Some(_) => MAX_LIMIT,
            None => q.limit - found.len() as u32,
        };
        let (page, more) = state
            .jobs
            .list(&caller.tenant, after.as_ref(), page_size)
            .await?;
        let page_len = page.len();
        for (i, job) in page.into_iter().enumerate() {
            let id = job.id.clone();
            if q.status.is_none_or(|s| job.status_at(now) == s) {
                found.push(job);
            }
            if found.len() == wanted {
                next = (i + 1 < page_len || more.is_some()).then_some(id);
                break 'pages;
            }
        }
        // Where the next page starts; if this was the last page allowed, that is the cursor.
        next = more.clone();
        match more {
            Some(m) => after = Some(m),
            None => break,
        }
    }
    Ok(Json(JobList {
        jobs: found.iter().map(|j| j.view_at(now)).collect(),
        next_cursor: next.map(|id| cursor::encode(&caller.tenant, &id)),
    }))
}

#[instrument(skip_all, fields(tenant = %caller.tenant, job_id))]
pub async fn get_job(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    raw: RawQuery,
) -> Result<Json<JobView>> {
    caller.require(Scope::Read)?;
    let id = job_id(path)?;
    tracing::Span::current().record("job_id", id.as_str());
    query::none(&raw)?;
    let job = load(&state, &caller, &id).await?;
    Ok(Json(job.view_at(state.now())))
}

#[instrument(skip_all, fields(tenant = %caller.tenant, job_id))]
pub async fn download_job(
    State(state): State<AppState>,
    caller: Caller,
    client: Client,
    method: Method,
    path: Result<Path<String>, PathRejection>,
    raw: RawQuery,
) -> Result<Response> {
    caller.require(Scope::Read)?;
    let id = job_id(path)?;
    tracing::Span::current().record("job_id", id.as_str());
    let redirect = wants_redirect(&raw)?;
    let job = load(&state, &caller, &id).await?;
    let now = state.now();
    let ttl = match job.status_at(now) {
        // A retained export stays downloadable until `retained_until`.
        JobStatus::Completed => job
            .artifact_available_until()
            .map_or(MAX_URL_TTL, |exp| (exp - now).min(MAX_URL_TTL)),
        JobStatus::Expired => return Err(expired(&job)),
        other => {
            return Err(ApiError::Conflict(format!(
                "the job is {}; only completed jobs can be downloaded",
                other.as_str()
            )));
        }
    };
    // Presigned URLs count whole seconds; less than one left is as good as expired.
    let secs = ttl.num_seconds();
    if secs < 1 {
        return Err(expired(&job));
    }
    let url = presign(&state, &job, secs).await?;
    // A HEAD (a link checker, a mail scanner) downloads nothing.
    if method != Method::HEAD {
        let entry = AuditEntry::new(now, AuditEvent::Downloaded, AuditActor::User(caller.sub))
            .from_client(client.source_ip, client.user_agent.as_deref());
        record(&state, &caller.tenant, &id, entry).await;
    }
    if redirect {
        return see_other(&url);
    }
    let link = DownloadLink::of(job, url, now + TimeDelta::seconds(secs));
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(link)).into_response())
}

pub(super) fn expired(job: &Job) -> ApiError {
    let when = job
        .artifact_available_until()
        .map(|t| {
            format!(
                " at {}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )
        })
        .unwrap_or_default();
    ApiError::Gone(format!(
        "the export expired{when}; create a new export job to get the data again"
    ))
}

#[instrument(skip_all, fields(tenant = %caller.tenant, job_id))]
pub async fn cancel_job(
    State(state): State<AppState>,
    caller: Caller,
    client: Client,
    path: Result<Path<String>, PathRejection>,
    raw: RawQuery,
) -> Result<Response> {
    caller.require(Scope::Write)?;
    let id = job_id(path)?;
    tracing::Span::current().record("job_id", id.as_str());
    query::none(&raw)?;
    let now = state.now();
    match state.jobs.cancel(&caller.tenant, &id, now).await? {
        Transition::Done(job) => {
            tracing::info!("export job canceled");
            let entry = AuditEntry::new(now, AuditEvent::Canceled, AuditActor::User(caller.sub))
                .from_client(client.source_ip, client.user_agent.as_deref());
            record(&state, &caller.tenant, &id, entry).await;
            Ok(job_response(StatusCode::ACCEPTED, &job, now))
        }
        Transition::Conflict(job) => Err(ApiError::Conflict(format!(
            "the job is {}; only queued or processing jobs can be canceled",
            job.status_at(now).as_str()
        ))),
        Transition::NotFound => Err(ApiError::JobNotFound),
    }
}

#[derive(Serialize)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: kt_domain::VERSION,
    })
}
