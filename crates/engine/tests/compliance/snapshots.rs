//! The three reports on a fixed set of events, against reviewed expected files.
use crate::support::*;
use kt_domain::ExportFormat;
use serde_json::Value;
use std::collections::BTreeSet;

const FORMATS: [ExportFormat; 3] = [
    ExportFormat::ComplianceAesia,
    ExportFormat::ComplianceAepd,
    ExportFormat::ComplianceEns,
];

fn expected_path(format: ExportFormat) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/compliance/fixtures/expected")
        .join(format!("{}.json", format.as_str()))
}

fn normalised(mut v: Value) -> Value {
    v["report"]["generated_at"] = Value::String("<generated_at>".into());
    // The build's commit is not the fixture's: the files say "unknown".
    v["report"]["generator"]["build_commit"] = Value::String("unknown".into());
    if v["report"]["provenance"].is_object() {
        v["report"]["provenance"]["generator"]["build_commit"] = Value::String("unknown".into());
    }
    v
}

#[test]
fn reports_match_the_reviewed_expected_files() {
    for format in FORMATS {
        let actual = normalised(render_json(format, &fixture_lines()));
        let path = expected_path(format);
        if std::env::var_os("KT_UPDATE_SNAPSHOTS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, kt_engine::formats::reports::to_bytes(&actual)).unwrap();
            continue;
        }
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(actual, expected, "{format} differs from {}", path.display());
    }
}

#[test]
fn reports_validate_against_their_json_schemas() {
    for format in FORMATS {
        let doc = render_json(format, &fixture_lines());
        assert_schema_valid(&format!("{}.schema.json", format.as_str()), &doc);
        // An empty window still yields a valid report.
        let empty = render_json(format, &[]);
        assert_schema_valid(&format!("{}.schema.json", format.as_str()), &empty);
    }
}

#[test]
fn the_schemas_reject_what_the_contract_forbids() {
    let doc = render_json(ExportFormat::ComplianceEns, &fixture_lines());
    let schema = "compliance-ens.schema.json";
    let mut missing = doc.clone();
    missing["sections"]
        .as_object_mut()
        .unwrap()
        .remove("op.exp.8.r4");
    assert!(
        !schema_errors(schema, &missing).is_empty(),
        "a missing section"
    );
    let mut verdict = doc.clone();
    verdict["sections"]["op.exp.8"]["status"] = "pass".into();
    assert!(
        !schema_errors(schema, &verdict).is_empty(),
        "a pass/fail status"
    );
    let mut named = doc.clone();
    named["sections"]["op.exp.8.r4"]["metrics"]["admin_actions_by_actor"] =
        serde_json::json!({"u_admin_7": 1});
    assert!(
        !schema_errors(schema, &named).is_empty(),
        "an actor that is not a pseudonym"
    );
    let mut long = doc;
    let ids: Vec<String> = (0..26).map(|i| format!("evt_{i}")).collect();
    long["sections"]["art24"]["evidence"]["event_ids"] = serde_json::json!(ids);
    assert!(
        !schema_errors(schema, &long).is_empty(),
        "more than 25 evidence ids"
    );
}

/// Every section key the compliance pages (`docs/compliance/`) list.
fn contract_keys(format: ExportFormat) -> BTreeSet<&'static str> {
    let keys: &[&str] = match format {
        ExportFormat::ComplianceAesia => &[
            "art12",
            "art26.6",
            "art14_art26.2",
            "art26.1_26.5",
            "art72",
            "art73",
            "art50",
            "art4",
            "art5",
            "art26.7",
            "art26.11",
            "art27",
            "art86",
        ],
        ExportFormat::ComplianceAepd => &[
            "rgpd.5.1.c",
            "rgpd.5.2",
            "rgpd.9",
            "rgpd.22",
            "rgpd.25",
            "rgpd.28",
            "rgpd.30",
            "rgpd.32",
            "rgpd.33_34",
            "rgpd.35",
            "rgpd.44_49",
        ],
        _ => &[
            "art24",
            "op.exp.8",
            "op.exp.8.r1",
            "op.exp.8.r2",
            "op.exp.8.r3",
            "op.exp.8.r4",
            "op.exp.7",
            "op.exp.9",
            "op.acc.1",
            "op.acc.6",
            "op.acc.4",
            "op.mon.1",
            "op.mon.2",
            "op.mon.3",
            "op.ext.2",
            "op.nub.1",
            "mp.info.1",
        ],
    };
    keys.iter().copied().collect()
}

#[test]
fn every_contract_section_is_present_with_an_allowed_status_and_capped_evidence() {
    let statuses = [
        "evidenced",
        "partial",
        "not_evidenced",
        "out_of_scope_for_log",
    ];
    for format in FORMATS {
        let doc = render_json(format, &fixture_lines());
        let sections = doc["sections"].as_object().unwrap();
        let keys: BTreeSet<&str> = sections.keys().map(String::as_str).collect();
        assert_eq!(keys, contract_keys(format), "{format}");
        for (key, s) in sections {
            assert!(
                statuses.contains(&s["status"].as_str().unwrap()),
                "{format} {key}"
            );
            for list in ["event_ids", "escalation_ids", "incident_ids"] {
                assert!(
                    s["evidence"][list].as_array().unwrap().len() <= 25,
                    "{format} {key} {list}"
                );
            }
            assert!(
                !s["gaps"].as_array().unwrap().is_empty(),
                "{format} {key}: every section says what it does not claim"
            );
            let a = &s["applicability"];
            assert!(
                a["applies_from"].as_str().unwrap().len() == 10,
                "{format} {key}"
            );
            assert!(
                !a["holders"].as_array().unwrap().is_empty(),
                "{format} {key}"
            );
        }
    }
}

