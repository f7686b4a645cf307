//! `/v1/shared/{token}`: what an auditor holding a link gets, with no
//! account: a fresh presigned URL of minutes (a redirect, or JSON), each
//! use on the job's trail; 410, saying why, for a link no longer good.
use super::{
    ASK_FOR_A_NEW_ONE, EXPIRED_AT, FILE_NOT_KEPT, NOT_VALID, REVOKED_AT, Result, gone_page,
    is_token_shaped, token_sha256,
};
use crate::http::audit::record;
use crate::http::client::Client;
use crate::http::presigned::{DownloadLink, presign, see_other, wants_redirect};
use crate::http::problem::ApiError;
use crate::http::query::RawQuery;
use crate::http::state::AppState;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use kt_domain::Job;
use kt_domain::share::{AuditActor, AuditEntry, AuditEvent, ShareLink};
use serde::Serialize;
use tracing::instrument;

/// A presigned URL minted for a share link lives at most this long: the
/// link itself is the long-lived part, each use gets a fresh URL.
const SHARED_URL_TTL: TimeDelta = TimeDelta::minutes(5);

/// The answer of `?redirect=false`: the download route's, and the link's end.
#[derive(Serialize)]
pub struct SharedDownload {
    #[serde(flatten)]
    pub download: DownloadLink,
    pub link_expires_at: DateTime<Utc>,
}

fn link_gone(why: &str) -> ApiError {
    ApiError::LinkGone(format!("{why}{ASK_FOR_A_NEW_ONE}"))
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A share link that may be used now, its job, and until when the job's
/// file is kept.
pub(in crate::http) struct LiveLink {
    pub link: ShareLink,
    pub job: Job,
    pub until: DateTime<Utc>,
    /// The instant the link was judged at (one reading of the clock).
    pub now: DateTime<Utc>,
}

/// The link whose token is in `path`, if it may be used now: 410 (with
/// why) for an unknown, revoked or expired link, or a file no longer kept.
pub(in crate::http) async fn live_link(
    state: &AppState,
    path: Result<Path<String>, PathRejection>,
) -> Result<LiveLink> {
    let unknown = || link_gone(NOT_VALID);
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
        return Err(link_gone(&format!("{REVOKED_AT}{}", at(revoked))));
    }
    if link.expires_at <= now {
        return Err(link_gone(&format!("{EXPIRED_AT}{}", at(link.expires_at))));
    }
    let job = state.jobs.get(&link.tenant_id, &link.job_id).await?;
    let available = job
        .as_ref()
        .and_then(|j| j.artifact_available_until())
        .filter(|until| *until > now);
    let (Some(job), Some(until)) = (job, available) else {
        return Err(link_gone(FILE_NOT_KEPT));
    };
    Ok(LiveLink {
        link,
        job,
        until,
        now,
    })
}

/// `GET /v1/shared/{token}`: no bearer token; the token is the credential.
/// A browser opening a dead link gets a page saying why, in its language
/// (still a 410); a program gets the problem+json.
#[instrument(skip_all, fields(link_id, job_id))]
pub async fn shared(
    State(state): State<AppState>,
    client: Client,
    method: Method,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    raw: RawQuery,
) -> Result<Response> {
    match use_link(&state, client, method, path, raw).await {
        Err(ApiError::LinkGone(detail)) if gone_page::wants_html(&headers) => {
            Ok(gone_page::gone_page(&detail, &headers))
        }
        other => other,
    }
}

async fn use_link(
    state: &AppState,
    client: Client,
    method: Method,
    path: Result<Path<String>, PathRejection>,
    raw: RawQuery,
) -> Result<Response> {
    let redirect = wants_redirect(&raw)?;
    let LiveLink {
        link,
        job,
        until,
        now,
    } = live_link(state, path).await?;
    let secs = SHARED_URL_TTL
        .min(link.expires_at - now)
        .min(until - now)
        .num_seconds();
    if secs < 1 {
        // Whichever ends first: the link, or the file it opens.
        return Err(if until <= link.expires_at {
            link_gone(FILE_NOT_KEPT)
        } else {
            link_gone(&format!("{EXPIRED_AT}{}", at(link.expires_at)))
        });
    }
    let url = presign(state, &job, secs).await?;
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
        record(state, &link.tenant_id, &link.job_id, entry).await;
        tracing::info!("share link used");
    }
    if redirect {
        // The link's token is in the URL: not to be sent on as a referrer.
        let mut response = see_other(&url)?;
        response.headers_mut().insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        return Ok(response);
    }
    let body = SharedDownload {
        download: DownloadLink::of(job, url, now + TimeDelta::seconds(secs)),
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
