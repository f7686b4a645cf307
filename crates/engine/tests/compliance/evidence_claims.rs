//! A section's status claims no more than the metrics and gaps beside it,
//! and the three reports count the same facts the same way.
use crate::support::*;
use kt_domain::ExportFormat;
use serde_json::Value;

const AESIA: ExportFormat = ExportFormat::ComplianceAesia;
const AEPD: ExportFormat = ExportFormat::ComplianceAepd;
const ENS: ExportFormat = ExportFormat::ComplianceEns;

/// The fixture, then `extra` events (after its last one, in export order).
fn lines_with(extra: &[&str]) -> Vec<String> {
    let mut lines = fixture_lines();
    lines.extend(extra.iter().map(|l| l.to_string()));
    lines
}

fn report(format: ExportFormat, lines: &[String], profile: Option<&str>) -> Value {
    let mut c = ctx(format);
    if let Some(p) = profile {
        c = with_profile(c, 9, p);
    }
    render_json_ctx(&c, lines)
}

fn gaps(s: &Value) -> String {
    s["gaps"].to_string()
}

const RESOLVED_EARLY: &str = r#"{"event_id":"evt_0021","ts":"2026-05-04T00:06:29.902Z","tenant_id":"acme","event_type":"escalation.resolved","request_id":"req_d1","escalation_id":"esc_86","decision":"allow","reviewer":"u_dpo_1","risk_level":"high","outcome":"approved"}"#;
const OPENED_LATE: &str = r#"{"event_id":"evt_0022","ts":"2026-05-04T00:15:31.150Z","tenant_id":"acme","event_type":"escalation.opened","request_id":"req_d1","escalation_id":"esc_86","config_version":"cfg_v42","actor":{"user_id":"u_2002","app":"hr-assistant"},"model":{"provider":"anthropic","name":"claude-sonnet","region":"eu-central-1"},"decision":"escalate","policy_ids":["human-review-hr"],"risk_level":"high","data_categories":["employment"],"outcome":"held"}"#;
const LOG_EXPORT: &str = r#"{"event_id":"evt_0023","ts":"2026-05-04T01:00:00.000Z","tenant_id":"acme","event_type":"export.completed","actor":{"user_id":"u_admin_7","app":"console"},"outcome":"ok"}"#;

#[test]
fn a_resolution_before_its_opening_is_the_same_anomaly_in_all_three_reports() {
    let lines = lines_with(&[RESOLVED_EARLY, OPENED_LATE]);
    let base = [
        report(AESIA, &fixture_lines(), None)["sections"]["art14_art26.2"]["metrics"].clone(),
        report(AEPD, &fixture_lines(), None)["sections"]["rgpd.22"]["metrics"].clone(),
    ];
    for (n, (format, key)) in [(AESIA, "art14_art26.2"), (AEPD, "rgpd.22")]
        .into_iter()
        .enumerate()
    {
        let s = &report(format, &lines, None)["sections"][key];
        let m = &s["metrics"];
        assert_eq!(m["resolutions_before_opening"], 1, "{key}");
        // Not an escalation opened before the window ...
        assert_eq!(
            m["resolved_opened_before_window"], base[n]["resolved_opened_before_window"],
            "{key}"
        );
        // ... and not resolved: it is still waiting at the window end.
        assert_eq!(
            m["pending_at_window_end"].as_u64().unwrap(),
            base[n]["pending_at_window_end"].as_u64().unwrap() + 1,
            "{key}"
        );
        assert_eq!(
            m["time_to_decision_ms"]["count"], base[n]["time_to_decision_ms"]["count"],
            "{key}"
        );
        assert_eq!(s["status"], "partial", "{key}");
        assert!(
            gaps(s)
                .contains("1 resolution(s) are timestamped before their own escalation's opening"),
            "{key}: {}",
            gaps(s)
        );
    }
    let ens = report(ENS, &lines, None);
    let s = &ens["sections"]["op.exp.9"];
    let esc = &s["metrics"]["escalations"];
    let aesia = report(AESIA, &lines, None);
    let m = &aesia["sections"]["art14_art26.2"]["metrics"];
    assert_eq!(esc["resolved_before_opening"], 1);
    assert_eq!(esc["open_at_window_end"], m["pending_at_window_end"]);
    assert_eq!(
        esc["resolved_without_opening_in_window"],
        m["resolved_opened_before_window"]
    );
    assert_eq!(s["status"], "partial");
    assert!(gaps(s).contains("1 escalation(s) have a resolution timestamped before their opening"));
    let row = s["metrics"]["register"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "esc_86")
        .expect("esc_86 is in the register");
    assert_eq!(row["resolved_before_opening"], true);
    let normal = s["metrics"]["register"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "esc_311")
        .expect("esc_311 is in the register");
    assert_eq!(normal["resolved_before_opening"], false);
}

