use super::*;

fn download(id: &JobId) -> String {
    format!("/v1/export-jobs/{id}/download")
}

#[tokio::test]
async fn a_completed_job_redirects_to_a_short_lived_link() {
    let app = app();
    let tok = token("acme", RW);
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::days(7)).await;
    let r = app.get(&download(&id), &tok).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let expected = format!(
        "memory://exports/acme/{id}/kt_2026-05-01_to_2026-05-31.csv?file_name=kt_2026-05-01_to_2026-05-31.csv&expires_in=900"
    );
    assert_eq!(r.header(header::LOCATION), expected);
    assert_eq!(r.header(header::CACHE_CONTROL), "no-store");

    let job = app.get(&format!("/v1/export-jobs/{id}"), &tok).await;
    assert_eq!(job.body["status"], "completed");
    assert_eq!(job.body["actions"], json!(["download"]));
}

#[tokio::test]
async fn the_link_never_outlives_the_artifact() {
    let app = app();
    let tok = token("acme", RW);
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::minutes(5)).await;
    app.set_now(app.now() + TimeDelta::seconds(60));
    let r = app
        .get(&format!("{}?redirect=false", download(&id)), &tok)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["url"].as_str().unwrap().ends_with("&expires_in=240"));
    assert_eq!(r.body["url_expires_at"], "2026-06-15T12:05:00Z");
    assert_eq!(r.body["file_name"], "kt_2026-05-01_to_2026-05-31.csv");
    assert_eq!(r.body["size_bytes"], 1234);
    assert_eq!(r.body["sha256"], "ab".repeat(32));
    let bad = app
        .get(&format!("{}?redirect=maybe", download(&id)), &tok)
        .await;
    assert_eq!(bad.problem(StatusCode::BAD_REQUEST), ["redirect"]);
}

#[tokio::test]
async fn only_completed_jobs_download_and_expired_ones_are_gone() {
    let app = app();
    let tok = token("acme", RW);
    let id = app.created("acme").await;
    let r = app.get(&download(&id), &tok).await;
    r.problem(StatusCode::CONFLICT);
    assert!(r.body["detail"].as_str().unwrap().contains("queued"));
    app.complete("acme", &id, TimeDelta::days(1)).await;
    app.set_now(app.now() + TimeDelta::days(1));
    let r = app.get(&download(&id), &tok).await;
    r.problem(StatusCode::GONE);
    app.get(&download(&id), &token("globex", RW))
        .await
        .problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn queued_jobs_cancel_once_and_finished_ones_do_not() {
    let app = app();
    let tok = token("acme", RW);
    let id = app.created("acme").await;
    let cancel = format!("/v1/export-jobs/{id}/cancel");
    let other = app
        .call(Method::POST, &cancel, Some(&token("globex", RW)))
        .await;
    other.problem(StatusCode::NOT_FOUND);
    let r = app.call(Method::POST, &cancel, Some(&tok)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(r.body["status"], "canceled");
    assert_eq!(r.body["actions"], json!([]));
    let again = app.call(Method::POST, &cancel, Some(&tok)).await;
    again.problem(StatusCode::CONFLICT);
    assert!(again.body["detail"].as_str().unwrap().contains("canceled"));
    app.call(Method::POST, "/v1/export-jobs/job_nope/cancel", Some(&tok))
        .await
        .problem(StatusCode::NOT_FOUND);

    let done = app.created("acme").await;
    app.complete("acme", &done, TimeDelta::days(1)).await;
    let r = app
        .call(
            Method::POST,
            &format!("/v1/export-jobs/{done}/cancel"),
            Some(&tok),
        )
        .await;
    r.problem(StatusCode::CONFLICT);
}
