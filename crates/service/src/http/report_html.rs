//! `GET /v1/export-jobs/{id}/report.html?lang=es|en`: a compliance report
//! job's printable HTML, rendered from the JSON artifact it produced, so the
//! page can state nothing the signed, hashed report does not.
use super::auth::{Caller, Scope};
use super::client::Client;
use super::export_jobs::expired;
use super::lookup::{job_id, load};
use super::problem::ApiError;
use super::query::{self, RawQuery};
use super::state::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kt_domain::share::{AuditActor, AuditEntry, AuditEvent};
use kt_domain::{ExportFormat, JobStatus};
use kt_engine::formats::reports::html::{Lang, render};
use kt_store::StoreError;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;
use tracing::instrument;

type Result<T, E = ApiError> = std::result::Result<T, E>;

/// A single report is tens of kilobytes (its lists are capped); anything
/// larger than this is not one of ours and is not parsed.
pub const MAX_REPORT_BYTES: u64 = 16 << 20;
/// Without `?lang=`, the language of the supervisors the reports are for.
pub const DEFAULT_LANG: Lang = Lang::Es;

/// The formats with one report to render (the bundle already carries both languages).
fn renders_html(format: ExportFormat) -> bool {
    matches!(
        format,
        ExportFormat::ComplianceAesia | ExportFormat::ComplianceAepd | ExportFormat::ComplianceEns
    )
}

#[instrument(skip_all, fields(tenant = %caller.tenant, job_id))]
pub async fn report_html(
    State(state): State<AppState>,
    caller: Caller,
    client: Client,
    path: std::result::Result<Path<String>, PathRejection>,
    raw: RawQuery,
) -> Result<Response> {
    caller.require(Scope::Read)?;
    let id = job_id(path)?;
    tracing::Span::current().record("job_id", id.as_str());
    let params = query::params(&raw, &["lang"])?;
    let lang = match query::get(&params, "lang") {
        None => DEFAULT_LANG,
        Some(code) => {
            Lang::parse(code).ok_or_else(|| ApiError::bad_request("lang", "must be es or en"))?
        }
    };
    let job = load(&state, &caller, &id).await?;
    if !renders_html(job.format) {
        return Err(ApiError::Conflict(format!(
            "a {} export has no HTML rendering; only compliance-aesia, compliance-aepd and compliance-ens jobs do (a compliance-all bundle carries both languages)",
            job.format
        )));
    }
    let now = state.now();
    match job.status_at(now) {
        JobStatus::Completed => {}
        JobStatus::Expired => return Err(expired(&job)),
        other => {
            return Err(ApiError::Conflict(format!(
                "the job is {}; only a completed job's report can be rendered",
                other.as_str()
            )));
        }
    }
    let key = job.artifact_key.as_deref().ok_or_else(|| {
        StoreError::Permanent(format!("completed job {} has no artifact key", job.id).into())
    })?;
    let mut body = Vec::new();
    state
        .artifacts
        .open(key)
        .await?
        .take(MAX_REPORT_BYTES + 1)
        .read_to_end(&mut body)
        .await
        .map_err(|e| StoreError::Transient(format!("reading the report: {e}").into()))?;
    if body.len() as u64 > MAX_REPORT_BYTES {
        return Err(StoreError::Permanent(
            format!(
                "the report of job {} is larger than {MAX_REPORT_BYTES} bytes",
                job.id
            )
            .into(),
        )
        .into());
    }
    // The bytes must be the ones the job record vouches for.
    let sha = hex::encode(Sha256::digest(&body));
    if job.sha256.as_deref().is_some_and(|want| want != sha) {
        return Err(StoreError::Permanent(
            format!("the artifact of job {} does not match its SHA-256", job.id).into(),
        )
        .into());
    }
    let report: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        StoreError::Permanent(format!("the report of job {} is not JSON: {e}", job.id).into())
    })?;
    drop(body);
    let html = render(&report, lang, &[(job.file_name.clone(), sha)]);
    // The report's content leaves the service: the trail records it as a download.
    let entry = AuditEntry::new(now, AuditEvent::Downloaded, AuditActor::User(caller.sub))
        .from_client(client.source_ip, client.user_agent.as_deref());
    super::audit::record(&state, &caller.tenant, &id, entry).await;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ),
        (
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.code()),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    Ok((headers, html).into_response())
}
