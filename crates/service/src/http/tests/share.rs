use super::*;

fn links(id: &JobId) -> String {
    format!("/v1/export-jobs/{id}/links")
}

impl TestApp {
    async fn post_json(&self, uri: &str, token: &str, body: Value) -> Reply {
        let req = Request::post(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::HOST, "exports.example.test")
            .header("x-forwarded-proto", "https")
            .header(header::USER_AGENT, "unit-test/1")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    async fn revoke(&self, id: &JobId, link_id: &str) -> Reply {
        self.call(
            Method::DELETE,
            &format!("{}/{link_id}", links(id)),
            Some(&token_of("acme")),
        )
        .await
    }

    async fn share(&self, id: &JobId, days: u64, note: &str) -> Reply {
        self.post_json(
            &links(id),
            &token("acme", RW),
            json!({"expires_in_days": days, "note": note}),
        )
        .await
    }
}

/// The path of a created link's URL.
fn shared_path(created: &Reply) -> String {
    let url = created.body["url"].as_str().unwrap();
    let path = url.strip_prefix("https://exports.example.test").unwrap();
    assert!(path.starts_with("/v1/shared/"), "{url}");
    path.to_string()
}

#[tokio::test]
async fn a_link_opens_without_a_token_until_revoked() {
    let app = app();
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::days(7)).await;
    let created = app.share(&id, 3, "Ana (external auditor)").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["expires_at"], "2026-06-18T12:00:00Z");
    assert_eq!(created.body["status"], "active");
    let path = shared_path(&created);
    let token = path.rsplit('/').next().unwrap();
    assert_eq!(token.len(), 43, "256 bits, base64url");

    // A HEAD (a link preview, a mail scanner) is answered alike and not
    // recorded as a download: the trail below has the two GETs only.
    let peeked = app.call(Method::HEAD, &path, None).await;
    assert_eq!(peeked.status, StatusCode::SEE_OTHER);
    let used = app.call(Method::GET, &path, None).await;
    assert_eq!(used.status, StatusCode::SEE_OTHER);
    assert!(used.header(header::LOCATION).ends_with("&expires_in=300"));
    // Neither kept by a cache nor passed on as a referrer (the token is in the URL).
    assert_eq!(used.header(header::CACHE_CONTROL), "no-store");
    assert_eq!(used.header(header::REFERRER_POLICY), "no-referrer");
    let json = app
        .call(Method::GET, &format!("{path}?redirect=false"), None)
        .await;
    assert_eq!(json.status, StatusCode::OK, "{}", json.body);
    assert_eq!(json.body["sha256"], "ab".repeat(32));

    let listed = app.get(&links(&id), &token_of("acme")).await;
    let listed = listed.body["links"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].to_string().contains(token), "never the token");
    let link_id = listed[0]["id"].as_str().unwrap();

    let revoked = app.revoke(&id, link_id).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_eq!(revoked.body["status"], "revoked");
    let gone = app.call(Method::GET, &path, None).await;
    gone.problem(StatusCode::GONE);
    assert!(gone.body["detail"].as_str().unwrap().contains("revoked"));
    // A browser opening it gets a page in its language, still a 410.
    let browser = |lang: &'static str| {
        Request::get(path.as_str())
            .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
            .header(header::ACCEPT_LANGUAGE, lang)
            .body(Body::empty())
            .unwrap()
    };
    let page = app.send(browser("es-ES,es;q=0.9,en;q=0.5")).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.header(header::CONTENT_TYPE).starts_with("text/html"));
    let html = page.body.as_str().unwrap();
    assert!(html.contains("<html lang=\"es\">"), "{html}");
    assert!(html.contains("se revocó el"), "{html}");
    assert!(html.contains("Pida un enlace nuevo"), "{html}");
    let page = app.send(browser("en-GB")).await;
    let html = page.body.as_str().unwrap();
    assert!(html.contains("was revoked at"), "{html}");
    let unknown = app
        .call(Method::GET, &format!("/v1/shared/{}", "A".repeat(43)), None)
        .await;
    unknown.problem(StatusCode::GONE);

    let trail = app
        .get(&format!("/v1/export-jobs/{id}/audit"), &token_of("acme"))
        .await;
    let events: Vec<&str> = trail.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "created",
            "link_created",
            "downloaded",
            "downloaded",
            "link_revoked"
        ]
    );
    let used = &trail.body["entries"][2];
    assert_eq!(used["by"], json!({"kind": "link", "id": link_id}));
    assert_eq!(used["note"], "Ana (external auditor)");
}

