use super::*;

fn ids(r: &Reply) -> Vec<String> {
    r.body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_job_is_visible_to_its_tenant_only() {
    let app = app();
    let id = app.created("acme").await;
    let mine = app
        .get(&format!("/v1/export-jobs/{id}"), &token("acme", RW))
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.body["id"], id.as_str());
    let theirs = app
        .get(&format!("/v1/export-jobs/{id}"), &token("globex", RW))
        .await;
    theirs.problem(StatusCode::NOT_FOUND);
    // Another tenant's job, a missing job and a malformed id look the same.
    let missing = app
        .get(
            &format!("/v1/export-jobs/{}", JobId::new()),
            &token("acme", RW),
        )
        .await;
    let malformed = app
        .get("/v1/export-jobs/not-a-job", &token("acme", RW))
        .await;
    malformed.problem(StatusCode::NOT_FOUND);
    assert_eq!(missing.body, theirs.body);
    assert_eq!(malformed.body, theirs.body);
    let listed = app.get("/v1/export-jobs", &token("globex", RW)).await;
    assert_eq!(listed.body, json!({"jobs": [], "next_cursor": null}));
}

#[tokio::test]
async fn the_list_pages_newest_first_with_a_cursor() {
    let app = app();
    let tok = token("acme", RW);
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(app.created("acme").await.to_string());
        std::thread::sleep(Duration::from_millis(2));
    }
    app.created("globex").await;
    created.reverse();
    let p1 = app.get("/v1/export-jobs?limit=2", &tok).await;
    assert_eq!(p1.status, StatusCode::OK);
    assert_eq!(ids(&p1), created[..2]);
    let c1 = p1.body["next_cursor"].as_str().unwrap();
    let p2 = app
        .get(&format!("/v1/export-jobs?limit=2&cursor={c1}"), &tok)
        .await;
    assert_eq!(ids(&p2), created[2..4]);
    let c2 = p2.body["next_cursor"].as_str().unwrap();
    let p3 = app
        .get(&format!("/v1/export-jobs?limit=2&cursor={c2}"), &tok)
        .await;
    assert_eq!(ids(&p3), created[4..]);
    assert_eq!(p3.body["next_cursor"], Value::Null);
    // The default limit takes them all.
    let all = app.get("/v1/export-jobs", &tok).await;
    assert_eq!(ids(&all), created);
    assert_eq!(all.body["next_cursor"], Value::Null);

    // A cursor issued to acme means nothing to globex.
    let r = app
        .get(
            &format!("/v1/export-jobs?cursor={c1}"),
            &token("globex", RW),
        )
        .await;
    assert_eq!(r.problem(StatusCode::BAD_REQUEST), ["cursor"]);
    // Nor does one made up with globex's name and acme's job (before: a 200
    // of nothing; the cursor is not signed, so its job must be the tenant's).
    let acme_job = p1.body["jobs"][0]["id"].as_str().unwrap();
    let forged = crate::http::cursor::encode(
        &TenantId::parse("globex").unwrap(),
        &JobId::parse(acme_job).unwrap(),
    );
    let r = app
        .get(
            &format!("/v1/export-jobs?cursor={forged}"),
            &token("globex", RW),
        )
        .await;
    assert_eq!(r.problem(StatusCode::BAD_REQUEST), ["cursor"]);
}

