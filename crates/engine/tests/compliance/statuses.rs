//! The statuses an auditor would challenge (issue 10): stand-ins never make a
//! section `evidenced`; the tenant's declarations can, and are cited.
use crate::support::*;
use kt_domain::ExportFormat;
use serde_json::{Value, json};

/// Everything the log cannot show for the fixture, declared.
const FULL_PROFILE: &str = r#"{
  "ens": {"category": "MEDIA"},
  "providers": [
    {"provider": "openai", "regions": ["us-east-1"], "transfer_basis": "DPF", "dpa_ref": "DPA-OAI-2025", "certifications": ["ISO/IEC 27001"]},
    {"provider": "anthropic", "regions": ["eu-central-1", "eu-west-2"], "dpa_ref": "DPA-ANT-2025", "certifications": ["ISO/IEC 27001"]},
    {"provider": "mistral", "regions": ["eu-west-1"], "dpa_ref": "DPA-MIS-2024", "certifications": ["ENS MEDIA"]}
  ],
  "notifications": [
    {"authority": "market_surveillance", "outcome": "notified", "reference": "AESIA-2026-0042", "date": "2026-05-02", "covers": ["inc_19"]},
    {"authority": "market_surveillance", "outcome": "assessed_not_notifiable", "reference": "INT-77", "covers": ["evt_0014"]},
    {"authority": "AEPD", "outcome": "assessed_not_notifiable", "reference": "DPO-2026-11", "covers": ["inc_19"]}
  ],
  "retention": {"log_days": 400},
  "security": {"measures_ref": "SEC-POL-3", "intrusion_detection": "Wazuh on every host (SOC-2)", "access_rights_process": "IAM-PROC-1"}
}"#;

fn section(format: ExportFormat, key: &str, profile: Option<&str>) -> Value {
    let mut c = ctx(format);
    if let Some(p) = profile {
        c = with_profile(c, 9, p);
    }
    render_json_ctx(&c, &fixture_lines())["sections"][key].clone()
}

/// Sections whose rule needs what only the tenant can state.
const STAND_INS: [(ExportFormat, &str, &str); 6] = [
    (ExportFormat::ComplianceAesia, "art73", "notifications[0]"),
    (
        ExportFormat::ComplianceAepd,
        "rgpd.28",
        "providers[0].dpa_ref",
    ),
    (
        ExportFormat::ComplianceAepd,
        "rgpd.32",
        "security.measures_ref",
    ),
    (
        ExportFormat::ComplianceEns,
        "op.nub.1",
        "providers[0].certifications",
    ),
    (
        ExportFormat::ComplianceEns,
        "op.mon.1",
        "security.intrusion_detection",
    ),
    (
        ExportFormat::ComplianceEns,
        "op.acc.4",
        "security.access_rights_process",
    ),
];

#[test]
fn stand_ins_cap_a_section_at_partial_and_say_what_is_missing() {
    for (format, key, _) in STAND_INS {
        for profile in [None, Some("{}")] {
            let s = section(format, key, profile);
            assert_eq!(s["status"], "partial", "{key} with profile {profile:?}");
            let gaps = s["gaps"].to_string();
            assert!(
                gaps.contains("compliance profile"),
                "{key}: the gap names the declaration it lacks: {gaps}"
            );
            assert_eq!(s["declarations"], json!([]), "{key}");
        }
    }
}

