//! `GET/PUT /v1/compliance-profile`.
use super::*;

impl TestApp {
    async fn put_profile(&self, token: &str, body: &str) -> Reply {
        let req = Request::put("/v1/compliance-profile")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json");
        self.send(req.body(Body::from(body.to_string())).unwrap())
            .await
    }
}

const RO: &[&str] = &["exports:read"];

#[tokio::test]
async fn a_put_replaces_the_profile_and_returns_the_new_version() {
    let app = app();
    let empty = app.get("/v1/compliance-profile", &token("acme", RO)).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    assert_eq!(empty.body["version"], Value::Null);
    assert_eq!(empty.body["profile"], json!({}));
    assert_eq!(empty.body["next_scheduled_run"], Value::Null);

    let body = r#"{"ens": {"category": "MEDIA", "dimensions": {"C": "MEDIO", "I": "ALTO", "T": "MEDIO", "A": "BAJO", "D": "MEDIO"}},
                   "providers": [{"provider": "openai", "regions": ["us-east-1"], "transfer_basis": "DPF", "dpa_ref": "DPA-1"}],
                   "schedule": {"enabled": true, "timezone": "Europe/Madrid"}}"#;
    let first = app.put_profile(&token("acme", RW), body).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["version"], 1);
    let second = app
        .put_profile(&token("acme", RW), r#"{"ens": {"category": "ALTA"}}"#)
        .await;
    assert_eq!(second.body["version"], 2);
    let read = app.get("/v1/compliance-profile", &token("acme", RO)).await;
    assert_eq!(read.body["version"], 2);
    assert_eq!(
        read.body["profile"],
        json!({"ens": {"category": "ALTA"}}),
        "replaced, not merged"
    );
    assert_eq!(
        read.body["next_scheduled_run"],
        Value::Null,
        "the schedule went with the replace"
    );
    // Another tenant sees its own (none).
    let other = app
        .get("/v1/compliance-profile", &token("globex", RO))
        .await;
    assert_eq!(other.body["version"], Value::Null);
}

/// A report cites the profile version it was made under; `?version=N`
/// answers that version after later ones replaced it, so an auditor can
/// recompute the report (before: only the current version could be read).
#[tokio::test]
async fn a_past_version_is_read_back_as_a_report_cited_it() {
    let app = app();
    let v1 = r#"{"ens": {"category": "MEDIA"}, "schedule": {"enabled": true, "timezone": "UTC"}}"#;
    assert_eq!(
        app.put_profile(&token("acme", RW), v1).await.body["version"],
        1
    );
    let v2 = r#"{"ens": {"category": "ALTA"}}"#;
    assert_eq!(
        app.put_profile(&token("acme", RW), v2).await.body["version"],
        2
    );

    let past = app
        .get("/v1/compliance-profile?version=1", &token("acme", RO))
        .await;
    assert_eq!(past.status, StatusCode::OK, "{}", past.body);
    assert_eq!(past.body["version"], 1);
    assert_eq!(past.body["profile"]["ens"]["category"], "MEDIA");
    assert_eq!(
        past.body["next_scheduled_run"],
        Value::Null,
        "a past version schedules nothing"
    );
    let current = app
        .get("/v1/compliance-profile?version=2", &token("acme", RO))
        .await;
    assert_eq!(
        current.body["profile"],
        json!({"ens": {"category": "ALTA"}})
    );

    let never = app
        .get("/v1/compliance-profile?version=3", &token("acme", RO))
        .await;
    never.problem(StatusCode::NOT_FOUND);
    assert_eq!(
        never.body["type"],
        "urn:kt-exports:problem:profile-version-not-found"
    );
    let other = app
        .get("/v1/compliance-profile?version=1", &token("globex", RO))
        .await;
    other.problem(StatusCode::NOT_FOUND);
    for bad in ["0", "one", "-1"] {
        let r = app
            .get(
                &format!("/v1/compliance-profile?version={bad}"),
                &token("acme", RO),
            )
            .await;
        assert_eq!(r.problem(StatusCode::BAD_REQUEST), ["version"], "{bad}");
    }
}

