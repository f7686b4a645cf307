//! What caches may keep of a tenant's reads: nothing. Every answer under
//! `/v1/export-jobs` (a job, the list, a job's links and audit trail, its
//! manifest, download and report) and `/v1/compliance-profile` is
//! `Cache-Control: no-store` unless its handler chose otherwise
//! (docs/decisions.md, "What caches may keep"). One layer, so a new tenant
//! route cannot forget it.
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Whether `path` is one of the tenant's own routes (bearer token, one tenant's data).
fn is_tenant_path(path: &str) -> bool {
    path == "/v1/export-jobs"
        || path.starts_with("/v1/export-jobs/")
        || path == "/v1/compliance-profile"
}

/// Adds `Cache-Control: no-store` to a tenant route's answer that set none.
pub(super) async fn tenant_reads(request: Request, next: Next) -> Response {
    let tenant = is_tenant_path(request.uri().path());
    let mut response = next.run(request).await;
    if tenant {
        response
            .headers_mut()
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::is_tenant_path;

    #[test]
    fn tenant_paths_are_the_jobs_and_the_profile_not_the_public_ones() {
        for p in [
            "/v1/export-jobs",
            "/v1/export-jobs/job_1",
            "/v1/export-jobs/job_1/audit",
            "/v1/compliance-profile",
        ] {
            assert!(is_tenant_path(p), "{p}");
        }
        for p in [
            "/",
            "/healthz",
            "/v1/keys",
            "/v1/shared/t",
            "/v1/export-jobsx",
        ] {
            assert!(!is_tenant_path(p), "{p}");
        }
    }
}