#[test]
fn a_declaration_the_rule_needs_makes_the_section_evidenced_and_is_cited() {
    for (format, key, field) in STAND_INS {
        let s = section(format, key, Some(FULL_PROFILE));
        assert_eq!(s["status"], "evidenced", "{key}: {}", s["gaps"]);
        let declared: Vec<&Value> = s["declarations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["field"] == field)
            .collect();
        assert_eq!(
            declared.len(),
            1,
            "{key} cites {field}: {}",
            s["declarations"]
        );
        assert_eq!(declared[0]["profile_version"], 9);
    }
    // A declaration that is not what the rule needs changes nothing: a DPA
    // does not certify a cloud service.
    let dpa_only = r#"{"providers": [{"provider": "openai", "dpa_ref": "x"}, {"provider": "anthropic", "dpa_ref": "y"}, {"provider": "mistral", "dpa_ref": "z"}]}"#;
    assert_eq!(
        section(ExportFormat::ComplianceEns, "op.nub.1", Some(dpa_only))["status"],
        "partial"
    );
    assert_eq!(
        section(ExportFormat::ComplianceAepd, "rgpd.28", Some(dpa_only))["status"],
        "evidenced"
    );
}

#[test]
fn art73_is_not_evidenced_by_escalation_alone_when_deadlines_passed() {
    let s = section(ExportFormat::ComplianceAesia, "art73", None);
    assert_eq!(s["status"], "partial");
    let m = &s["metrics"];
    assert_eq!(m["candidates"], 2);
    assert_eq!(
        m["candidates_past_the_2_day_deadline_without_declaration"],
        2
    );
    assert_eq!(m["listed"][0]["declared_notification"], "not_declared");
    let s = section(ExportFormat::ComplianceAesia, "art73", Some(FULL_PROFILE));
    assert_eq!(
        s["metrics"]["listed"][0]["declared_notification"],
        "notified"
    );
    assert_eq!(
        s["metrics"]["listed"][1]["declared_notification"],
        "assessed_not_notifiable"
    );
}

#[test]
fn op_acc_6_is_the_authentication_mechanism_and_out_of_scope() {
    let s = section(ExportFormat::ComplianceEns, "op.acc.6", Some(FULL_PROFILE));
    assert_eq!(s["status"], "out_of_scope_for_log");
    assert_eq!(
        s["title"],
        "Mecanismo de autenticación (usuarios de la organización)"
    );
    assert_eq!(s["metrics"], json!({}), "no copy of op.acc.1's metrics");
}

#[test]
fn op_exp_8_r1_states_the_declared_category_and_never_defaults_it() {
    let s = section(ExportFormat::ComplianceEns, "op.exp.8.r1", None);
    assert_eq!(s["metrics"]["declared_category"], "not_declared");
    let s = section(
        ExportFormat::ComplianceEns,
        "op.exp.8.r1",
        Some(FULL_PROFILE),
    );
    assert_eq!(s["metrics"]["declared_category"], "MEDIA");
    assert_ne!(s["status"], "evidenced", "an export is not a review");
}

#[test]
fn a_section_whose_trigger_never_occurred_is_not_evidenced() {
    let doc = render_json(ExportFormat::ComplianceAepd, &[no_special_request()]);
    assert_eq!(doc["sections"]["rgpd.9"]["status"], "not_evidenced");
    assert_eq!(doc["sections"]["rgpd.33_34"]["status"], "not_evidenced");
}

fn no_special_request() -> String {
    json!({"event_id": "evt_1", "ts": "2026-05-02T10:00:00.000Z", "tenant_id": "acme",
           "event_type": "gateway.request", "request_id": "req_1", "config_version": "cfg_1",
           "actor": {"user_id": "u_1", "app": "bot"}, "decision": "allow", "data_categories": ["email"],
           "model": {"provider": "mistral", "name": "m", "region": "eu-west-1"}})
    .to_string()
}

#[test]
fn escalated_requests_count_by_the_reviewers_final_decision_everywhere() {
    // esc_311 (personal data, to anthropic eu-central-1) was allowed by the
    // reviewer; esc_313 (to openai us-east-1) is still pending at the window end.
    let doc = render_json(ExportFormat::ComplianceAepd, &fixture_lines());
    let handling = &doc["sections"]["rgpd.5.1.c"]["metrics"]["handling"];
    assert_eq!(handling["escalated_then_allowed_by_reviewer"], 1);
    assert_eq!(handling["escalated_without_decision_in_window"], 1);
    let sent = &doc["sections"]["rgpd.44_49"]["metrics"]["personal_data_sent_by_region_class"];
    let sent_total: u64 = sent
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    let allowed = handling["allowed_with_personal_data"].as_u64().unwrap();
    assert_eq!(
        sent_total, allowed,
        "what minimisation counts as sent with personal data is what the transfer review counts as sent"
    );
    // The one still pending is past the review SLA: flagged, not evidenced.
    let aesia = render_json(ExportFormat::ComplianceAesia, &fixture_lines());
    let o = &aesia["sections"]["art14_art26.2"];
    assert_eq!(o["metrics"]["pending_beyond_sla_at_window_end"], 1);
    assert_eq!(o["status"], "partial");
}

#[test]
fn small_count_timings_are_exact_and_say_so() {
    let doc = render_json(ExportFormat::ComplianceAesia, &fixture_lines());
    let t = &doc["sections"]["art14_art26.2"]["metrics"]["time_to_decision_ms"];
    assert_eq!(t["method"], "exact_nearest_rank");
    // esc_311: 08:04:10.250 -> 08:19:42.900; esc_312: 07:40:00 -> 09:40:00.
    assert_eq!(t["p50"], 932_650);
    assert_eq!(t["p95"], 7_200_000);
}

#[test]
fn an_obligation_is_not_presented_as_due_before_it_applies() {
    let s = section(ExportFormat::ComplianceAesia, "art12", None);
    assert_eq!(s["applicability"]["applies_from"], "2026-08-02");
    assert_eq!(s["applicability"]["applies_during_period"], "not_yet");
    assert!(s["gaps"].to_string().contains("applies from 2026-08-02"));
    let s = section(ExportFormat::ComplianceAesia, "art5", None);
    assert_eq!(s["applicability"]["applies_during_period"], "whole_period");
    let s = section(ExportFormat::ComplianceAepd, "rgpd.33_34", None);
    assert_eq!(s["applicability"]["holders"], json!(["controller"]));
}

#[test]
fn the_ai_act_references_an_auditor_looks_for_are_listed_out_of_scope() {
    let doc = render_json(ExportFormat::ComplianceAesia, &fixture_lines());
    for key in ["art4", "art5", "art26.7", "art26.11", "art27", "art86"] {
        let s = &doc["sections"][key];
        assert_eq!(s["status"], "out_of_scope_for_log", "{key}");
        assert!(!s["gaps"][0].as_str().unwrap().is_empty(), "{key}");
    }
}

#[test]
fn every_report_carries_its_provenance() {
    let c = with_profile(ctx(ExportFormat::ComplianceEns), 2, FULL_PROFILE);
    let mut c = c;
    c.report.label = Some("Quarterly evidence 2026-Q2".into());
    let doc = render_json_ctx(&c, &fixture_lines());
    let p = &doc["report"]["provenance"];
    assert_eq!(p["job"]["id"], "job_01jta00000000000000000000a");
    assert_eq!(p["job"]["label"], "Quarterly evidence 2026-Q2");
    assert_eq!(p["reading"]["lines_read"], 25);
    assert_eq!(p["reading"]["objects_skipped"], 0);
    assert_eq!(
        p["reading"]["rejected_samples"][1],
        json!({"object": "o1", "line": 9, "reason": "ts outside partition"})
    );
    assert_eq!(p["reading"]["listing_cutoff"], "2026-06-01T05:59:00Z");
    assert!(p["generator"]["build_commit"].is_string());
    assert!(
        p["pseudonymisation"]["key_id"]
            .as_str()
            .unwrap()
            .starts_with("pk_")
    );
    assert_eq!(
        p["sampling"]["seed"],
        "acme|compliance-ens|2026-04-30T22:00:00Z/2026-05-31T22:00:00Z"
    );
    assert_eq!(doc["report"]["profile"]["version"], 2);
    assert!(
        p["versions"]["report_id_rule"]
            .as_str()
            .unwrap()
            .contains("mapping_version")
    );
}

#[test]
fn reports_are_byte_identical_for_the_same_events_profile_version_and_key() {
    for format in [
        ExportFormat::ComplianceAesia,
        ExportFormat::ComplianceAepd,
        ExportFormat::ComplianceEns,
    ] {
        let c = with_profile(ctx(format), 9, FULL_PROFILE);
        assert_eq!(
            render(&c, &fixture_lines()),
            render(&c, &fixture_lines()),
            "{format}"
        );
        let mut other_key = c.clone();
        other_key.pseudonym_key = "another-key".into();
        let a = render_json_ctx(&c, &fixture_lines());
        let b = render_json_ctx(&other_key, &fixture_lines());
        assert_ne!(
            a["report"]["provenance"]["pseudonymisation"]["key_id"],
            b["report"]["provenance"]["pseudonymisation"]["key_id"]
        );
    }
}

#[test]
fn a_resolution_timestamped_before_its_opening_leaves_the_request_pending_everywhere() {
    // esc_9's resolution (allow) is logged five minutes before its opening: a
    // timestamp anomaly, so no section may count the request as reviewed.
    let resolved = json!({"event_id": "evt_1", "ts": "2026-05-02T10:00:00.000Z", "tenant_id": "acme",
        "event_type": "escalation.resolved", "request_id": "req_9", "escalation_id": "esc_9",
        "config_version": "cfg_1", "decision": "allow", "reviewer": "u_dpo", "outcome": "approved"});
    let opened = json!({"event_id": "evt_2", "ts": "2026-05-02T10:05:00.000Z", "tenant_id": "acme",
        "event_type": "escalation.opened", "request_id": "req_9", "escalation_id": "esc_9",
        "config_version": "cfg_1", "actor": {"user_id": "u_1", "app": "bot"}, "decision": "escalate",
        "data_categories": ["health"], "risk_level": "high",
        "model": {"provider": "mistral", "name": "m", "region": "eu-west-1"}});
    let doc = render_json(
        ExportFormat::ComplianceAepd,
        &[resolved.to_string(), opened.to_string()],
    );
    let s = &doc["sections"];
    assert_eq!(s["rgpd.22"]["metrics"]["resolutions_before_opening"], 1);
    assert_eq!(s["rgpd.22"]["metrics"]["pending_at_window_end"], 1);
    let handling = &s["rgpd.5.1.c"]["metrics"]["handling"];
    assert_eq!(handling["escalated_then_allowed_by_reviewer"], 0);
    assert_eq!(handling["escalated_without_decision_in_window"], 1);
    assert_eq!(
        s["rgpd.9"]["metrics"]["escalated_then_allowed_by_reviewer"],
        0
    );
    assert_eq!(
        s["rgpd.9"]["metrics"]["escalated_without_decision_in_window"],
        1
    );
}

#[test]
fn the_gateways_own_category_names_count_as_special_once_an_event() {
    let event = |id: &str, categories: Value| {
        json!({"event_id": id, "ts": "2026-05-02T10:00:00.000Z", "tenant_id": "acme",
               "event_type": "gateway.request", "request_id": id, "config_version": "cfg_1",
               "actor": {"user_id": "u_1", "app": "bot"}, "decision": "redact",
               "data_categories": categories,
               "model": {"provider": "mistral", "name": "m", "region": "eu-west-1"}})
        .to_string()
    };
    let doc = render_json(
        ExportFormat::ComplianceAepd,
        &[
            event("evt_1", json!(["political_opinion", "political_opinion"])),
            event("evt_2", json!(["religion", "email"])),
            event("evt_3", json!(["email", "voice_print"])),
        ],
    );
    let special = &doc["sections"]["rgpd.9"];
    assert_eq!(special["metrics"]["special_category_requests"], 2);
    assert_eq!(
        special["metrics"]["detected_categories_not_considered_special"],
        json!(["email", "voice_print"])
    );
    // Only the category the report cannot classify is a gap; email is known.
    let gaps: Vec<&str> = special["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap())
        .filter(|g| g.starts_with("detected categories"))
        .collect();
    assert_eq!(
        gaps,
        [
            "detected categories this report does not know, counted as personal data but not as special: voice_print"
        ],
        "{special}"
    );
    // A category named twice in one event is one detection of it.
    let by_category = &doc["sections"]["rgpd.5.1.c"]["metrics"]["detections_by_category"];
    assert_eq!(
        by_category["political_opinion"]["redact"], 1,
        "{by_category}"
    );
}
