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
fn personal_data_to_an_unstated_region_is_a_breach_candidate() {
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
    ];
    let doc = render_json(ExportFormat::ComplianceAepd, &lines);
    let b = &doc["sections"]["rgpd.33_34"]["metrics"];
    assert_eq!(
        b["candidates"], 1,
        "Zurich has an adequacy decision; a blocked request sent nothing"
    );
    assert_eq!(b["listed"][0]["region_class"], "unknown");
    let t = &doc["sections"]["rgpd.44_49"];
    assert_eq!(t["metrics"]["sent_to_unknown_region"], 1);
    assert_eq!(t["metrics"]["sent_to_adequacy_regions"], 1);
    assert_eq!(t["status"], "partial");
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
fn the_ens_category_is_stated_and_defaults_to_media() {
    use kt_engine::formats::reports::{EnsCategory, ReportFormatter, ReportOptions};
    let doc = render_json(ExportFormat::ComplianceEns, &[]);
    assert_eq!(doc["report"]["ens_category"], "MEDIA");
    let c = ctx(ExportFormat::ComplianceEns);
    let options = ReportOptions {
        ens_category: EnsCategory::Alta,
    };
    let mut f = ReportFormatter::new(ExportFormat::ComplianceEns, options);
    let doc: serde_json::Value = serde_json::from_slice(&render_with(&mut f, &c, &[])).unwrap();
    assert_eq!(doc["report"]["ens_category"], "ALTA");
}