fn token_of(tenant: &str) -> String {
    token(tenant, RW)
}

#[tokio::test]
async fn a_link_expires_and_never_outlives_the_artifact() {
    let app = app();
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::hours(36)).await;
    let too_long = app.share(&id, 3, "auditor").await;
    assert_eq!(
        too_long.problem(StatusCode::UNPROCESSABLE_ENTITY),
        ["expires_in_days"]
    );
    let created = app.share(&id, 2, "auditor").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["expires_at"], "2026-06-17T00:00:00Z");
    let path = shared_path(&created);
    app.set_now(t("2026-06-16T23:58:00Z"));
    let late = app
        .call(Method::GET, &format!("{path}?redirect=false"), None)
        .await;
    assert!(
        late.body["url"]
            .as_str()
            .unwrap()
            .ends_with("&expires_in=120")
    );
    app.set_now(t("2026-06-17T00:00:00Z"));
    let gone = app.call(Method::GET, &path, None).await;
    gone.problem(StatusCode::GONE);
    assert!(gone.body["detail"].as_str().unwrap().contains("expired"));
    // The job is expired now: no new link (410, as /download; share_links.rs).
    app.share(&id, 1, "auditor").await.problem(StatusCode::GONE);
}

#[tokio::test]
async fn only_completed_jobs_of_the_caller_can_be_shared() {
    let app = app();
    let id = app.created("acme").await;
    let r = app.share(&id, 1, "auditor").await;
    r.problem(StatusCode::CONFLICT);
    assert!(r.body["detail"].as_str().unwrap().contains("queued"));
    app.complete("acme", &id, TimeDelta::days(7)).await;
    let other = app
        .post_json(&links(&id), &token_of("globex"), json!({"note": "x"}))
        .await;
    other.problem(StatusCode::NOT_FOUND);
    let read_only = app
        .post_json(
            &links(&id),
            &token("acme", &["exports:read"]),
            json!({"note": "x"}),
        )
        .await;
    read_only.problem(StatusCode::FORBIDDEN);
    let no_note = app
        .post_json(
            &links(&id),
            &token_of("acme"),
            json!({"expires_in_days": 0, "x": 1}),
        )
        .await;
    let mut fields = no_note.problem(StatusCode::BAD_REQUEST);
    fields.sort();
    assert_eq!(fields, ["expires_in_days", "note", "x"]);
    app.get(&links(&id), &token_of("globex"))
        .await
        .problem(StatusCode::NOT_FOUND);
    app.get(&format!("/v1/export-jobs/{id}/audit"), &token_of("globex"))
        .await
        .problem(StatusCode::NOT_FOUND);
    app.call(
        Method::DELETE,
        &format!("{}/lnk_01jt9x4q7w8e3r5t6y7u8i9o0p", links(&id)),
        Some(&token_of("acme")),
    )
    .await
    .problem(StatusCode::NOT_FOUND);
    // Without expires_in_days: a week, within the artifact's week.
    let default = app
        .post_json(&links(&id), &token_of("acme"), json!({"note": "auditor"}))
        .await;
    assert_eq!(default.body["expires_at"], "2026-06-22T12:00:00Z");
}

