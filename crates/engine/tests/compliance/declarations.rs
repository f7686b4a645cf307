//! Declarations a rule needs, quoted and never defaulted: the AI systems'
//! Annex III class (AI Act high-risk obligations) and notifications to
//! CCN-CERT (ENS incident handling, RD 311/2022 art. 33).
use crate::support::*;
use kt_domain::ExportFormat;
use serde_json::{Value, json};

fn section(format: ExportFormat, key: &str, profile: Option<&str>) -> Value {
    let mut c = ctx(format);
    if let Some(p) = profile {
        c = with_profile(c, 4, p);
    }
    render_json_ctx(&c, &fixture_lines())["sections"][key].clone()
}

fn gaps(s: &Value) -> String {
    s["gaps"].to_string()
}

const HIGH_RISK: &str = r#"{"ai_systems": [
  {"name": "chat assistant", "annex_iii": "none"},
  {"name": "CV screening", "annex_iii": "4(a)", "role": "deployer"}
]}"#;
const NONE_HIGH_RISK: &str =
    r#"{"ai_systems": [{"name": "chat assistant", "annex_iii": "none", "role": "deployer"}]}"#;

#[test]
fn high_risk_obligations_cite_the_declared_annex_iii_systems() {
    for key in ["art12", "art14_art26.2", "art26.6", "art73", "art27"] {
        let s = section(ExportFormat::ComplianceAesia, key, Some(HIGH_RISK));
        let cited: Vec<&Value> = s["declarations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["field"].as_str().unwrap().starts_with("ai_systems"))
            .collect();
        // Only the high-risk system is quoted, with its class and role.
        assert_eq!(cited.len(), 1, "{key}: {}", s["declarations"]);
        assert_eq!(cited[0]["field"], "ai_systems[1]");
        assert_eq!(cited[0]["profile_version"], 4);
        assert_eq!(
            cited[0]["value"],
            json!({"name": "CV screening", "annex_iii": "4(a)", "role": "deployer"})
        );
        assert!(!gaps(&s).contains("ai_systems"), "{key}: {}", gaps(&s));
    }
}

#[test]
fn without_a_declaration_high_risk_is_neither_assumed_nor_denied() {
    for profile in [None, Some("{}"), Some(r#"{"ai_systems": []}"#)] {
        let s = section(ExportFormat::ComplianceAesia, "art14_art26.2", profile);
        assert!(
            gaps(&s).contains("is not declared in the tenant's compliance profile (ai_systems)"),
            "{profile:?}: {}",
            gaps(&s)
        );
        assert_eq!(s["declarations"], json!([]));
    }
}

#[test]
fn no_declared_high_risk_system_says_the_obligation_does_not_apply_to_them() {
    let s = section(ExportFormat::ComplianceAesia, "art73", Some(NONE_HIGH_RISK));
    assert!(
        gaps(&s).contains("declares no high-risk AI system"),
        "{}",
        gaps(&s)
    );
    assert_eq!(s["declarations"][0]["field"], "ai_systems[0]");
    assert_eq!(s["declarations"][0]["value"]["annex_iii"], "none");
}

#[test]
fn obligations_of_every_ai_system_ignore_the_high_risk_declaration() {
    for key in ["art4", "art5", "art50"] {
        let s = section(ExportFormat::ComplianceAesia, key, Some(HIGH_RISK));
        assert_eq!(s["declarations"], json!([]), "{key}");
        assert!(!gaps(&s).contains("ai_systems"), "{key}");
    }
}

/// The fixture's one incident, `inc_19`, is critical.
const CCN_CERT: &str = r#"{"notifications": [
  {"authority": "CCN-CERT", "outcome": "notified", "reference": "CCN-2026-0107", "date": "2026-05-01", "covers": ["inc_19"]}
]}"#;

#[test]
fn a_significant_incident_needs_a_declared_ccn_cert_notification() {
    for profile in [None, Some("{}")] {
        let s = section(ExportFormat::ComplianceEns, "op.exp.7", profile);
        assert_eq!(s["status"], "partial", "{profile:?}");
        assert_eq!(s["metrics"]["significant_incidents"], 1);
        assert_eq!(
            s["metrics"]["significant_with_declared_ccn_cert_notification_or_assessment"],
            0
        );
        assert!(
            gaps(&s)
                .contains("1 of 1 high or critical incident(s) have no notification to CCN-CERT"),
            "{}",
            gaps(&s)
        );
    }
    let s = section(ExportFormat::ComplianceEns, "op.exp.7", Some(CCN_CERT));
    assert_eq!(s["status"], "evidenced", "{}", gaps(&s));
    assert_eq!(
        s["declarations"],
        json!([{"profile_version": 4, "field": "notifications[0]", "value": {
            "authority": "CCN-CERT", "outcome": "notified", "reference": "CCN-2026-0107",
            "date": "2026-05-01", "covers": "inc_19"}}])
    );
    assert!(!gaps(&s).contains("CCN-CERT, or assessment"));
}

#[test]
fn a_notification_to_another_authority_does_not_answer_for_ccn_cert() {
    let aepd_only = CCN_CERT.replace("\"CCN-CERT\"", "\"AEPD\"");
    let s = section(ExportFormat::ComplianceEns, "op.exp.7", Some(&aepd_only));
    assert_eq!(s["status"], "partial");
    assert_eq!(s["declarations"], json!([]));
}