#[test]
fn reports_carry_no_personal_values_nor_ips() {
    for format in FORMATS {
        let text = String::from_utf8(render(&ctx(format), &fixture_lines())).unwrap();
        for secret in [
            "u_1042",
            "u_dpo_1",
            "u_admin_7",
            "u_lead_1",
            "u_3001",
            "198.51.100.",
            "203.0.113.",
            "quote",
        ] {
            assert!(!text.contains(secret), "{format} leaks {secret}");
        }
        if format == ExportFormat::ComplianceEns {
            assert!(text.contains("\"ps_"), "ENS names actors by pseudonym");
        }
    }
}

#[test]
fn reports_are_byte_identical_apart_from_generated_at() {
    for format in FORMATS {
        let a = render(&ctx(format), &fixture_lines());
        let b = render(&ctx(format), &fixture_lines());
        assert_eq!(a, b, "{format}");
        let mut later = ctx(format);
        later.generated_at += chrono::Duration::hours(5);
        let c = render(&later, &fixture_lines());
        let diff: Vec<(&str, &str)> = std::str::from_utf8(&a)
            .unwrap()
            .lines()
            .zip(std::str::from_utf8(&c).unwrap().lines())
            .filter(|(x, y)| x != y)
            .collect();
        assert_eq!(diff.len(), 1, "{format}: {diff:?}");
        assert!(diff[0].0.contains("\"generated_at\""));
        // Keys are in canonical (sorted) order.
        let v: Value = serde_json::from_slice(&a).unwrap();
        assert_eq!(kt_engine::formats::reports::to_bytes(&v), a);
        let keys: Vec<&String> = v["sections"].as_object().unwrap().keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
    }
}

#[test]
fn report_id_is_the_uuidv5_of_tenant_format_window_digest_and_versions() {
    let doc = render_json(ExportFormat::ComplianceEns, &fixture_lines());
    let r = &doc["report"];
    let name = format!(
        "acme|compliance-ens|2026-04-30T22:00:00Z/2026-05-31T22:00:00Z|{}|2026.2|2.0.0|none",
        r["source"]["events_digest"].as_str().unwrap()
    );
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).to_string();
    assert_eq!(r["report_id"], Value::String(id));
    // Another profile version is another report.
    let c = with_profile(ctx(ExportFormat::ComplianceEns), 3, "{}");
    let other = render_json_ctx(&c, &fixture_lines());
    assert_ne!(other["report"]["report_id"], r["report_id"]);
    let name = name.replace("|none", "|3");
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).to_string();
    assert_eq!(other["report"]["report_id"], Value::String(id));
}

#[test]
fn committed_schemas_are_the_ones_the_report_types_derive() {
    use kt_engine::formats::reports::{Framework, schema};
    for fw in Framework::ALL {
        let path = repo_root().join("schemas").join(schema::file_name(fw));
        let derived = schema::schema_bytes(fw);
        if std::env::var_os("KT_UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, &derived).unwrap();
            continue;
        }
        let committed = std::fs::read(&path).unwrap();
        assert!(
            committed == derived,
            "{} differs from what the report types derive: run `cargo run -p kt-engine --bin report-schemas` and review the diff",
            path.display()
        );
    }
}

#[test]
fn the_reviewed_fixtures_and_declared_variants_validate_against_the_derived_schemas() {
    use kt_engine::formats::reports::{Framework, schema};
    let declared = r#"{"ens": {"category": "ALTA", "dimensions": {"C": "ALTO", "T": "MEDIO"}},
        "retention": {"log_days": 400},
        "ai_systems": [{"name": "CV screening", "annex_iii": "4(a)"}],
        "notifications": [{"authority": "CCN-CERT", "outcome": "notified", "reference": "C-1", "covers": ["inc_19"]}]}"#;
    for (fw, format) in Framework::ALL.into_iter().zip(FORMATS) {
        let validator = jsonschema::draft202012::new(&schema::schema(fw)).unwrap();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(expected_path(format)).unwrap()).unwrap();
        let profiled = render_json_ctx(&with_profile(ctx(format), 2, declared), &fixture_lines());
        for (what, doc) in [("expected file", &expected), ("with a profile", &profiled)] {
            let errors: Vec<String> = validator
                .iter_errors(doc)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{format} {what}: {errors:#?}");
        }
        // An unknown metric is refused: the metrics are closed objects.
        let mut extra = expected.clone();
        let first = extra["sections"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        extra["sections"][&first]["metrics"]["made_up"] = serde_json::json!(1);
        assert!(!validator.is_valid(&extra), "{format}: an unknown metric");
    }
}