#[tokio::test]
async fn the_fifty_first_live_link_is_refused_until_one_is_revoked() {
    let app = app();
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::days(7)).await;
    let mut first = None;
    for i in 0..50 {
        let r = app.share(&id, 1, &format!("auditor {i}")).await;
        assert_eq!(r.status, StatusCode::CREATED);
        first.get_or_insert(r.body["id"].as_str().unwrap().to_string());
    }
    let r = app.share(&id, 1, "one too many").await;
    r.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["detail"].as_str().unwrap().contains("50"));
    let first = first.unwrap();
    app.call(
        Method::DELETE,
        &format!("{}/{first}", links(&id)),
        Some(&token_of("acme")),
    )
    .await;
    assert_eq!(
        app.share(&id, 1, "now it fits").await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn downloads_and_cancels_are_in_the_trail_with_the_caller() {
    let app = app();
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::days(7)).await;
    let req = Request::get(format!("/v1/export-jobs/{id}/download"))
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", token_of("acme")),
        )
        .header(header::USER_AGENT, "curl/8.5")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::SEE_OTHER);
    let head = Request::head(format!("/v1/export-jobs/{id}/download"))
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", token_of("acme")),
        )
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(head).await.status, StatusCode::SEE_OTHER);
    let other = app.created("acme").await;
    app.call(
        Method::POST,
        &format!("/v1/export-jobs/{other}/cancel"),
        Some(&token_of("acme")),
    )
    .await;
    let trail = app
        .get(&format!("/v1/export-jobs/{id}/audit"), &token_of("acme"))
        .await;
    let d = &trail.body["entries"][1];
    assert_eq!(d["event"], "downloaded");
    assert_eq!(
        trail.body["entries"].as_array().unwrap().len(),
        2,
        "the HEAD is not a download: {}",
        trail.body
    );
    assert_eq!(d["by"], json!({"kind": "user", "id": "u_1042"}));
    assert_eq!(d["user_agent"], "curl/8.5");
    let events = app.trail_events("acme", &other).await;
    assert_eq!(events, ["created", "canceled"]);
}

#[tokio::test]
async fn a_trail_that_cannot_be_written_does_not_stop_a_download() {
    let app = app();
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::days(7)).await;
    let created = app.share(&id, 1, "auditor").await;
    let path = shared_path(&created);
    app.jobs
        .fail_audit_with(Some(kt_store::StoreError::Transient("throttled".into())));
    let used = app.call(Method::GET, &path, None).await;
    assert_eq!(used.status, StatusCode::SEE_OTHER);
    let downloaded = app
        .get(&format!("/v1/export-jobs/{id}/download"), &token_of("acme"))
        .await;
    assert_eq!(downloaded.status, StatusCode::SEE_OTHER);
    app.jobs.fail_audit_with(None);
    let events = app.trail_events("acme", &id).await;
    assert_eq!(
        events,
        ["created", "link_created"],
        "the failed entries were logged instead"
    );
}

/// Whoever holds only a link can check a signature, not only a hash: the
/// job's signed manifest and its signature under the link, gone with it.
#[tokio::test]
async fn a_links_holder_gets_the_signed_manifest_and_its_signature_until_the_link_ends() {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use kt_engine::custody::ManifestSigner;
    use kt_engine::custody::{LocalKeySigner, SignedManifest};
    use kt_store::custody::CustodyStore;
    let app = app();
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::days(7)).await;
    let path = shared_path(&app.share(&id, 3, "Audit firm").await);
    let manifest = format!("{path}/manifest");
    let signature = format!("{path}/manifest.sig");
    // None signed for this job: said, not a server error.
    let none = app.call(Method::GET, &manifest, None).await;
    none.problem(StatusCode::CONFLICT);
    assert!(
        none.body["detail"]
            .as_str()
            .unwrap()
            .contains("no signed manifest")
    );

    let signer = LocalKeySigner::generate();
    let claim = json!({"kind": "kt-exports/job-manifest", "job": {"id": id.as_str()},
                       "artifact": {"sha256": "ab".repeat(32)}});
    let signed = SignedManifest::sign(&claim, &signer).await.unwrap();
    let acme = TenantId::parse("acme").unwrap();
    app.manifests
        .append_manifest(&acme, &id, &signed, &[])
        .await
        .unwrap();
    let got = app.call(Method::GET, &manifest, None).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.body, claim);
    assert_eq!(
        got.header(header::HeaderName::from_static("kt-manifest-signature")),
        STANDARD.encode(&signed.signature)
    );
    assert_eq!(
        got.header(header::HeaderName::from_static("kt-signing-key-id")),
        signer.key_id()
    );
    let sig = app.call(Method::GET, &signature, None).await;
    assert_eq!(sig.status, StatusCode::OK);
    assert_eq!(sig.body, json!(STANDARD.encode(&signed.signature)));
    // A revocable link's answers are kept by no cache.
    for answer in [&got, &sig] {
        assert_eq!(answer.header(header::CACHE_CONTROL), "no-store");
    }

    // Revoked: the manifest goes with the download.
    let listed = app.get(&links(&id), &token_of("acme")).await;
    let link_id = listed.body["links"][0]["id"].as_str().unwrap().to_string();
    let revoked = app.revoke(&id, &link_id).await;
    assert_eq!(revoked.status, StatusCode::OK);
    for gone in [&manifest, &signature] {
        app.call(Method::GET, gone, None)
            .await
            .problem(StatusCode::GONE);
    }
}

