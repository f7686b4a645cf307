//! The signed bundle's manifest covers every file an auditor reads: an HTML
//! rendering changed, with SHA256SUMS regenerated, still passes
//! `openssl dgst -verify` (the manifest is untouched) but not the verifier.
use crate::support::*;
use kt_domain::ExportFormat;
use kt_engine::custody::LocalKeySigner;
use kt_engine::formats::reports::verify::verify_bundle;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

fn sh(dir: &Path, script: &str) -> String {
    run(dir, "sh", &["-c", script])
}

fn signed_bundle() -> Vec<u8> {
    let mut ctx = ctx(ExportFormat::ComplianceAll);
    ctx.signer = Some(Arc::new(LocalKeySigner::generate()));
    render(&ctx, &fixture_lines())
}

/// Re-packs the extracted files of `dir` in SHA256SUMS' order (plus `extra`),
/// with SHA256SUMS regenerated over them, as the tester did.
const REPACK: &str = r#"files=$(cut -c67- SHA256SUMS; echo "$EXTRA")
sha256sum $files > SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS
tar czf bad.tar.gz $files SHA256SUMS"#;

#[test]
fn the_signed_manifest_lists_every_report_and_rendering() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.tar.gz"), signed_bundle()).unwrap();
    sh(dir.path(), "tar xzf b.tar.gz");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    assert_schema_valid("manifest.schema.json", &manifest);
    let artifacts = manifest["artifacts"].as_array().unwrap();
    let paths: Vec<&str> = artifacts
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, REPORT_FILES);
    let mut total = 0;
    for art in artifacts {
        let bytes = std::fs::read(dir.path().join(art["path"].as_str().unwrap())).unwrap();
        total += bytes.len();
        assert_eq!(art["size_bytes"], bytes.len());
        assert_eq!(
            art["sha256"],
            kt_engine::formats::reports::bundle::sha256_hex(&bytes)
        );
    }
    assert_eq!(manifest["payload_oxum"], format!("{total}.9"));
    let ens_en = &artifacts[8];
    assert_eq!(ens_en["media_type"], "text/html");
    assert_eq!(ens_en["renders"], "compliance-ens.json");
    assert_eq!(ens_en["lang"], "en");
}

#[test]
fn an_altered_rendering_with_regenerated_sums_fails_verification() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.tar.gz"), signed_bundle()).unwrap();
    let report = verify_bundle(&dir.path().join("good.tar.gz")).unwrap();
    assert!(report.is_ok(), "{report}");

    // The tester's repro.
    sh(dir.path(), "tar xzf good.tar.gz");
    sh(
        dir.path(),
        "sed -i 's/evidenced/EVIDENCED-TAMPERED/' compliance-ens.en.html",
    );
    sh(dir.path(), &format!("EXTRA= ; {REPACK}"));
    sh(dir.path(), "sha256sum -c SHA256SUMS");
    let openssl = sh(
        dir.path(),
        "openssl dgst -sha256 -verify signing-key.pem -signature manifest.sig manifest.json",
    );
    assert_eq!(
        openssl.trim(),
        "Verified OK",
        "the manifest itself is intact"
    );

    let report = verify_bundle(&dir.path().join("bad.tar.gz")).unwrap();
    assert_eq!(
        report.mismatched_files().into_iter().collect::<Vec<_>>(),
        ["compliance-ens.en.html", "manifest.json"],
        "{report}"
    );
    let text = report.to_string();
    for check in [
        "MISMATCH  compliance-ens.en.html: sha256 (manifest)",
        "MISMATCH  compliance-ens.en.html: size_bytes (manifest)",
        "MISMATCH  manifest.json: payload_oxum",
    ] {
        assert!(text.contains(check), "{check}\n{text}");
    }
}

#[test]
fn a_file_the_signed_manifest_does_not_list_fails_verification() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.tar.gz"), signed_bundle()).unwrap();
    sh(dir.path(), "tar xzf good.tar.gz");
    sh(dir.path(), "echo '<p>all evidenced</p>' > summary.html");
    sh(dir.path(), &format!("EXTRA=summary.html ; {REPACK}"));
    let report = verify_bundle(&dir.path().join("bad.tar.gz")).unwrap();
    assert_eq!(
        report.mismatched_files().into_iter().collect::<Vec<_>>(),
        ["summary.html"],
        "{report}"
    );
    assert_eq!(
        report.mismatches[0].check,
        "listed in manifest artifacts (signed)"
    );
}
