//! Share links for auditors (`/v1/export-jobs/{id}/links`, `/v1/shared/{token}`)
//! and the job's audit trail (`/v1/export-jobs/{id}/audit`); `docs/custody.md`.
//!
//! A link's token is 256 bits from the operating system's CSPRNG, shown once
//! (in the creation's answer) and stored only as its SHA-256. Each use of
//! `/v1/shared/{token}` mints a fresh presigned URL of a few minutes, signed
//! with the API's credentials of that moment, so a link works for days
//! whatever the credentials' own lifetime.
use super::auth::{Caller, Scope};
use super::client::Client;
use super::create::{is_json, repeated_members};
use super::problem::{ApiError, FieldError};
use super::query::{self, RawQuery};
use super::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use kt_domain::share::{
    AuditActor, AuditEntry, AuditEvent, LinkId, MAX_LIVE_LINKS, MAX_NOTE_CHARS, ShareLink,
    ShareLinkView, ShareRefusal, audit_trail_at, link_expiry, max_link_days,
};
use kt_domain::{Job, JobId, TenantId};
use kt_engine::ErrorChain;
use kt_store::{LinkCreated, LinkRevoked, StoreError};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tracing::instrument;

type Result<T, E = ApiError> = std::result::Result<T, E>;

/// Bytes of randomness in a token (256 bits; base64url: 43 characters).
const TOKEN_BYTES: usize = 32;
/// A presigned URL minted for a share link lives at most this long: the
/// link itself is the long-lived part, each use gets a fresh URL.
const SHARED_URL_TTL: TimeDelta = TimeDelta::minutes(5);
/// `expires_in_days` when the body has none (shortened to the artifact's end).
const DEFAULT_LINK_DAYS: u32 = 7;

/// A fresh token from the OS CSPRNG (getrandom), base64url without padding.
fn new_token() -> Result<String> {
    use rand::TryRngCore;
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| StoreError::Permanent(format!("the OS random source failed: {e}").into()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What the store keeps instead of the token.
pub fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `raw` looks like a token this API issues (43 base64url characters).
fn is_token_shaped(raw: &str) -> bool {
    raw.len() == 43
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn job_id(path: &str) -> Result<JobId> {
    JobId::parse(path).map_err(|_| ApiError::JobNotFound)
}

async fn load(state: &AppState, tenant: &TenantId, id: &JobId) -> Result<Job> {
    state
        .jobs
        .get(tenant, id)
        .await?
        .ok_or(ApiError::JobNotFound)
}

/// Appends `entry` to the job's trail. A failure is logged and swallowed:
/// a trail that cannot be written must not stop a download an auditor is
/// entitled to (the log line is the record of that entry).
pub(super) async fn record(state: &AppState, tenant: &TenantId, job: &JobId, entry: AuditEntry) {
    if let Err(e) = state.jobs.append_audit(tenant, job, &entry).await {
        let event: &'static str = entry.event.into();
        tracing::error!(
            job_id = %job, event, by = ?entry.by, source_ip = ?entry.source_ip,
            error = %ErrorChain(&e), "could not append to the audit trail"
        );
    }
}

/// The absolute URL of `path` as the caller reached this API (`Host`,
/// `X-Forwarded-Proto`); the path alone when the request named no host.
fn public_url(headers: &HeaderMap, path: &str) -> String {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return path.to_string();
    };
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|p| p.to_str().ok())
        .and_then(|p| p.split(',').next())
        .map(str::trim)
        .filter(|p| matches!(*p, "http" | "https"))
        .unwrap_or("http");
    format!("{proto}://{host}{path}")
}

/// The body of a link creation.
struct LinkRequest {
    expires_in_days: Option<u32>,
    note: String,
}

fn parse_link_request(headers: &HeaderMap, body: &[u8]) -> Result<LinkRequest> {
    if !is_json(headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiError::BadRequest {
            detail: "the body must be a JSON object".into(),
            errors: vec![],
        });
    };
    let mut errors: Vec<FieldError> = repeated_members(body)
        .iter()
        .map(|name| FieldError::new(name, "given more than once"))
        .collect();
    for k in obj.keys() {
        if !matches!(k.as_str(), "expires_in_days" | "note") {
            errors.push(FieldError::new(k, "unknown field"));
        }
    }
    let expires_in_days = match obj.get("expires_in_days") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64().filter(|d| *d >= 1) {
            Some(d) => Some(u32::try_from(d).unwrap_or(u32::MAX)),
            None => {
                errors.push(FieldError::new(
                    "expires_in_days",
                    "must be a whole number of days from 1",
                ));
                None
            }
        },
    };
    let note = match obj.get("note") {
        Some(Value::String(s)) => {
            let note = s.trim();
            if note.is_empty() {
                errors.push(FieldError::new("note", "must name the recipient"));
            } else if note.chars().count() > MAX_NOTE_CHARS {
                errors.push(FieldError::new("note", "must be at most 200 characters"));
            } else if let Some(why) = super::readable::unreadable(note) {
                errors.push(FieldError::new("note", why));
            }
            note.to_string()
        }
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "note",
                "is required: say who the link is for",
            ));
            String::new()
        }
        Some(_) => {
            errors.push(FieldError::new("note", "must be a string"));
            String::new()
        }
    };
    if !errors.is_empty() {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ApiError::BadRequest { detail, errors });
    }
    Ok(LinkRequest {
        expires_in_days,
        note,
    })
}

