use super::*;
use kt_store::StoreError;

#[tokio::test]
async fn a_valid_request_is_accepted_queued_and_echoes_its_window() {
    let app = app();
    let r = app.create(&token("acme", RW), may(), None).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert_eq!(r.header(header::LOCATION), format!("/v1/export-jobs/{id}"));
    assert_eq!(r.body["status"], "queued");
    assert_eq!(r.body["type"], "events");
    assert_eq!(r.body["format"], "csv");
    assert_eq!(r.body["timezone"], "Europe/Madrid");
    assert_eq!(r.body["window_start"], "2026-04-30T22:00:00Z");
    assert_eq!(r.body["window_end"], "2026-05-31T22:00:00Z");
    assert_eq!(r.body["file_name"], "kt_2026-05-01_to_2026-05-31.csv");
    assert_eq!(r.body["content_type"], "text/csv");
    assert_eq!(r.body["created_by"], "u_1042");
    assert_eq!(r.body["created_at"], "2026-06-15T12:00:00Z");
    assert_eq!(r.body["label"], "May control check");
    assert_eq!(r.body["actions"], json!(["cancel"]));
    assert_eq!(r.body["progress"], 0.0);
    assert!(r.body.get("tenant_id").is_none() && r.body.get("request_hash").is_none());
    let messages = app.queue.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].0.as_str(), "acme");
    assert_eq!(messages[0].1.as_str(), id);
}

#[tokio::test]
async fn malformed_bodies_are_400_and_create_nothing() {
    let app = app();
    let tok = token("acme", RW);
    for body in ["[]", "\"csv\"", "{not json", ""] {
        app.post_raw(&tok, "application/json", body, None)
            .await
            .problem(StatusCode::BAD_REQUEST);
    }
    let body = may().to_string();
    app.post_raw(&tok, "text/plain", &body, None)
        .await
        .problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Over the documented limit: 413, whatever the content.
    let huge = format!(
        "{{\"label\":\"{}\"}}",
        "x".repeat(crate::http::MAX_BODY_BYTES)
    );
    app.post_raw(&tok, "application/json", &huge, None)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE);
    let mut extra = may();
    extra["tenant_id"] = json!("globex");
    extra["expires_in_days"] = json!(31);
    let mut fields = app
        .create(&tok, extra, None)
        .await
        .problem(StatusCode::BAD_REQUEST);
    fields.sort();
    assert_eq!(fields, ["expires_in_days", "tenant_id"]);
    let mut bad_zone = may();
    bad_zone["timezone"] = json!("Europe/Atlantis");
    assert_eq!(
        app.create(&tok, bad_zone, None)
            .await
            .problem(StatusCode::BAD_REQUEST),
        ["timezone"]
    );
    // A day that does not exist is said to be one, not "must be a date".
    let mut no_such_day = may();
    no_such_day["date_from"] = json!("2026-02-30");
    let r = app.create(&tok, no_such_day, None).await;
    assert_eq!(r.problem(StatusCode::BAD_REQUEST), ["date_from"]);
    assert_eq!(
        r.body["errors"][0]["message"],
        "is not a day of the calendar (YYYY-MM-DD)"
    );
    let long_key = "k".repeat(256);
    let r = app.create(&tok, may(), Some(&long_key)).await;
    assert_eq!(r.problem(StatusCode::BAD_REQUEST), ["Idempotency-Key"]);
    assert!(app.queue.messages().is_empty());
}

#[tokio::test]
async fn impossible_windows_are_422() {
    let app = app();
    let tok = token("acme", RW);
    let cases = [
        ("2026-05-31", "2026-05-01", "date_from"),
        ("2026-05-01T00:00:00Z", "2026-05-01T00:00:00Z", "date_to"),
        ("2025-01-01", "2026-01-02", "date_to"),
        // "Today" (2026-06-15) ends tonight: more than a minute in the future.
        ("2026-06-01", "2026-06-15", "date_to"),
        // Before the documented lower bound, with an offset that used to
        // make a negative year.
        ("0000-01-01T00:00:00+23:59", "2000-01-02", "date_from"),
        ("1677-09-20", "1677-09-22", "date_from"),
    ];
    for (from, to, field) in cases {
        let mut body = may();
        body["date_from"] = json!(from);
        body["date_to"] = json!(to);
        let fields = app
            .create(&tok, body, None)
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields, [field], "{from}..{to}");
    }
    assert!(app.queue.messages().is_empty());
}

