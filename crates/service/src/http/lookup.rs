//! The job a route's path names, for the caller's tenant: a path that is
//! not a job id, another tenant's job and no job at all are the same 404.
use super::auth::Caller;
use super::problem::ApiError;
use super::state::AppState;
use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use kt_domain::{Job, JobId};

type Result<T, E = ApiError> = std::result::Result<T, E>;

/// A path id that is not a job id names no job: 404, like another tenant's.
pub(super) fn job_id(path: Result<Path<String>, PathRejection>) -> Result<JobId> {
    let Path(raw) = path.map_err(|_| ApiError::JobNotFound)?;
    JobId::parse(&raw).map_err(|_| ApiError::JobNotFound)
}

pub(super) async fn load(state: &AppState, caller: &Caller, id: &JobId) -> Result<Job> {
    state
        .jobs
        .get(&caller.tenant, id)
        .await?
        .ok_or(ApiError::JobNotFound)
}