fn refusal(r: ShareRefusal) -> ApiError {
    match r {
        ShareRefusal::TooLong { .. } => ApiError::Unprocessable {
            detail: format!("expires_in_days: {r}"),
            errors: vec![FieldError::new("expires_in_days", r.to_string())],
        },
        other => ApiError::Conflict(other.to_string()),
    }
}

/// A new link: the only answer that carries its URL.
#[derive(Serialize)]
pub struct CreatedLink {
    #[serde(flatten)]
    pub link: ShareLinkView,
    /// The shareable URL (`/v1/shared/<token>`); shown this once.
    pub url: String,
}

#[instrument(skip_all, fields(tenant = %caller.tenant, job_id))]
pub async fn create_link(
    State(state): State<AppState>,
    caller: Caller,
    client: Client,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    raw_query: RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response> {
    caller.require(Scope::Write)?;
    let Path(raw) = path.map_err(|_| ApiError::JobNotFound)?;
    let id = job_id(&raw)?;
    tracing::Span::current().record("job_id", id.as_str());
    query::none(&raw_query)?;
    let body = body?;
    let request = parse_link_request(&headers, &body)?;
    let job = load(&state, &caller.tenant, &id).await?;
    let now = state.now();
    let days = match request.expires_in_days {
        Some(days) => days,
        None => DEFAULT_LINK_DAYS.min(max_link_days(&job, now).map_err(refusal)?),
    };
    let expires_at = link_expiry(&job, now, days).map_err(refusal)?;
    let token = new_token()?;
    let link = ShareLink {
        id: LinkId::new(),
        tenant_id: caller.tenant.clone(),
        job_id: id.clone(),
        note: request.note,
        created_at: now,
        created_by: caller.sub.clone(),
        expires_at,
        revoked_at: None,
        revoked_by: None,
    };
    match state
        .jobs
        .create_link(&link, &token_sha256(&token), MAX_LIVE_LINKS, now)
        .await?
    {
        LinkCreated::Created => {}
        LinkCreated::TooMany(live) => {
            return Err(ApiError::Unprocessable {
                detail: format!(
                    "the job already has {live} live share links (at most {MAX_LIVE_LINKS}); revoke one first"
                ),
                errors: vec![],
            });
        }
    }
    tracing::info!(link_id = %link.id, expires_at = %link.expires_at, "share link created");
    let mut entry = AuditEntry::new(now, AuditEvent::LinkCreated, AuditActor::User(caller.sub))
        .from_client(client.source_ip, client.user_agent.as_deref())
        .about_link(&link);
    entry.until = Some(link.expires_at);
    record(&state, &caller.tenant, &id, entry).await;
    let created = CreatedLink {
        link: link.view_at(now),
        url: public_url(&headers, &format!("/v1/shared/{token}")),
    };
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(created),
    )
        .into_response())
}

#[derive(Serialize)]
pub struct LinkList {
    pub links: Vec<ShareLinkView>,
}