#[tokio::test]
async fn get_shows_the_next_scheduled_run_in_the_tenants_zone() {
    let app = app();
    app.set_now(t("2026-05-20T10:00:00Z"));
    let r = app
        .put_profile(
            &token("acme", RW),
            r#"{"schedule": {"enabled": true, "timezone": "Europe/Madrid", "formats": ["compliance-all", "compliance-ens"]}}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let next = &app
        .get("/v1/compliance-profile", &token("acme", RO))
        .await
        .body["next_scheduled_run"];
    assert_eq!(next["at"], "2026-07-01T01:00:00Z");
    assert_eq!(next["local"], "2026-07-01T03:00:00+02:00");
    assert_eq!(next["quarter"], "2026-Q2");
    assert_eq!(next["formats"], json!(["compliance-all", "compliance-ens"]));
}

#[tokio::test]
async fn an_unknown_value_or_field_is_a_400_naming_it() {
    let app = app();
    for (body, field) in [
        (r#"{"ens": {"category": "MEDIUM"}}"#, "ens.category"),
        (
            r#"{"ens": {"dimensions": {"C": "HIGH"}}}"#,
            "ens.dimensions.C",
        ),
        (
            r#"{"providers": [{"provider": "a", "transfer_basis": "BCR"}]}"#,
            "providers[0].transfer_basis",
        ),
        (r#"{"retention": {"days": 10}}"#, "retention.days"),
        (
            r#"{"schedule": {"enabled": true, "timezone": "Nowhere"}}"#,
            "schedule.timezone",
        ),
        ("not json", "body"),
    ] {
        let r = app.put_profile(&token("acme", RW), body).await;
        assert_eq!(r.problem(StatusCode::BAD_REQUEST), [field], "{body}");
        assert!(r.body["detail"].as_str().unwrap().starts_with(field));
    }
    let read = app.get("/v1/compliance-profile", &token("acme", RO)).await;
    assert_eq!(read.body["version"], Value::Null, "nothing was stored");
}

#[tokio::test]
async fn a_schedule_with_no_format_or_one_twice_is_a_400_saying_how_to_pause() {
    // `[]` was stored and ran compliance-all; a repeated format was stored
    // and gave one run a queued and a replayed row for the same export.
    let app = app();
    let empty = app
        .put_profile(
            &token("acme", RW),
            r#"{"schedule": {"enabled": true, "formats": []}}"#,
        )
        .await;
    assert_eq!(empty.problem(StatusCode::BAD_REQUEST), ["schedule.formats"]);
    let detail = empty.body["detail"].as_str().unwrap();
    assert!(detail.contains(r#""enabled": false"#), "{detail}");
    let twice = app
        .put_profile(
            &token("acme", RW),
            r#"{"schedule": {"enabled": true, "formats": ["compliance-ens", "compliance-ens"]}}"#,
        )
        .await;
    assert_eq!(
        twice.problem(StatusCode::BAD_REQUEST),
        ["schedule.formats[1]"]
    );
    let read = app.get("/v1/compliance-profile", &token("acme", RO)).await;
    assert_eq!(read.body["version"], Value::Null, "nothing was stored");
    // Pausing is the enabled flag, and it is accepted.
    let paused = app
        .put_profile(
            &token("acme", RW),
            r#"{"schedule": {"enabled": false, "formats": ["compliance-ens"]}}"#,
        )
        .await;
    assert_eq!(paused.status, StatusCode::OK, "{:?}", paused.body);
}

#[tokio::test]
async fn changing_needs_write_and_reading_needs_read() {
    let app = app();
    app.put_profile(&token("acme", RO), "{}")
        .await
        .problem(StatusCode::FORBIDDEN);
    app.get("/v1/compliance-profile", &token("acme", &["exports:write"]))
        .await
        .problem(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_as_on_create() {
    // Before: 400 "the body could not be read: Failed to buffer the request
    // body: length limit exceeded" (the framework's words).
    let app = app();
    let providers = format!(
        r#"[{}{{"provider": "p"}}]"#,
        r#"{"provider": "p"},"#.repeat(5000)
    );
    let reply = app
        .put_profile(
            &token("acme", RW),
            &format!(r#"{{"providers": {providers}}}"#),
        )
        .await;
    reply.problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        !reply.body["detail"].as_str().unwrap().contains("buffer"),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn a_body_not_declared_json_is_a_415_as_on_create() {
    // Before: a 400 naming Content-Type, where create and links answer 415.
    let app = app();
    let req = Request::put("/v1/compliance-profile")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", token("acme", RW)),
        )
        .header(header::CONTENT_TYPE, "text/plain");
    let reply = app
        .send(req.body(Body::from(r#"{"providers": []}"#)).unwrap())
        .await;
    reply.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_query_parameter_is_a_400_naming_it_and_replaces_nothing() {
    // Before: `PUT ...?dry_run=true` replaced the profile, silently.
    let app = app();
    let body = r#"{"ens": {"category": "ALTA"}}"#;
    let req = Request::put("/v1/compliance-profile?dry_run=true")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", token("acme", RW)),
        )
        .header(header::CONTENT_TYPE, "application/json");
    let reply = app.send(req.body(Body::from(body)).unwrap()).await;
    assert_eq!(reply.problem(StatusCode::BAD_REQUEST), ["dry_run"]);
    let read = app
        .get("/v1/compliance-profile?v=1", &token("acme", RO))
        .await;
    assert_eq!(read.problem(StatusCode::BAD_REQUEST), ["v"]);
    let read = app.get("/v1/compliance-profile", &token("acme", RO)).await;
    assert_eq!(read.body["version"], Value::Null, "{}", read.body);
    // The signing keys' routes take none either.
    for path in ["/v1/keys?kid=k1", "/v1/keys/jwks.json?kid=k1"] {
        let r = app.call(Method::GET, path, None).await;
        assert_eq!(r.problem(StatusCode::BAD_REQUEST), ["kid"], "{path}");
    }
}

/// A PUT of the wrong shape says the field and what it must be in a
/// tenant's words (before: `invalid type: string "x", expected u32`).
#[tokio::test]
async fn a_wrong_type_is_a_400_in_a_tenants_words_at_its_field() {
    let app = app();
    for (body, field, message) in [
        (
            r#"{"retention": {"log_days": "x"}}"#,
            "retention.log_days",
            "must be a whole number of days, not the string \"x\"",
        ),
        (
            r#"{"schedule": {"enabled": "yes"}}"#,
            "schedule.enabled",
            "must be true or false, not the string \"yes\"",
        ),
        (
            r#"{"ai_systems": [{"name": "triage"}]}"#,
            "ai_systems[0].annex_iii",
            "is required",
        ),
    ] {
        let r = app.put_profile(&token("acme", RW), body).await;
        assert_eq!(r.problem(StatusCode::BAD_REQUEST), [field], "{body}");
        assert_eq!(r.body["errors"][0]["message"], message, "{body}");
        assert_eq!(r.body["detail"], format!("{field}: {message}"), "{body}");
    }
    let r = app
        .put_profile(&token("acme", RW), r#"{"ens": {"category": 1}}"#)
        .await;
    assert_eq!(r.problem(StatusCode::BAD_REQUEST), ["ens.category"]);
    // Not JSON is said so, before any field (not "unknown field x").
    let r = app
        .put_profile(&token("acme", RW), r#"{"ens": null, "x"}"#)
        .await;
    assert_eq!(r.problem(StatusCode::BAD_REQUEST), ["body"]);
    assert_eq!(
        r.body["detail"],
        "body: is not valid JSON (line 1, column 18)"
    );
    let read = app.get("/v1/compliance-profile", &token("acme", RO)).await;
    assert_eq!(read.body["version"], Value::Null, "nothing was stored");
}
