use super::*;
use axum::http::{HeaderValue, StatusCode};
use kt_domain::JobStatus;
use serde_json::json;

fn json_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h
}

fn parse(body: Value) -> Result<ExportRequest, ApiError> {
    ExportRequest::parse(&json_headers(), body.to_string().as_bytes())
}

fn valid() -> Value {
    json!({"type": "events", "format": "csv", "date_from": "2026-05-01",
           "date_to": "2026-05-31", "timezone": "Europe/Madrid",
           "label": "May control check", "expires_in_days": 7})
}

fn with(field: &str, value: Value) -> Value {
    let mut v = valid();
    v[field] = value;
    v
}

fn without(field: &str) -> Value {
    let mut v = valid();
    v.as_object_mut().unwrap().remove(field);
    v
}

/// The fields a 400 names.
fn bad_fields(r: Result<ExportRequest, ApiError>) -> Vec<String> {
    match r {
        Err(ApiError::BadRequest { errors, .. }) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected 400, got {other:?}"),
    }
}

fn now() -> DateTime<Utc> {
    "2026-11-27T09:00:00Z".parse().unwrap()
}

#[test]
fn a_full_request_parses() {
    let r = parse(valid()).unwrap();
    assert_eq!(r.format, ExportFormat::Csv);
    assert_eq!(r.timezone, chrono_tz::Europe::Madrid);
    assert_eq!(r.label.as_deref(), Some("May control check"));
    assert_eq!(r.expires_in_days, 7);
}

#[test]
fn optional_fields_take_their_defaults() {
    let mut body = valid();
    let obj = body.as_object_mut().unwrap();
    obj.remove("timezone");
    obj.remove("label");
    obj.insert("expires_in_days".into(), Value::Null);
    let r = parse(body).unwrap();
    assert_eq!(r.timezone, Tz::UTC);
    assert_eq!(r.label, None);
    assert_eq!(r.expires_in_days, DEFAULT_EXPIRES_IN_DAYS);
}

#[test]
fn bodies_that_are_not_json_objects_are_400() {
    for body in ["[1]", "\"x\"", "null", "{", "", "{\"type\": }"] {
        let r = ExportRequest::parse(&json_headers(), body.as_bytes());
        assert_eq!(r.unwrap_err().status(), StatusCode::BAD_REQUEST, "{body}");
    }
}

#[test]
fn the_body_must_be_declared_json() {
    let body = valid().to_string();
    let mut form = HeaderMap::new();
    form.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    let unsupported = |r: Result<ExportRequest, ApiError>| {
        assert!(matches!(r, Err(ApiError::UnsupportedMediaType)), "{r:?}");
    };
    unsupported(ExportRequest::parse(&form, body.as_bytes()));
    unsupported(ExportRequest::parse(&HeaderMap::new(), body.as_bytes()));
    let mut charset = HeaderMap::new();
    charset.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("Application/JSON; charset=utf-8"),
    );
    assert!(ExportRequest::parse(&charset, body.as_bytes()).is_ok());
    // JSON is UTF-8: a body declared in another charset is refused, not
    // read as UTF-8 regardless (before: 202).
    let mut latin1 = HeaderMap::new();
    latin1.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=iso-8859-1"),
    );
    unsupported(ExportRequest::parse(&latin1, body.as_bytes()));
    // A leading UTF-8 byte-order mark is ignored (RFC 8259 allows it; before:
    // a 400 "expected value at line 1 column 1").
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), body.as_bytes()].concat();
    assert!(ExportRequest::parse(&json_headers(), &with_bom).is_ok());
}

#[test]
fn missing_unknown_and_mistyped_fields_are_400_naming_the_field() {
    for f in ["type", "format", "date_from", "date_to"] {
        assert_eq!(bad_fields(parse(without(f))), [f]);
        assert_eq!(bad_fields(parse(with(f, json!(1)))), [f]);
    }
    assert_eq!(
        bad_fields(parse(with("tenant_id", json!("globex")))),
        ["tenant_id"]
    );
    assert_eq!(bad_fields(parse(with("type", json!("metrics")))), ["type"]);
    assert_eq!(bad_fields(parse(with("format", json!("xlsx")))), ["format"]);
    assert_eq!(bad_fields(parse(with("label", json!(["a"])))), ["label"]);
    assert_eq!(bad_fields(parse(with("timezone", json!(2)))), ["timezone"]);
}

#[test]
fn every_problem_is_listed_at_once() {
    let body = json!({"type": "events", "format": "pdf", "date_from": "yesterday", "extra": 1});
    let mut fields = bad_fields(parse(body));
    fields.sort();
    assert_eq!(fields, ["date_from", "date_to", "extra", "format"]);
}

#[test]
fn ranges_are_enforced() {
    for bad in [
        json!(0),
        json!(31),
        json!(-1),
        json!(7.5),
        json!("7"),
        json!(true),
    ] {
        assert_eq!(
            bad_fields(parse(with("expires_in_days", bad.clone()))),
            ["expires_in_days"],
            "{bad}"
        );
    }
    for ok in [1, 30] {
        assert_eq!(
            parse(with("expires_in_days", json!(ok)))
                .unwrap()
                .expires_in_days,
            ok
        );
    }
    // Characters, not bytes.
    assert!(parse(with("label", json!("é".repeat(200)))).is_ok());
    assert_eq!(
        bad_fields(parse(with("label", json!("a".repeat(201))))),
        ["label"]
    );
    // Read later on the page and in reports: as stored, in order.
    for unreadable in [
        "May\ncheck",
        "nul\u{0}",
        "invoice\u{202E}fdp.exe",
        "May\u{2028}check",
        "May\u{2029}check",
    ] {
        assert_eq!(
            bad_fields(parse(with("label", json!(unreadable)))),
            ["label"],
            "{unreadable:?}"
        );
    }
}

