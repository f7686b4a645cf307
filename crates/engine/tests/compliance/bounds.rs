//! Paths the fixture does not take: caps on producer-keyed state, the
//! disclosure flag, an out-of-order stream.
use crate::support::*;
use kt_domain::ExportFormat;
use serde_json::json;

fn request(i: usize, app: &str, extra: serde_json::Value) -> String {
    let mut e = json!({
        "event_id": format!("evt_{i:06}"),
        "ts": format!("2026-05-02T{:02}:{:02}:{:02}.{:03}Z", 10 + i / 3_600_000, (i / 60_000) % 60, (i / 1000) % 60, i % 1000),
        "tenant_id": "acme", "event_type": "gateway.request", "request_id": format!("req_{i}"),
        "config_version": "cfg_1", "actor": {"user_id": format!("u_{i}"), "app": app},
        "model": {"provider": "mistral", "name": "m", "region": "eu-west-1"},
        "decision": "allow", "data_categories": [],
    });
    for (k, v) in extra.as_object().unwrap() {
        e[k] = v.clone();
    }
    serde_json::to_string(&e).unwrap()
}

#[test]
fn producer_keyed_counters_are_capped_and_say_so() {
    let lines: Vec<String> = (0..600)
        .map(|i| request(i, &format!("app-{i:03}"), json!({})))
        .collect();
    let doc = render_json(ExportFormat::ComplianceAesia, &lines);
    let by_app = doc["sections"]["art26.1_26.5"]["metrics"]["decisions_by_application"]
        .as_object()
        .unwrap();
    assert_eq!(by_app.len(), 501, "500 kept keys + the overflow entry");
    assert_eq!(by_app["(other_observations)"], 100);
    assert!(by_app.contains_key("app-000") && !by_app.contains_key("app-599"));
    // Distinct actors are exact below the cap.
    let ens = render_json(ExportFormat::ComplianceEns, &lines);
    assert_eq!(
        ens["sections"]["op.acc.1"]["metrics"]["distinct_actors"],
        json!({"count": 600, "at_least": false})
    );
    assert_eq!(
        ens["sections"]["art24"]["evidence"]["event_ids"]
            .as_array()
            .unwrap()
            .len(),
        25
    );
    assert_eq!(
        ens["sections"]["art24"]["evidence"]["selection"]["population"],
        600
    );
}

#[test]
fn a_disclosure_flag_brings_art50_into_scope() {
    let all: Vec<String> = (0..4)
        .map(|i| request(i, "bot", json!({"ai_disclosure": true})))
        .collect();
    let doc = render_json(ExportFormat::ComplianceAesia, &all);
    let s = &doc["sections"]["art50"];
    assert_eq!(s["status"], "evidenced");
    assert_eq!(s["metrics"]["disclosure_share"], 1.0);
    let mut some = all.clone();
    some[1] = request(1, "bot", json!({"ai_disclosure": false}));
    let doc = render_json(ExportFormat::ComplianceAesia, &some);
    assert_eq!(doc["sections"]["art50"]["status"], "partial");
    assert_eq!(
        doc["sections"]["art50"]["metrics"]["with_disclosure_false"],
        1
    );
}

#[test]
fn an_out_of_order_stream_is_reported_not_hidden() {
    let mut lines: Vec<String> = (0..5).map(|i| request(i, "bot", json!({}))).collect();
    lines.swap(1, 2);
    let doc = render_json(ExportFormat::ComplianceEns, &lines);
    let s = &doc["sections"]["op.exp.8.r2"];
    assert_eq!(s["metrics"]["order_violations_in_export"], 1);
    assert_eq!(s["status"], "partial");
}