#[test]
fn log_review_and_access_cite_log_exports_only_and_are_never_evidenced_by_admin_actions() {
    let ens = report(ENS, &fixture_lines(), None);
    for key in ["op.exp.8.r1", "op.exp.8.r4"] {
        let s = &ens["sections"][key];
        assert_eq!(s["metrics"]["log_exports_in_log"], 0, "{key}");
        assert_eq!(s["status"], "not_evidenced", "{key}");
        assert_eq!(
            s["evidence"]["event_ids"],
            serde_json::json!([]),
            "{key}: admin actions are not evidence of log access"
        );
    }
    assert_eq!(
        ens["sections"]["op.exp.8.r4"]["metrics"]["admin_actions"],
        1
    );
    let ens = report(ENS, &lines_with(&[LOG_EXPORT]), None);
    for key in ["op.exp.8.r1", "op.exp.8.r4"] {
        let s = &ens["sections"][key];
        assert_eq!(s["status"], "partial", "{key}");
        assert_eq!(
            s["evidence"]["event_ids"],
            serde_json::json!(["evt_0023"]),
            "{key}"
        );
    }
}

#[test]
fn the_time_reference_is_partial_while_clock_synchronisation_is_not_recorded() {
    let s = &report(ENS, &fixture_lines(), None)["sections"]["op.exp.8.r2"];
    assert_eq!(s["metrics"]["order_violations_in_export"], 0);
    assert_eq!(s["status"], "partial");
    assert!(gaps(s).contains("clock synchronisation"));
}

#[test]
fn ens_retention_and_ai_act_retention_judge_the_same_figures_the_same_way() {
    // Only catalogued event types, so that retention alone decides op.exp.8.r3.
    let lines: Vec<String> = fixture_lines()
        .into_iter()
        .filter(|l| !l.contains("incident.updated"))
        .collect();
    for (profile, want) in [
        (None, "partial"),
        (Some(r#"{"retention": {"log_days": 400}}"#), "evidenced"),
        (Some(r#"{"retention": {"log_days": 30}}"#), "partial"),
    ] {
        let r3 = &report(ENS, &lines, profile)["sections"]["op.exp.8.r3"];
        let a = &report(AESIA, &lines, profile)["sections"]["art26.6"];
        assert_eq!(r3["metrics"]["retention"], a["metrics"], "{profile:?}");
        assert_eq!(r3["status"], want, "op.exp.8.r3 with {profile:?}");
        assert_eq!(a["status"], want, "art26.6 with {profile:?}");
        assert!(!gaps(r3).contains("not judged"));
        if profile.is_some() {
            assert_eq!(r3["declarations"], a["declarations"]);
        }
    }
}

#[test]
fn configurations_used_before_their_publication_are_counted_and_versions_sort_by_number() {
    let used = r#"{"event_id":"evt_0024","ts":"2026-05-04T02:00:00.000Z","tenant_id":"acme","event_type":"gateway.request","request_id":"req_e1","config_version":"cfg_v100","actor":{"user_id":"u_1042","app":"support-bot"},"model":{"provider":"mistral","name":"mistral-large","region":"eu-west-1"},"decision":"allow","policy_ids":[],"risk_level":"low","data_categories":[],"outcome":"ok"}"#;
    let published = r#"{"event_id":"evt_0025","ts":"2026-05-04T03:00:00.000Z","tenant_id":"acme","event_type":"config.published","config_version":"cfg_v100","actor":{"user_id":"u_admin_7","app":"console"},"policy_ids":["pii-redaction"]}"#;
    let lines = lines_with(&[used, published]);
    for (format, key) in [(AEPD, "rgpd.5.2"), (AESIA, "art26.1_26.5")] {
        let before = &report(format, &fixture_lines(), None)["sections"][key];
        assert_eq!(
            before["metrics"]["config_versions_used_before_publication"],
            0
        );
        let r = report(format, &lines, None);
        let s = &r["sections"][key];
        assert_eq!(
            s["metrics"]["config_versions_used_before_publication"], 1,
            "{key}"
        );
        assert_eq!(s["status"], "partial", "{key}");
        assert!(gaps(s).contains("1 of 3 configuration version(s) were named by events before their config.published event"), "{key}: {}", gaps(s));
        assert_eq!(
            r["report"]["source"]["config_versions"],
            serde_json::json!(["cfg_v41", "cfg_v42", "cfg_v100"])
        );
    }
}
