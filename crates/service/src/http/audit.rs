//! A job's audit trail: who made, downloaded, shared and opened it
//! (`GET /v1/export-jobs/{id}/audit`; `docs/custody.md`).
use super::auth::{Caller, Scope};
use super::lookup::{job_id, load};
use super::problem::ApiError;
use super::query::{self, RawQuery};
use super::state::AppState;
use axum::Json;
use axum::extract::Path;
use axum::extract::State;
use axum::extract::rejection::PathRejection;
use kt_domain::share::{AuditEntry, audit_trail_at};
use kt_domain::{JobId, TenantId};
use kt_engine::ErrorChain;
use serde::Serialize;
use tracing::instrument;

type Result<T, E = ApiError> = std::result::Result<T, E>;

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
    let id = job_id(path)?;
    tracing::Span::current().record("job_id", id.as_str());
    query::none(&raw_query)?;
    let stored = state.jobs.audit(&caller.tenant, &id).await?;
    if stored.is_empty() {
        load(&state, &caller, &id).await?;
    }
    Ok(Json(AuditTrail {
        entries: audit_trail_at(stored, state.now()),
        job_id: id,
    }))
}