#[tokio::test]
async fn bad_list_queries_are_400_naming_the_parameter() {
    let app = app();
    let tok = token("acme", RW);
    let cases = [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=-1", "limit"),
        ("status=done", "status"),
        ("cursor=bm9wZQ", "cursor"),
        ("cursor=%%%", "cursor"),
        ("page=2", "page"),
        ("limit=1&limit=2", "limit"),
    ];
    for (q, field) in cases {
        let r = app.get(&format!("/v1/export-jobs?{q}"), &tok).await;
        assert_eq!(r.problem(StatusCode::BAD_REQUEST), [field], "{q}");
    }
    for q in ["limit=1", "limit=100", "status=expired"] {
        assert_eq!(
            app.get(&format!("/v1/export-jobs?{q}"), &tok).await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn the_status_filter_uses_the_status_callers_see() {
    let app = app();
    let tok = token("acme", RW);
    let expired = app.created("acme").await;
    app.complete("acme", &expired, TimeDelta::days(1)).await;
    let completed = app.created("acme").await;
    app.complete("acme", &completed, TimeDelta::days(7)).await;
    let queued = app.created("acme").await;
    app.set_now(app.now() + TimeDelta::days(2));

    let by = |status: &str| format!("/v1/export-jobs?status={status}");
    assert_eq!(
        ids(&app.get(&by("expired"), &tok).await),
        [expired.to_string()]
    );
    assert_eq!(
        ids(&app.get(&by("completed"), &tok).await),
        [completed.to_string()]
    );
    assert_eq!(
        ids(&app.get(&by("queued"), &tok).await),
        [queued.to_string()]
    );
    assert!(ids(&app.get(&by("failed"), &tok).await).is_empty());
    let one = app.get(&format!("{}&limit=1", by("expired")), &tok).await;
    assert_eq!(
        one.body["next_cursor"],
        Value::Null,
        "nothing older matches"
    );
    let got = app.get(&format!("/v1/export-jobs/{expired}"), &tok).await;
    assert_eq!(got.body["status"], "expired");
    assert_eq!(got.body["actions"], json!([]));
}

#[tokio::test]
async fn a_filtered_page_collects_matches_across_store_pages() {
    let app = app_with_limit(500);
    let tok = token("acme", RW);
    let mut canceled = Vec::new();
    for i in 0..130 {
        let id = app.created("acme").await;
        if i % 40 == 0 {
            let c = app
                .call(
                    Method::POST,
                    &format!("/v1/export-jobs/{id}/cancel"),
                    Some(&tok),
                )
                .await;
            assert_eq!(c.status, StatusCode::ACCEPTED);
            canceled.push(id.to_string());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    canceled.reverse();
    // The store hands out at most 100 jobs a page; the 4th match is on its second page.
    let all = app
        .get("/v1/export-jobs?status=canceled&limit=4", &tok)
        .await;
    assert_eq!(ids(&all), canceled);
    assert_eq!(all.body["next_cursor"], Value::Null);
    let p1 = app
        .get("/v1/export-jobs?status=canceled&limit=3", &tok)
        .await;
    assert_eq!(ids(&p1), canceled[..3]);
    let cursor = p1.body["next_cursor"].as_str().expect("one more match");
    let p2 = app
        .get(
            &format!("/v1/export-jobs?status=canceled&limit=3&cursor={cursor}"),
            &tok,
        )
        .await;
    assert_eq!(ids(&p2), canceled[3..]);
    assert_eq!(p2.body["next_cursor"], Value::Null);
}

/// Every route of one job (and every route of a share link) reads its query
/// as the list does: a parameter it does not take is a 400 naming it, not
/// silently ignored; the documented ones (`redirect`, `lang`) still work.
#[tokio::test]
async fn unknown_query_parameters_are_400_on_every_job_and_share_link_route() {
    let app = app();
    let tok = token("acme", RW);
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::days(7)).await;
    let created = app
        .send(
            Request::post(format!("/v1/export-jobs/{id}/links"))
                .header(header::AUTHORIZATION, format!("Bearer {tok}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"note": "auditor"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let shared = created.body["url"].as_str().unwrap().to_string();
    let link_id = created.body["id"].as_str().unwrap().to_string();
    let job = format!("/v1/export-jobs/{id}");
    let routes = [
        (Method::GET, job.clone(), Some(&tok)),
        (Method::GET, format!("{job}/download"), Some(&tok)),
        (Method::GET, format!("{job}/audit"), Some(&tok)),
        (Method::GET, format!("{job}/manifest"), Some(&tok)),
        (Method::GET, format!("{job}/manifest.sig"), Some(&tok)),
        (Method::GET, format!("{job}/manifest.tsr"), Some(&tok)),
        (Method::GET, format!("{job}/report.html"), Some(&tok)),
        (Method::GET, format!("{job}/links"), Some(&tok)),
        (Method::POST, format!("{job}/links"), Some(&tok)),
        (Method::DELETE, format!("{job}/links/{link_id}"), Some(&tok)),
        (Method::POST, format!("{job}/cancel"), Some(&tok)),
        (Method::GET, shared.clone(), None),
        (Method::GET, format!("{shared}/manifest"), None),
        (Method::GET, format!("{shared}/manifest.sig"), None),
        (Method::GET, format!("{shared}/manifest.tsr"), None),
    ];
    for (method, path, tok) in &routes {
        for (q, field) in [("bogus=1", "bogus"), ("expand=all", "expand")] {
            let uri = format!("{path}?{q}");
            let r = app
                .call(method.clone(), &uri, tok.map(|t| t.as_str()))
                .await;
            let fields = r.problem(StatusCode::BAD_REQUEST);
            assert_eq!(fields, [field], "{method} {uri}: {}", r.body);
            assert!(
                r.body["detail"].as_str().unwrap().contains(field),
                "{method} {uri}: {}",
                r.body
            );
        }
    }
    // Beside a documented parameter, the unknown one is named alone.
    for (path, tok) in [
        (format!("{job}/download"), Some(&tok)),
        (shared.clone(), None),
    ] {
        let uri = format!("{path}?redirect=false&verbose");
        let r = app.call(Method::GET, &uri, tok.map(|t| t.as_str())).await;
        assert_eq!(r.problem(StatusCode::BAD_REQUEST), ["verbose"], "{uri}");
    }
    // `redirect` is a parameter of the downloads only.
    let r = app.get(&format!("{job}?redirect=false"), &tok).await;
    assert_eq!(r.problem(StatusCode::BAD_REQUEST), ["redirect"]);
    // The documented parameters still work.
    let download = app
        .get(&format!("{job}/download?redirect=false"), &tok)
        .await;
    assert_eq!(download.status, StatusCode::OK, "{}", download.body);
    let opened = app
        .call(Method::GET, &format!("{shared}?redirect=false"), None)
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    let report = app.get(&format!("{job}/report.html?lang=en"), &tok).await;
    report.problem(StatusCode::CONFLICT);
    // Without a query, the job's routes answer as before.
    assert_eq!(app.get(&job, &tok).await.status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("{job}/audit"), &tok).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_canceled_jobs_manifest_is_a_409_saying_there_will_be_none() {
    // Before: "the job is canceled; its manifest is signed when it completes",
    // of a job that never will.
    let app = app();
    let tok = token("acme", RW);
    let id = app.created("acme").await;
    let queued = app
        .get(&format!("/v1/export-jobs/{id}/manifest"), &tok)
        .await;
    queued.problem(StatusCode::CONFLICT);
    assert!(
        queued.body["detail"]
            .as_str()
            .unwrap()
            .contains("signed when it completes"),
        "{}",
        queued.body
    );
    let canceled = app
        .call(
            Method::POST,
            &format!("/v1/export-jobs/{id}/cancel"),
            Some(&tok),
        )
        .await;
    assert_eq!(canceled.body["status"], "canceled", "{}", canceled.body);
    let r = app
        .get(&format!("/v1/export-jobs/{id}/manifest"), &tok)
        .await;
    r.problem(StatusCode::CONFLICT);
    assert_eq!(
        r.body["detail"],
        "the job is canceled; only a completed job has a signed manifest"
    );
}
