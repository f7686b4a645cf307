//! The printable HTML renderings: golden files per framework and language,
//! and hostile names shown as text.
use crate::support::*;
use kt_domain::ExportFormat;
use kt_engine::formats::reports::html::{Lang, render};
use serde_json::json;

const FORMATS: [ExportFormat; 3] = [
    ExportFormat::ComplianceAesia,
    ExportFormat::ComplianceAepd,
    ExportFormat::ComplianceEns,
];

fn golden(format: ExportFormat, lang: Lang) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/compliance/fixtures/expected")
        .join(format!("{}.{}.html", format.as_str(), lang.code()))
}

#[test]
fn renderings_match_the_reviewed_golden_files() {
    for format in FORMATS {
        let report = render_json(format, &fixture_lines());
        for lang in Lang::ALL {
            // The build's commit is not the golden files': they say "unknown".
            let html = render(&report, lang, &[]).replace(kt_engine::BUILD_COMMIT, "unknown");
            let path = golden(format, lang);
            if std::env::var_os("KT_UPDATE_SNAPSHOTS").is_some() {
                std::fs::write(&path, &html).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&path).unwrap();
            assert!(
                html == expected,
                "{} differs from {}",
                format,
                path.display()
            );
        }
    }
}

#[test]
fn renderings_are_self_contained_and_say_what_each_section_claims() {
    let report = render_json(ExportFormat::ComplianceEns, &fixture_lines());
    let es = render(
        &report,
        Lang::Es,
        &[("compliance-ens.json".into(), "ab".repeat(32))],
    );
    let en = render(&report, Lang::En, &[]);
    assert!(es.starts_with("<!DOCTYPE html>\n<html lang=\"es\">"));
    assert!(en.contains("<html lang=\"en\">"));
    for doc in [&es, &en] {
        for external in [
            "<script", "src=", "<link", "http://", "https://", "@import", "url(",
        ] {
            assert!(!doc.contains(external), "{external}");
        }
        assert!(doc.contains("@media print"));
        assert!(doc.contains("op.exp.8.r1") && doc.contains("op.acc.6"));
    }
    assert!(es.contains("fuera del alcance del registro") && es.contains("Lo que no se afirma"));
    assert!(en.contains("out of scope for the log") && en.contains("What is not claimed"));
    assert!(es.contains(&"ab".repeat(32)), "the manifest's hashes");
    assert!(
        es.contains("Procedencia") && es.contains("pk_"),
        "provenance"
    );
}

#[test]
fn a_hostile_app_name_is_shown_as_text() {
    let hostile = "<script>alert(1)</script>";
    let line = json!({"event_id": "evt_1", "ts": "2026-05-02T10:00:00.000Z", "tenant_id": "acme",
        "event_type": "gateway.request", "request_id": "req_1", "config_version": "cfg_1",
        "actor": {"user_id": "u_1", "app": hostile}, "decision": "allow", "data_categories": ["email"],
        "model": {"provider": "mistral\"><img onerror=x>", "name": "m", "region": "eu-west-1"}})
    .to_string();
    let formula = fixture_lines();
    for format in FORMATS {
        let mut lines = formula.clone();
        lines.push(line.clone());
        lines.sort_by_key(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["ts"]
                .as_str()
                .unwrap()
                .to_string()
        });
        let report = render_json(format, &lines);
        for lang in Lang::ALL {
            let html = render(&report, lang, &[]);
            assert!(!html.contains("<script"), "{format}");
            assert!(!html.contains("<img"), "{format}");
            if format == ExportFormat::ComplianceAesia {
                assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
                assert!(
                    html.contains("=HYPERLINK(&quot;http"),
                    "the formula is text"
                );
            }
        }
    }
}

#[test]
fn the_spanish_rendering_translates_every_title_gap_and_note() {
    let declared = r#"{"ens": {"category": "BASICA"}, "retention": {"log_days": 30},
        "providers": [{"provider": "openai", "dpa_ref": "DPA-1"}],
        "ai_systems": [{"name": "chat", "annex_iii": "none"}]}"#;
    for format in FORMATS {
        let mut variants = vec![
            ("fixture", render_json(format, &fixture_lines())),
            ("empty window", render_json(format, &[])),
            (
                "declared",
                render_json_ctx(&with_profile(ctx(format), 5, declared), &fixture_lines()),
            ),
        ];
        for seed in 1..=4 {
            variants.push((
                "random events",
                render_json(format, &crate::property::random_events(seed, 400)),
            ));
        }
        for (what, report) in variants {
            let html = render(&report, Lang::Es, &[]);
            // Untranslated sentences are marked lang="en"; none may remain.
            let untranslated: Vec<&str> = html
                .split("<span lang=\"en\">")
                .skip(1)
                .map(|s| s.split("</span>").next().unwrap())
                .collect();
            assert!(
                untranslated.is_empty(),
                "{format} {what}: {untranslated:#?}"
            );
            for (key, s) in report["sections"].as_object().unwrap() {
                // English titles (AI Act, GDPR) do not appear in Spanish.
                let t = s["title"].as_str().unwrap();
                if format != ExportFormat::ComplianceEns {
                    assert!(!html.contains(&format!("— {t}<")), "{format} {key}: {t}");
                }
            }
        }
        // The English rendering of the ENS report has English titles.
        if format == ExportFormat::ComplianceEns {
            let report = render_json(format, &fixture_lines());
            let html = render(&report, Lang::En, &[]);
            assert!(
                html.contains("op.exp.7 — Incident management"),
                "ENS in English"
            );
        }
    }
}
