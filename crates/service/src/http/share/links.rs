//! A job's share links, for its tenant: made (the one answer with the
//! link's URL), listed, revoked.
use super::public_base::PublicBase;
use super::request::parse_link_request;
use super::{Result, new_token, token_sha256};
use crate::http::audit::record;
use crate::http::auth::{Caller, Scope};
use crate::http::client::Client;
use crate::http::lookup::{job_id, load};
use crate::http::problem::{ApiError, FieldError};
use crate::http::query::{self, RawQuery};
use crate::http::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kt_domain::JobId;
use kt_domain::share::{
    AuditActor, AuditEntry, AuditEvent, LinkId, MAX_LIVE_LINKS, ShareLink, ShareLinkView,
    ShareRefusal, link_expiry, max_link_days,
};
use kt_store::{LinkCreated, LinkRevoked};
use serde::Serialize;
use tracing::instrument;

/// `expires_in_days` when the body has none (shortened to the artifact's end).
const DEFAULT_LINK_DAYS: u32 = 7;

fn refusal(r: ShareRefusal) -> ApiError {
    match r {
        ShareRefusal::TooLong { .. } => ApiError::Unprocessable {
            detail: format!("expires_in_days: {r}"),
            errors: vec![FieldError::new("expires_in_days", r.to_string())],
        },
        // An expired export is 410, as /download and /report.html answer it.
        ShareRefusal::ArtifactGone(_) => ApiError::Gone(r.to_string()),
        ShareRefusal::NotCompleted(_) => ApiError::Conflict(r.to_string()),
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

// One axum extractor per concern; grouping them would hide which the route reads.
#[allow(clippy::too_many_arguments)]
#[instrument(skip_all, fields(tenant = %caller.tenant, job_id))]
pub async fn create_link(
    State(state): State<AppState>,
    caller: Caller,
    client: Client,
    base: PublicBase,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    raw_query: RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response> {
    caller.require(Scope::Write)?;
    let id = job_id(path)?;
    tracing::Span::current().record("job_id", id.as_str());
    query::none(&raw_query)?;
    let body = body?;
    let request = parse_link_request(&headers, &body)?;
    let job = load(&state, &caller, &id).await?;
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
    // The created resource is the link's own path (the one DELETE revokes).
    let location = format!("/v1/export-jobs/{id}/links/{}", link.id);
    let created = CreatedLink {
        link: link.view_at(now),
        url: base.url(&format!("/v1/shared/{token}")),
    };
    Ok((
        StatusCode::CREATED,
        [
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::LOCATION, location),
        ],
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
    let id = job_id(path)?;
    tracing::Span::current().record("job_id", id.as_str());
    query::none(&raw_query)?;
    load(&state, &caller, &id).await?;
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
    let id = JobId::parse(&raw_job).map_err(|_| ApiError::JobNotFound)?;
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