#[test]
fn a_transfer_outside_the_eea_is_reviewed_as_a_transfer_not_a_breach() {
    let lines = vec![
        request(
            0,
            "bot",
            json!({"data_categories": ["email"], "model": {"provider": "x", "name": "m"}}),
        ),
        request(
            1,
            "bot",
            json!({"data_categories": ["email"], "model": {"provider": "x", "name": "m", "region": "eu-central-2"}}),
        ),
        request(
            2,
            "bot",
            json!({"data_categories": ["iban"], "decision": "block", "model": {"provider": "x", "name": "m", "region": "us-west-2"}}),
        ),
        request(
            3,
            "bot",
            json!({"data_categories": ["email"], "model": {"provider": "openai", "name": "m", "region": "us-east-1"}}),
        ),
    ];
    let doc = render_json(ExportFormat::ComplianceAepd, &lines);
    let b = &doc["sections"]["rgpd.33_34"];
    assert_eq!(
        b["metrics"]["candidates"], 0,
        "no incident: no breach candidate"
    );
    assert_eq!(b["status"], "not_evidenced");
    let t = &doc["sections"]["rgpd.44_49"];
    let sent = &t["metrics"]["personal_data_sent_by_region_class"];
    assert_eq!(sent["unknown"], 1);
    assert_eq!(sent["adequacy_decision"], 1);
    assert_eq!(sent["us_adequacy_if_dpf_certified"], 1);
    let review: Vec<&str> = t["metrics"]["transfers_needing_review"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["region"].as_str().unwrap())
        .collect();
    assert_eq!(
        review,
        ["us-east-1", "(none)"],
        "Zurich is adequate; the blocked one sent nothing"
    );
    assert_eq!(t["status"], "partial");
    let decisions = t["metrics"]["adequacy_decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 15, "the complete list, dated");
    assert!(
        decisions
            .iter()
            .all(|d| d["adopted"].as_str().unwrap().len() == 10)
    );

    // The tenant declares openai in us-east-1 under the DPF: that transfer has a basis, cited.
    let c = with_profile(
        ctx(ExportFormat::ComplianceAepd),
        4,
        r#"{"providers": [{"provider": "openai", "regions": ["us-east-1"], "transfer_basis": "DPF", "dpa_ref": "DPA-7"}]}"#,
    );
    let doc = render_json_ctx(&c, &lines);
    let t = &doc["sections"]["rgpd.44_49"];
    assert_eq!(t["metrics"]["personal_data_requests_needing_review"], 1);
    assert_eq!(t["declarations"][0]["field"], "providers[0]");
    assert_eq!(t["declarations"][0]["profile_version"], 4);
    assert_eq!(t["declarations"][0]["value"]["transfer_basis"], "DPF");
    // A DPF declaration is no basis outside the United States.
    let c = with_profile(
        ctx(ExportFormat::ComplianceAepd),
        5,
        r#"{"providers": [{"provider": "x", "regions": ["ap-south-1"], "transfer_basis": "DPF"}]}"#,
    );
    let far = vec![request(
        0,
        "bot",
        json!({"data_categories": ["email"], "model": {"provider": "x", "name": "m", "region": "ap-south-1"}}),
    )];
    let doc = render_json_ctx(&c, &far);
    assert_eq!(doc["sections"]["rgpd.44_49"]["status"], "partial");
}

#[test]
fn an_evidence_sample_can_be_recomputed_from_the_events_alone() {
    use sha2::{Digest, Sha256};
    let lines: Vec<String> = (0..300).map(|i| request(i, "bot", json!({}))).collect();
    let doc = render_json(ExportFormat::ComplianceEns, &lines);
    let evidence = &doc["sections"]["art24"]["evidence"];
    let seed = evidence["selection"]["seed"].as_str().unwrap();
    assert_eq!(
        seed,
        "acme|compliance-ens|2026-04-30T22:00:00Z/2026-05-31T22:00:00Z"
    );
    // priority = first 8 bytes (big-endian) of SHA-256(seed|id); keep the 25 smallest; list by id.
    let mut ranked: Vec<(u64, String)> = (0..300)
        .map(|i| {
            let id = format!("evt_{i:06}");
            let h = Sha256::digest(format!("{seed}|{id}").as_bytes());
            (u64::from_be_bytes(h[..8].try_into().unwrap()), id)
        })
        .collect();
    ranked.sort();
    let mut expected: Vec<String> = ranked.into_iter().take(25).map(|(_, id)| id).collect();
    expected.sort();
    assert_eq!(evidence["event_ids"], json!(expected));
}

/// Throughput sanity check (run with `--ignored`; debug builds are slow).
#[test]
#[ignore]
fn many_events_in_one_pass() {
    let lines: Vec<String> = (0..200_000)
        .map(|i| {
            request(
                i,
                &format!("app-{}", i % 50),
                json!({"data_categories": ["email"]}),
            )
        })
        .collect();
    let t = std::time::Instant::now();
    let out = render(&ctx(ExportFormat::ComplianceAll), &lines);
    eprintln!("200k events -> {} bytes in {:?}", out.len(), t.elapsed());
}

#[test]
fn a_repeated_opening_or_resolution_counts_once() {
    let esc = |i: usize, ty: &str, extra: serde_json::Value| {
        let mut e = json!({"event_id": format!("evt_{i:06}"), "ts": format!("2026-05-02T10:00:0{i}.000Z"),
                           "tenant_id": "acme", "event_type": ty, "escalation_id": "esc_1"});
        for (k, v) in extra.as_object().unwrap() {
            e[k] = v.clone();
        }
        serde_json::to_string(&e).unwrap()
    };
    let lines = vec![
        esc(
            1,
            "escalation.opened",
            json!({"decision": "escalate", "risk_level": "high"}),
        ),
        esc(
            2,
            "escalation.opened",
            json!({"decision": "escalate", "risk_level": "high"}),
        ),
        esc(
            3,
            "escalation.resolved",
            json!({"decision": "allow", "reviewer": "r1"}),
        ),
        esc(
            4,
            "escalation.resolved",
            json!({"decision": "block", "reviewer": "r2"}),
        ),
    ];
    let doc = render_json(ExportFormat::ComplianceAesia, &lines);
    let m = &doc["sections"]["art14_art26.2"]["metrics"];
    assert_eq!(m["escalations_opened"], 1);
    assert_eq!(m["escalations_resolved"], 1);
    assert_eq!(m["human_overrides"], 1);
    assert_eq!(m["time_to_decision_ms"]["count"], 1);
    assert_eq!(m["pending_at_window_end"], 0);
    assert_eq!(doc["sections"]["art14_art26.2"]["status"], "evidenced");
}

#[test]
fn the_ens_category_comes_from_the_profile_and_is_never_defaulted() {
    let doc = render_json(ExportFormat::ComplianceEns, &[]);
    assert_eq!(doc["report"]["ens_category"], "not_declared");
    assert_eq!(doc["report"]["ens_dimensions"], "not_declared");
    assert_eq!(doc["report"]["profile"]["status"], "not_declared");
    let c = with_profile(
        ctx(ExportFormat::ComplianceEns),
        7,
        r#"{"ens": {"category": "ALTA", "dimensions": {"C": "ALTO"}}}"#,
    );
    let doc = render_json_ctx(&c, &[]);
    assert_eq!(doc["report"]["ens_category"], "ALTA");
    assert_eq!(
        doc["report"]["ens_dimensions"],
        serde_json::json!({"C": "ALTO"})
    );
    assert_eq!(doc["report"]["profile"]["version"], 7);
}
