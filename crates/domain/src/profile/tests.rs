use super::*;

fn field_of(body: &str) -> String {
    parse_profile(body.as_bytes()).unwrap_err().field
}

#[test]
fn the_issue_example_parses_and_nothing_is_defaulted() {
    let p = parse_profile(
        br#"{"ens": {"category": "MEDIA", "dimensions": {"C": "MEDIO", "I": "ALTO", "T": "MEDIO", "A": "BAJO", "D": "MEDIO"}},
             "providers": [{"provider": "openai", "regions": ["us-east-1"], "transfer_basis": "DPF", "dpa_ref": "DPA-2025-07"}]}"#,
    )
    .unwrap();
    assert_eq!(p.ens_category(), Some(EnsCategory::Media));
    assert_eq!(
        p.provider("OpenAI").unwrap().transfer_basis,
        Some(TransferBasis::Dpf)
    );
    let empty = parse_profile(b"{}").unwrap();
    assert_eq!(
        empty.ens_category(),
        None,
        "an undeclared category stays undeclared"
    );
    assert_eq!(empty, ComplianceProfile::default());
}

#[test]
fn unknown_values_and_fields_name_the_field() {
    assert_eq!(
        field_of(r#"{"ens": {"category": "MEDIUM"}}"#),
        "ens.category"
    );
    assert_eq!(
        field_of(r#"{"ens": {"dimensions": {"C": "HIGH"}}}"#),
        "ens.dimensions.C"
    );
    assert_eq!(
        field_of(r#"{"providers": [{"provider": "a", "transfer_basis": "BCR"}]}"#),
        "providers[0].transfer_basis"
    );
    assert_eq!(
        field_of(r#"{"ens": {"categroy": "MEDIA"}}"#),
        "ens.categroy"
    );
    assert_eq!(field_of(r#"{"colour": 1}"#), "colour");
    assert_eq!(
        field_of(r#"{"schedule": {"enabled": true, "timezone": "Mars/Base"}}"#),
        "schedule.timezone"
    );
    assert_eq!(
        field_of(r#"{"schedule": {"enabled": true, "formats": ["csv"]}}"#),
        "schedule.formats[0]"
    );
    assert_eq!(
        field_of(r#"{"schedule": {"enabled": true, "formats": []}}"#),
        "schedule.formats"
    );
    assert_eq!(
        field_of(
            r#"{"schedule": {"enabled": true, "formats": ["compliance-ens", "compliance-aepd", "compliance-ens"]}}"#
        ),
        "schedule.formats[2]"
    );
    assert_eq!(
        field_of(r#"{"providers": [{"provider": " "}]}"#),
        "providers[0].provider"
    );
    assert_eq!(field_of(r#"[1]"#), "body");
}

#[test]
fn notifications_are_found_by_authority_and_id() {
    let p = parse_profile(
        br#"{"notifications": [{"authority": "market_surveillance", "outcome": "notified", "reference": "AESIA-1", "date": "2026-05-03", "covers": ["inc_1"]}]}"#,
    )
    .unwrap();
    assert!(
        p.notification_for(Authority::MarketSurveillance, "inc_1")
            .is_some()
    );
    assert!(p.notification_for(Authority::Aepd, "inc_1").is_none());
    assert!(
        p.notification_for(Authority::MarketSurveillance, "inc_2")
            .is_none()
    );
}

#[test]
fn a_saved_profile_view_reads_back_as_the_stored_profile() {
    let view = br#"{"tenant_id": "acme", "version": 3, "updated_at": "2026-05-02T10:00:00Z",
                   "profile": {"ens": {"category": "ALTA"}}, "next_scheduled_run": null}"#;
    let stored = parse_profile_view(view).unwrap().unwrap();
    assert_eq!(stored.version, 3);
    assert_eq!(stored.updated_at.to_rfc3339(), "2026-05-02T10:00:00+00:00");
    assert_eq!(stored.profile.ens_category(), Some(EnsCategory::Alta));

    let never_set = br#"{"tenant_id": "acme", "version": null, "updated_at": null, "profile": {}}"#;
    assert_eq!(parse_profile_view(never_set).unwrap(), None);

    let field = |body: &[u8]| parse_profile_view(body).unwrap_err().field;
    assert_eq!(field(b"not json"), "body");
    // A profile's own body, or any object without `version`, is not an answer.
    assert_eq!(field(br#"{"ens": {"category": "MEDIA"}}"#), "version");
    assert_eq!(field(br#"{"version": "3"}"#), "version");
    assert_eq!(
        field(br#"{"version": 3, "updated_at": "yesterday"}"#),
        "updated_at"
    );
    assert_eq!(
        field(br#"{"version": 3, "updated_at": "2026-05-02T10:00:00Z", "profile": {"ens": {"category": "HUGE"}}}"#),
        "profile.ens.category"
    );
}

/// A body of the wrong shape is named by field in a tenant's words, never
/// serde's (before: "invalid type: string \"x\", expected u32").
#[test]
fn a_wrong_shape_is_said_in_a_tenants_words_at_its_field() {
    let error = |body: &str| {
        let e = parse_profile(body.as_bytes()).unwrap_err();
        (e.field, e.message)
    };
    let said = |body: &str, field: &str, message: &str| {
        assert_eq!(
            error(body),
            (field.to_string(), message.to_string()),
            "{body}"
        );
    };
    said(
        r#"{"retention": {"log_days": "x"}}"#,
        "retention.log_days",
        "must be a whole number of days, not the string \"x\"",
    );
    said(
        r#"{"retention": {"evidence_days": -1}}"#,
        "retention.evidence_days",
        "must be a whole number of days, not -1",
    );
    said(
        r#"{"retention": {"log_days": 1.5}}"#,
        "retention.log_days",
        "must be a whole number of days, not 1.5",
    );
    said(
        r#"{"retention": {"log_days": 5000000000}}"#,
        "retention.log_days",
        "must be a whole number of days no larger than 4294967295",
    );
    said(
        r#"{"providers": {"provider": "a"}}"#,
        "providers",
        "must be a list, not an object",
    );
    said(
        r#"{"providers": [{"provider": 7}]}"#,
        "providers[0].provider",
        "must be a string, not 7",
    );
    said(
        r#"{"providers": [{"regions": []}]}"#,
        "providers[0].provider",
        "is required",
    );
    said(
        r#"{"ens": {"category": "MEDIUM"}}"#,
        "ens.category",
        "must be one of BASICA, MEDIA, ALTA",
    );
    said(
        r#"{"retention": {"days": 1}}"#,
        "retention.days",
        "unknown field; expected one of log_days, policy_ref, evidence_days",
    );
    said(
        r#"{"notifications": [{"authority": "AEPD", "outcome": "notified", "reference": "r", "date": "May 3"}]}"#,
        "notifications[0].date",
        "must be a date (YYYY-MM-DD)",
    );
    said(
        r#"{"ens": "MEDIA"}"#,
        "ens",
        "must be an object, not the string \"MEDIA\"",
    );
    said(
        r#"{"retention": {"log_days": }}"#,
        "body",
        "is not valid JSON (line 1, column 28)",
    );
    for body in [
        r#"{"retention": {"log_days": "x"}}"#,
        r#"{"ens": {"category": 1}}"#,
        r#"{"ai_systems": [{"name": "a"}]}"#,
        r#"{"schedule": {"enabled": "yes"}}"#,
    ] {
        let (_, message) = error(body);
        for serde_word in ["invalid type", "expected u32", "`", "struct", "sequence"] {
            assert!(!message.contains(serde_word), "{body}: {message}");
        }
    }
}

#[test]
fn a_stored_schedule_runs_each_format_once_and_the_bundle_when_it_lists_none() {
    // Profiles stored before a PUT refused `[]` and repeats may hold them.
    let schedule = |formats: Vec<ExportFormat>| ScheduleDeclaration {
        enabled: true,
        formats: Some(formats),
        timezone: None,
        expires_in_days: None,
    };
    let ens = ExportFormat::ComplianceEns;
    let all = ExportFormat::ComplianceAll;
    assert_eq!(schedule(vec![ens, all, ens]).formats(), [ens, all]);
    assert_eq!(schedule(vec![]).formats(), [all]);
}