/// A link's holder gets the RFC 3161 token too (`manifest.tsr`), as the
/// tenant does: the token's bytes when one was granted, a 404
/// `timestamp-not-found` saying why when none was, 410 once the link ends;
/// fetching it (GET or HEAD) is not a download and is not in the trail.
#[tokio::test]
async fn a_links_holder_gets_the_timestamp_token_until_the_link_ends() {
    use kt_engine::custody::{LocalKeySigner, SignedManifest};
    use kt_store::custody::CustodyStore;
    let app = app();
    let acme = TenantId::parse("acme").unwrap();
    let signer = LocalKeySigner::generate();

    // Without a timestamp authority: said, as the tenant's route says it.
    let plain = app.created("acme").await;
    app.complete("acme", &plain, TimeDelta::days(7)).await;
    let claim = json!({"kind": "kt-exports/job-manifest", "job": {"id": plain.as_str()},
                       "timestamp": {"status": "none"}});
    let signed = SignedManifest::sign(&claim, &signer).await.unwrap();
    app.manifests
        .append_manifest(&acme, &plain, &signed, &[])
        .await
        .unwrap();
    let path = shared_path(&app.share(&plain, 3, "Audit firm").await);
    let none = app
        .call(Method::GET, &format!("{path}/manifest.tsr"), None)
        .await;
    none.problem(StatusCode::NOT_FOUND);
    assert_eq!(
        none.body["type"],
        "urn:kt-exports:problem:timestamp-not-found"
    );
    assert!(
        none.body["detail"]
            .as_str()
            .unwrap()
            .contains("No timestamp authority was configured"),
        "{}",
        none.body
    );
    let tenants = app
        .get(
            &format!("/v1/export-jobs/{plain}/manifest.tsr"),
            &token_of("acme"),
        )
        .await;
    assert_eq!(tenants.body, none.body, "the same answer as the tenant's");

    // With a granted token: its exact bytes, and the manifest says so.
    let id = app.created("acme").await;
    app.complete("acme", &id, TimeDelta::days(7)).await;
    let claim = json!({"kind": "kt-exports/job-manifest", "job": {"id": id.as_str()},
                       "timestamp": {"status": "requested", "tsa": "http://tsa.test/",
                                     "imprint": "sha256(signature)"}});
    let signed = SignedManifest::sign(&claim, &signer).await.unwrap();
    let token_bytes = b"\x30\x03\x02\x01\x00 a TimeStampResp".to_vec();
    app.manifests
        .append_manifest(&acme, &id, &signed, &[])
        .await
        .unwrap();
    app.manifests
        .attach_timestamp(&acme, &id, &token_bytes)
        .await
        .unwrap();
    let path = shared_path(&app.share(&id, 3, "Audit firm").await);
    let tsr = format!("{path}/manifest.tsr");
    let manifest = app
        .call(Method::GET, &format!("{path}/manifest"), None)
        .await;
    assert_eq!(manifest.status, StatusCode::OK);
    assert_eq!(
        manifest.header(header::HeaderName::from_static("kt-manifest-timestamp")),
        "granted"
    );
    let res = app
        .router
        .clone()
        .oneshot(Request::get(&tsr).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/timestamp-reply"
    );
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    assert_eq!(body.as_ref(), token_bytes.as_slice());
    let head = app.call(Method::HEAD, &tsr, None).await;
    assert_eq!(head.status, StatusCode::OK);

    // Not a download: the trail has the job's creation and the link only.
    let events = app.trail_events("acme", &id).await;
    assert_eq!(events, ["created", "link_created"]);

    // Revoked: gone with the link's other routes.
    let listed = app.get(&links(&id), &token_of("acme")).await;
    let link_id = listed.body["links"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(app.revoke(&id, &link_id).await.status, StatusCode::OK);
    let gone = app.call(Method::GET, &tsr, None).await;
    gone.problem(StatusCode::GONE);
    assert!(gone.body["detail"].as_str().unwrap().contains("revoked"));
    let unknown = app
        .call(
            Method::GET,
            &format!("/v1/shared/{}/manifest.tsr", "A".repeat(43)),
            None,
        )
        .await;
    unknown.problem(StatusCode::GONE);
}