#[tokio::test]
async fn the_active_job_limit_is_429_with_retry_after() {
    let app = app_with_limit(2);
    let tok = token("acme", RW);
    app.created("acme").await;
    app.created("acme").await;
    let r = app.create(&tok, may(), None).await;
    r.problem(StatusCode::TOO_MANY_REQUESTS);
    assert!(r.header(header::RETRY_AFTER).parse::<u32>().unwrap() > 0);
    // Another tenant is not affected; canceling frees a slot.
    app.created("globex").await;
    let first = app.queue.messages()[0].1.clone();
    let c = app
        .call(
            Method::POST,
            &format!("/v1/export-jobs/{first}/cancel"),
            Some(&tok),
        )
        .await;
    assert_eq!(c.status, StatusCode::ACCEPTED);
    app.created("acme").await;
}

#[tokio::test]
async fn the_same_idempotency_key_replays_the_same_request_and_refuses_another() {
    let app = app();
    let tok = token("acme", RW);
    let first = app.create(&tok, may(), Some("run-2026-05")).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    // Same request, written differently (field order, explicit default): same job.
    let mut same = json!({"label": "May control check", "timezone": "Europe/Madrid",
        "date_to": "2026-05-31", "date_from": "2026-05-01", "format": "csv", "type": "events"});
    same["expires_in_days"] = json!(7);
    let replay = app.create(&tok, same, Some("run-2026-05")).await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(replay.body["id"], first.body["id"]);
    assert_eq!(
        replay.header(header::LOCATION),
        first.header(header::LOCATION)
    );
    let mut different = may();
    different["format"] = json!("json");
    let r = app.create(&tok, different, Some("run-2026-05")).await;
    assert_eq!(
        r.problem(StatusCode::UNPROCESSABLE_ENTITY),
        ["Idempotency-Key"]
    );
    assert_eq!(
        app.queue.messages().len(),
        1,
        "only the first request was queued"
    );
    // Keys are per tenant.
    let theirs = app
        .create(&token("globex", RW), may(), Some("run-2026-05"))
        .await;
    assert_eq!(theirs.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_retry_with_the_same_key_after_a_queue_failure_creates_the_job() {
    let app = app();
    let tok = token("acme", RW);
    app.queue
        .fail_with(Some(StoreError::Transient("sqs down".into())));
    let r = app.create(&tok, may(), Some("run-1")).await;
    r.problem(StatusCode::SERVICE_UNAVAILABLE);

    // The caller retries as told (same key, same body): a queued job, not the failed one.
    app.queue.fail_with(None);
    let retried = app.create(&tok, may(), Some("run-1")).await;
    assert_eq!(retried.status, StatusCode::ACCEPTED, "{}", retried.body);
    assert_eq!(retried.body["status"], "queued");
    assert_eq!(app.queue.messages().len(), 1);
    // And from then on the key replays that job.
    let again = app.create(&tok, may(), Some("run-1")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["id"], retried.body["id"]);
    assert_eq!(app.queue.messages().len(), 1);
}

#[tokio::test]
async fn a_job_that_cannot_be_queued_is_failed_not_left_queued() {
    let app = app_with_limit(1);
    let tok = token("acme", RW);
    app.queue
        .fail_with(Some(StoreError::Transient("sqs down".into())));
    let r = app.create(&tok, may(), None).await;
    r.problem(StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.header(header::RETRY_AFTER).parse::<u32>().is_ok());
    assert!(!r.body["detail"].as_str().unwrap().contains("sqs down"));
    let list = app.get("/v1/export-jobs", &tok).await;
    let job = &list.body["jobs"][0];
    assert_eq!(job["status"], "failed");
    assert_eq!(job["error"]["code"], "enqueue_failed");
    // The failed job does not hold the tenant's only slot.
    app.queue.fail_with(None);
    app.created("acme").await;
    assert_eq!(
        app.jobs.active_count(&TenantId::parse("acme").unwrap()),
        1,
        "only the queued job counts"
    );
}

#[tokio::test]
async fn store_failures_are_503_or_500_without_internals() {
    let app = app();
    let tok = token("acme", RW);
    app.jobs.fail_with(Some(StoreError::Transient(
        "ProvisionedThroughputExceeded".into(),
    )));
    let r = app.create(&tok, may(), None).await;
    r.problem(StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.header(header::RETRY_AFTER).parse::<u32>().is_ok());
    app.jobs.fail_with(Some(StoreError::Permanent(
        "table kt-export-jobs not found".into(),
    )));
    let r = app.get("/v1/export-jobs", &tok).await;
    r.problem(StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!r.body.to_string().contains("kt-export-jobs"));
}

#[tokio::test]
async fn an_oversized_body_is_a_client_error_not_a_crash() {
    let app = app();
    let huge = format!("{{\"label\": \"{}\"}}", "x".repeat(3 << 20));
    let r = app
        .post_raw(&token("acme", RW), "application/json", &huge, None)
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    r.problem(r.status);
}

/// A label is one line: Unicode's line and paragraph separators (U+2028,
/// U+2029) break it as `\n` does, and are refused like it (before: accepted
/// and stored, then shown on two lines on the page and in reports).
#[tokio::test]
async fn a_label_with_a_line_or_paragraph_separator_is_a_400_naming_it() {
    let app = app();
    let tok = token("acme", RW);
    for separator in ["\u{2028}", "\u{2029}"] {
        let mut body = may();
        body["label"] = json!(format!("May{separator}control check"));
        let r = app.create(&tok, body, None).await;
        assert_eq!(
            r.problem(StatusCode::BAD_REQUEST),
            ["label"],
            "{separator:?}"
        );
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .contains("U+2028, U+2029"),
            "{}",
            r.body
        );
    }
    assert!(app.queue.messages().is_empty(), "no job was created");
}

/// An empty or blank `Idempotency-Key` is not "no key" (the OpenAPI says
/// minLength 1): a retry with it would create a second job. Two keys are
/// refused too, rather than one kept silently. Each is a 400 naming the
/// header, and creates nothing.
#[tokio::test]
async fn an_empty_blank_or_repeated_idempotency_key_is_a_400_naming_it() {
    let app = app();
    let tok = token("acme", RW);
    let post = |keys: &'static [&'static str]| {
        let mut req = Request::post("/v1/export-jobs")
            .header(header::AUTHORIZATION, format!("Bearer {tok}"))
            .header(header::CONTENT_TYPE, "application/json");
        for k in keys {
            req = req.header("Idempotency-Key", *k);
        }
        req.body(Body::from(may().to_string())).unwrap()
    };
    for keys in [
        &[""][..],
        &[" "],
        &["\t \t"],
        &["k-1", "k-2"],
        &["k-1", "k-1"],
        // How API Gateway hands over two keys, and keys with blanks inside.
        &["k-1,k-2"],
        &["k-1, k-2"],
        &["k 1"],
        &["k\t1"],
    ] {
        let r = app.send(post(keys)).await;
        assert_eq!(
            r.problem(StatusCode::BAD_REQUEST),
            ["Idempotency-Key"],
            "{keys:?}"
        );
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .starts_with("Idempotency-Key: "),
            "{}",
            r.body
        );
    }
    assert!(app.queue.messages().is_empty(), "no job was created");
    // One key, given once, still works.
    let r = app.send(post(&["k-1"])).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
}
