//! Nothing a tenant reads about its jobs is kept by a cache
//! (docs/decisions.md, "What caches may keep").
use super::*;

/// Before: a job, the list, a job's audit trail and its links came without
/// `Cache-Control`, so a browser or proxy could keep them; only the
/// download, share and report answers said `no-store`.
#[tokio::test]
async fn a_job_the_list_the_audit_trail_and_the_links_are_no_store() {
    let app = app();
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::days(7)).await;
    let tok = token("acme", RW);
    for path in [
        format!("/v1/export-jobs/{id}"),
        "/v1/export-jobs".to_string(),
        "/v1/export-jobs?status=completed".to_string(),
        format!("/v1/export-jobs/{id}/audit"),
        format!("/v1/export-jobs/{id}/links"),
        "/v1/compliance-profile".to_string(),
    ] {
        let r = app.get(&path, &tok).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(r.header(header::CACHE_CONTROL), "no-store", "{path}");
    }
    // A job created or canceled, and a tenant route's error, alike.
    let created = app.create(&tok, may(), None).await;
    assert_eq!(created.status, StatusCode::ACCEPTED);
    assert_eq!(created.header(header::CACHE_CONTROL), "no-store");
    let other = app
        .get(&format!("/v1/export-jobs/{id}"), &token("globex", RW))
        .await;
    other.problem(StatusCode::NOT_FOUND);
    assert_eq!(other.header(header::CACHE_CONTROL), "no-store");
    // What a handler chose stays: the public keys are cacheable, the
    // health check says nothing.
    let keys = app.call(Method::GET, "/v1/keys", None).await;
    assert_eq!(keys.header(header::CACHE_CONTROL), "public, max-age=300");
    let health = app.call(Method::GET, "/healthz", None).await;
    assert_eq!(health.header(header::CACHE_CONTROL), "");
}