#[test]
fn unparseable_dates_and_unknown_zones_are_400() {
    assert_eq!(
        bad_fields(parse(with("date_from", json!("2026-13-01")))),
        ["date_from"]
    );
    assert_eq!(
        bad_fields(parse(with("date_to", json!("31/05/2026")))),
        ["date_to"]
    );
    assert_eq!(
        bad_fields(parse(with("timezone", json!("Europe/Atlantis")))),
        ["timezone"]
    );
}

#[test]
fn window_rules_are_422_naming_the_field() {
    let cases = [
        ("2026-05-31", "2026-05-01", "date_from"),
        ("2026-05-01T00:00:00Z", "2026-05-01T00:00:00Z", "date_to"),
        ("2025-01-01", "2026-01-02", "date_to"),
        ("2026-11-01", "2026-12-01", "date_to"),
    ];
    for (from, to, field) in cases {
        let r = parse(with("date_from", json!(from)))
            .map(|mut r| {
                r.date_to = DateBound::parse(to).unwrap();
                r
            })
            .unwrap();
        match r.window(now()) {
            Err(ApiError::Unprocessable { errors, .. }) => assert_eq!(errors[0].field, field),
            other => panic!("{from}..{to}: expected 422, got {other:?}"),
        }
    }
}

#[test]
fn the_job_states_the_resolved_window_and_its_file() {
    let r = parse(valid()).unwrap();
    let window = r.window(now()).unwrap();
    let caller = Caller {
        sub: "u_1042".into(),
        tenant: kt_domain::TenantId::parse("acme").unwrap(),
        scopes: vec![],
    };
    let job = r.into_job(&window, &caller, now());
    assert_eq!(job.window_start.to_rfc3339(), "2026-04-30T22:00:00+00:00");
    assert_eq!(job.window_end.to_rfc3339(), "2026-05-31T22:00:00+00:00");
    assert_eq!(job.file_name, "kt_2026-05-01_to_2026-05-31.csv");
    assert_eq!(job.content_type, "text/csv");
    assert_eq!(job.timezone, "Europe/Madrid");
    assert_eq!(job.created_by, "u_1042");
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(job.request_hash.as_ref().map(String::len), Some(64));
}

#[test]
fn equivalent_requests_hash_alike_and_different_ones_do_not() {
    let explicit = parse(
        json!({"type": "events", "format": "json", "date_from": "2026-05-01",
        "date_to": "2026-05-02", "timezone": "UTC", "expires_in_days": 7}),
    )
    .unwrap();
    let implicit = ExportRequest::parse(
        &json_headers(),
        br#"{ "date_to":"2026-05-02", "date_from":"2026-05-01", "format":"json", "type":"events" }"#,
    )
    .unwrap();
    assert_eq!(explicit.request_hash(), implicit.request_hash());
    let labelled = ExportRequest {
        label: Some("x".into()),
        ..implicit.clone()
    };
    assert_ne!(labelled.request_hash(), implicit.request_hash());
    let longer = ExportRequest {
        expires_in_days: 8,
        ..implicit.clone()
    };
    assert_ne!(longer.request_hash(), implicit.request_hash());
}

#[test]
fn idempotency_keys_are_bounded() {
    let key = |v: &str| {
        let mut h = HeaderMap::new();
        h.insert("idempotency-key", HeaderValue::from_str(v).unwrap());
        idempotency_key(&h)
    };
    assert_eq!(idempotency_key(&HeaderMap::new()).unwrap(), None);
    assert_eq!(key("abc").unwrap().as_deref(), Some("abc"));
    assert!(key(&"k".repeat(255)).is_ok());
    assert_eq!(
        key(&"k".repeat(256)).unwrap_err().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(key("").unwrap_err().status(), StatusCode::BAD_REQUEST);
    assert_eq!(key("  ").unwrap_err().status(), StatusCode::BAD_REQUEST);
    let mut twice = HeaderMap::new();
    twice.append("idempotency-key", HeaderValue::from_static("a"));
    twice.append("idempotency-key", HeaderValue::from_static("b"));
    assert_eq!(
        idempotency_key(&twice).unwrap_err().status(),
        StatusCode::BAD_REQUEST
    );
}

#[test]
fn a_leap_second_is_a_400_on_its_field() {
    // Accepted before, it echoed `window_start: "…T23:59:60Z"` (an Invalid
    // Date on the page) and exported no event of the window.
    let r = parse(with("date_from", json!("2026-05-01T23:59:60Z")));
    assert_eq!(bad_fields(r), ["date_from"]);
    let r = parse(with("date_to", json!("2026-05-02T23:59:60+00:00")));
    assert_eq!(bad_fields(r), ["date_to"]);
}

#[test]
fn a_member_given_twice_is_a_400_naming_it() {
    // Before: the last one won, so this was accepted as a json export.
    let body = br#"{"type": "events", "format": "csv", "format": "json",
        "date_from": "2026-05-01", "date_to": "2026-05-02"}"#;
    let r = ExportRequest::parse(&json_headers(), body);
    assert_eq!(bad_fields(r), ["format"]);
    assert_eq!(
        repeated_members(br#"{"a": 1, "b": {"a": 2}, "a": 3, "a": 4}"#),
        ["a"]
    );
}