#[instrument(skip_all, fields(tenant = %caller.tenant, job_id))]
pub async fn list_links(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    raw_query: RawQuery,
) -> Result<Json<LinkList>> {
    caller.require(Scope::Read)?;
    let Path(raw) = path.map_err(|_| ApiError::JobNotFound)?;
    let id = job_id(&raw)?;
    tracing::Span::current().record("job_id", id.as_str());
    query::none(&raw_query)?;
    load(&state, &caller.tenant, &id).await?;
    let now = state.now();
    let mut links = state.jobs.links(&caller.tenant, &id).await?;
    links.sort_by_key(|l| std::cmp::Reverse(l.created_at));
    Ok(Json(LinkList {
        links: links.iter().map(|l| l.view_at(now)).collect(),
    }))
}

#[instrument(skip_all, fields(tenant = %caller.tenant, job_id, link_id))]
pub async fn revoke_link(
    State(state): State<AppState>,
    caller: Caller,
    client: Client,
    path: Result<Path<(String, String)>, PathRejection>,
    raw_query: RawQuery,
) -> Result<Json<ShareLinkView>> {
    caller.require(Scope::Write)?;
    let Path((raw_job, raw_link)) = path.map_err(|_| ApiError::LinkNotFound)?;
    let id = job_id(&raw_job)?;
    let link_id = LinkId::parse(&raw_link).ok_or(ApiError::LinkNotFound)?;
    query::none(&raw_query)?;
    tracing::Span::current().record("job_id", id.as_str());
    tracing::Span::current().record("link_id", link_id.as_str());
    let now = state.now();
    // Links outlive the job's record, so revocation does not need the job.
    match state
        .jobs
        .revoke_link(&caller.tenant, &id, &link_id, &caller.sub, now)
        .await?
    {
        LinkRevoked::NotFound => Err(ApiError::LinkNotFound),
        LinkRevoked::AlreadyRevoked(link) => Ok(Json(link.view_at(now))),
        LinkRevoked::Revoked(link) => {
            tracing::info!("share link revoked");
            let entry = AuditEntry::new(now, AuditEvent::LinkRevoked, AuditActor::User(caller.sub))
                .from_client(client.source_ip, client.user_agent.as_deref())
                .about_link(&link);
            record(&state, &caller.tenant, &id, entry).await;
            Ok(Json(link.view_at(now)))
        }
    }
}

/// The answer of `?redirect=false`.
#[derive(Serialize)]
pub struct SharedDownload {
    pub url: String,
    pub url_expires_at: DateTime<Utc>,
    pub file_name: String,
    pub size_bytes: Option<u64>,
    pub sha256: Option<String>,
    pub link_expires_at: DateTime<Utc>,
}

