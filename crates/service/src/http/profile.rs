//! `GET/PUT /v1/compliance-profile`: the tenant's declarations, versioned.
//!
//! A PUT replaces the whole profile and answers the new version; every
//! section and field is optional, and an unknown field or value is a 400
//! naming it, as is any query parameter but GET's `version`. GET shows the
//! current version and the next scheduled run; `?version=N` shows version N,
//! current or past, as a report made under it cites it (no next run: that
//! belongs to the current version).
use super::auth::{Caller, Scope};
use super::problem::ApiError;
use super::query::{self, RawQuery};
use super::state::AppState;
use crate::schedule::{NextRun, next_run};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use kt_domain::profile::parse_profile;
use kt_domain::{ComplianceProfile, TenantId, VersionedProfile};
use serde::Serialize;
use tracing::instrument;

/// The profile as the API shows it.
#[derive(Debug, Serialize)]
pub struct ProfileView {
    pub tenant_id: TenantId,
    /// `null` until the tenant first sets a profile.
    pub version: Option<u64>,
    pub updated_at: Option<DateTime<Utc>>,
    pub profile: ComplianceProfile,
    /// The next quarterly export, `null` when no schedule is enabled.
    pub next_scheduled_run: Option<NextRun>,
}

fn view(tenant: TenantId, stored: Option<VersionedProfile>, now: DateTime<Utc>) -> ProfileView {
    let (version, updated_at, profile) = match stored {
        Some(p) => (Some(p.version), Some(p.updated_at), p.profile),
        None => (None, None, ComplianceProfile::default()),
    };
    let next_scheduled_run = profile.schedule.as_ref().and_then(|s| next_run(s, now));
    ProfileView {
        tenant_id: tenant,
        version,
        updated_at,
        profile,
        next_scheduled_run,
    }
}

#[instrument(skip_all, fields(tenant = %caller.tenant))]
pub async fn get_profile(
    State(state): State<AppState>,
    caller: Caller,
    raw_query: RawQuery,
) -> Result<Json<ProfileView>, ApiError> {
    caller.require(Scope::Read)?;
    let params = query::params(&raw_query, &["version"])?;
    let Some(version) = query::get(&params, "version") else {
        let stored = state.jobs.get_profile(&caller.tenant).await?;
        return Ok(Json(view(caller.tenant.clone(), stored, state.now())));
    };
    let version = version
        .parse::<u64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| ApiError::bad_request("version", "must be a positive integer"))?;
    let stored = state
        .jobs
        .get_profile_version(&caller.tenant, version)
        .await?
        .ok_or_else(|| {
            ApiError::ProfileVersionNotFound(format!(
                "this tenant's compliance profile never had version {version}"
            ))
        })?;
    let mut past = view(caller.tenant.clone(), Some(stored), state.now());
    past.next_scheduled_run = None;
    Ok(Json(past))
}

#[instrument(skip_all, fields(tenant = %caller.tenant))]
pub async fn put_profile(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    raw_query: RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ProfileView>, ApiError> {
    caller.require(Scope::Write)?;
    // `?dry_run=true` must not replace the profile.
    query::none(&raw_query)?;
    // As create and share links: 415 for a body not declared JSON.
    if !super::create::is_json(&headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body = body?;
    let profile = parse_profile(super::create::without_bom(&body))
        .map_err(|e| ApiError::bad_request(&e.field, e.message))?;
    let now = state.now();
    let stored = state
        .jobs
        .put_profile(&caller.tenant, &profile, now)
        .await?;
    tracing::info!(version = stored.version, "compliance profile replaced");
    Ok(Json(view(caller.tenant.clone(), Some(stored), now)))
}