fn link_gone(why: &str) -> ApiError {
    ApiError::LinkGone(format!(
        "{why}; ask the person who shared it for a new link"
    ))
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A share link that may be used now, its job, and until when the job's
/// file is kept.
pub(super) struct LiveLink {
    pub link: ShareLink,
    pub job: Job,
    pub until: DateTime<Utc>,
    /// The instant the link was judged at (one reading of the clock).
    pub now: DateTime<Utc>,
}

/// The link whose token is in `path`, if it may be used now: 410 (with
/// why) for an unknown, revoked or expired link, or a file no longer kept.
pub(super) async fn live_link(
    state: &AppState,
    path: Result<Path<String>, PathRejection>,
) -> Result<LiveLink> {
    let unknown = || link_gone("this share link is not valid (mistyped, or expired and removed)");
    let token = match path {
        Ok(Path(t)) if is_token_shaped(&t) => t,
        _ => return Err(unknown()),
    };
    let Some(link) = state.jobs.link_by_token(&token_sha256(&token)).await? else {
        return Err(unknown());
    };
    tracing::Span::current().record("link_id", link.id.as_str());
    tracing::Span::current().record("job_id", link.job_id.as_str());
    let now = state.now();
    if let Some(revoked) = link.revoked_at {
        return Err(link_gone(&format!(
            "this share link was revoked at {}",
            at(revoked)
        )));
    }
    if link.expires_at <= now {
        return Err(link_gone(&format!(
            "this share link expired at {}",
            at(link.expires_at)
        )));
    }
    let job = state.jobs.get(&link.tenant_id, &link.job_id).await?;
    let available = job
        .as_ref()
        .and_then(|j| j.artifact_available_until())
        .filter(|until| *until > now);
    let (Some(job), Some(until)) = (job, available) else {
        return Err(link_gone("the shared export's file is no longer kept"));
    };
    Ok(LiveLink {
        link,
        job,
        until,
        now,
    })
}

/// `GET /v1/shared/{token}`: no bearer token; the token is the credential.
#[instrument(skip_all, fields(link_id, job_id))]
pub async fn shared(
    State(state): State<AppState>,
    client: Client,
    method: Method,
    path: Result<Path<String>, PathRejection>,
    raw: RawQuery,
) -> Result<Response> {
    let params = query::params(&raw, &["redirect"])?;
    let redirect = match query::get(&params, "redirect") {
        None | Some("true") => true,
        Some("false") => false,
        Some(_) => return Err(ApiError::bad_request("redirect", "must be true or false")),
    };
    let LiveLink {
        link,
        job,
        until,
        now,
    } = live_link(&state, path).await?;
    let secs = SHARED_URL_TTL
        .min(link.expires_at - now)
        .min(until - now)
        .num_seconds();
    if secs < 1 {
        return Err(link_gone(&format!(
            "this share link expired at {}",
            at(link.expires_at)
        )));
    }
    let key = job.artifact_key.as_deref().ok_or_else(|| {
        StoreError::Permanent(format!("completed job {} has no artifact key", job.id).into())
    })?;
    let url = state
        .artifacts
        .presign_get(
            key,
            &job.file_name,
            std::time::Duration::from_secs(secs as u64),
        )
        .await?;
    // A HEAD (a link preview, a mail scanner) downloads nothing: answered
    // alike, not recorded.
    if method != Method::HEAD {
        let entry = AuditEntry::new(
            now,
            AuditEvent::Downloaded,
            AuditActor::Link(link.id.clone()),
        )
        .from_client(client.source_ip, client.user_agent.as_deref())
        .about_link(&link);
        record(&state, &link.tenant_id, &link.job_id, entry).await;
        tracing::info!("share link used");
    }
    if redirect {
        let location = HeaderValue::from_str(&url)
            .map_err(|_| StoreError::Permanent("presigned URL is not header-safe".into()))?;
        return Ok((
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                ),
            ],
        )
            .into_response());
    }
    let body = SharedDownload {
        url,
        url_expires_at: now + TimeDelta::seconds(secs),
        file_name: job.file_name,
        size_bytes: job.size_bytes,
        sha256: job.sha256,
        link_expires_at: link.expires_at,
    };
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Json(body),
    )
        .into_response())
}

#[derive(Serialize)]
pub struct AuditTrail {
    pub job_id: JobId,
    pub entries: Vec<AuditEntry>,
}

/// `GET /v1/export-jobs/{id}/audit`: the trail outlives the job's record,
/// so an unknown job is a 404 only when it has no trail either.
#[instrument(skip_all, fields(tenant = %caller.tenant, job_id))]
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    raw_query: RawQuery,
) -> Result<Json<AuditTrail>> {
    caller.require(Scope::Read)?;
    let Path(raw) = path.map_err(|_| ApiError::JobNotFound)?;
    let id = job_id(&raw)?;
    tracing::Span::current().record("job_id", id.as_str());
    query::none(&raw_query)?;
    let stored = state.jobs.audit(&caller.tenant, &id).await?;
    if stored.is_empty() {
        load(&state, &caller.tenant, &id).await?;
    }
    Ok(Json(AuditTrail {
        entries: audit_trail_at(stored, state.now()),
        job_id: id,
    }))
}

#[cfg(test)]
mod body_tests {
    use super::*;

    #[test]
    fn a_member_given_twice_is_a_400_naming_it() {
        // Before: {"note": "a", "note": "b"} made a link for "b", silently.
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let body = br#"{"note": "Ana", "expires_in_days": 1, "note": "Bob"}"#;
        match parse_link_request(&headers, body) {
            Err(ApiError::BadRequest { errors, .. }) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["note"]);
            }
            Err(other) => panic!("expected a 400, got {other:?}"),
            Ok(_) => panic!("expected a 400, got a link request"),
        }
    }
}
