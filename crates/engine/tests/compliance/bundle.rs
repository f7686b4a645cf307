//! The compliance-all bundle, opened and checked by system `tar` and `sha256sum`.
use crate::support::*;
use kt_domain::ExportFormat;
use kt_engine::formats::reports::verify::{verify_bundle, verify_file};
use serde_json::Value;

fn bundle_bytes() -> Vec<u8> {
    render(&ctx(ExportFormat::ComplianceAll), &fixture_lines())
}

#[test]
fn tar_extracts_it_and_sha256sum_accepts_its_sums() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.tar.gz"), bundle_bytes()).unwrap();
    let listing = run(dir.path(), "tar", &["tzvf", "b.tar.gz"]);
    let names: Vec<&str> = listing
        .lines()
        .map(|l| l.split_whitespace().last().unwrap())
        .collect();
    assert_eq!(names, bundle_files());
    for line in listing.lines() {
        assert!(
            line.starts_with("-rw-r--r-- root/root"),
            "fixed mode and owner: {line}"
        );
        assert!(
            line.contains("2026-05-31"),
            "mtime is the window end: {line}"
        );
    }
    run(dir.path(), "tar", &["xzf", "b.tar.gz"]);
    let checked = run(dir.path(), "sha256sum", &["-c", "SHA256SUMS"]);
    assert_eq!(
        checked.lines().filter(|l| l.ends_with(": OK")).count(),
        10,
        "{checked}"
    );

    // The manifest follows its schema and describes the reports beside it.
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    assert_schema_valid("manifest.schema.json", &manifest);
    let mut total = 0;
    for art in manifest["artifacts"].as_array().unwrap() {
        let bytes = std::fs::read(dir.path().join(art["path"].as_str().unwrap())).unwrap();
        total += bytes.len();
        assert_eq!(art["size_bytes"], bytes.len());
        if art["media_type"] == "text/html" {
            continue; // a rendering: bundle_custody.rs
        }
        let report: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(art["report_id"], report["report"]["report_id"]);
        assert_eq!(
            manifest["job"]["events_digest"],
            report["report"]["source"]["events_digest"]
        );
    }
    assert_eq!(manifest["payload_oxum"], format!("{total}.9"));
    assert!(
        manifest["job"]["requested_by"]
            .as_str()
            .unwrap()
            .starts_with("ps_")
    );

    // A report in the bundle is the report a single-format export writes.
    let single = render(&ctx(ExportFormat::ComplianceAepd), &fixture_lines());
    let inside = std::fs::read(dir.path().join("compliance-aepd.json")).unwrap();
    assert_eq!(single, inside);
}

#[test]
fn the_same_context_gives_the_same_bytes() {
    assert_eq!(bundle_bytes(), bundle_bytes());
    // gzip header: no mtime (bytes 4..8 are zero), OS byte 255.
    let b = bundle_bytes();
    assert_eq!(&b[..3], &[0x1f, 0x8b, 8]);
    assert_eq!(&b[4..8], &[0, 0, 0, 0]);
    assert_eq!(b[9], 255);
}

#[test]
fn verify_bundle_passes_and_names_a_tampered_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.tar.gz");
    std::fs::write(&good, bundle_bytes()).unwrap();
    let report = verify_bundle(&good).unwrap();
    assert!(report.is_ok(), "{report}");
    assert!(report.checked.len() > 20);

    // Extract, change one byte of one report, pack again with system tar.
    run(dir.path(), "tar", &["xzf", "good.tar.gz"]);
    let path = dir.path().join("compliance-aepd.json");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(9).position(|w| w == b"\"partial\"").unwrap() + 1;
    bytes[at] = b'P';
    std::fs::write(&path, bytes).unwrap();
    let args: Vec<&str> = ["czf", "bad.tar.gz"]
        .into_iter()
        .chain(bundle_files())
        .collect();
    run(dir.path(), "tar", &args);
    let report = verify_bundle(&dir.path().join("bad.tar.gz")).unwrap();
    assert!(!report.is_ok());
    assert_eq!(
        report.mismatched_files().into_iter().collect::<Vec<_>>(),
        ["compliance-aepd.json"],
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.contains("MISMATCH  compliance-aepd.json: sha256 (SHA256SUMS)"),
        "{text}"
    );
    assert!(
        text.contains("MISMATCH  compliance-aepd.json: sha256 (manifest)"),
        "{text}"
    );
}

#[test]
fn verify_bundle_names_a_report_missing_from_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.tar.gz"), bundle_bytes()).unwrap();
    run(dir.path(), "tar", &["xzf", "good.tar.gz"]);
    run(
        dir.path(),
        "tar",
        &[
            "czf",
            "bad.tar.gz",
            "manifest.json",
            "compliance-aesia.json",
            "compliance-aepd.json",
            "compliance-aesia.es.html",
            "compliance-aesia.en.html",
            "compliance-aepd.es.html",
            "compliance-aepd.en.html",
            "compliance-ens.es.html",
            "compliance-ens.en.html",
            "SHA256SUMS",
        ],
    );
    let report = verify_bundle(&dir.path().join("bad.tar.gz")).unwrap();
    assert_eq!(
        report.mismatched_files().into_iter().collect::<Vec<_>>(),
        ["compliance-ens.json", "manifest.json"],
        "{report}"
    );
}

#[test]
fn verify_file_compares_size_and_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.csv");
    std::fs::write(&p, b"a,b\n1,2\n").unwrap();
    let sha =
        "sha256:".to_string() + &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"a,b\n1,2\n"));
    assert!(verify_file(&p, Some(8), Some(&sha)).unwrap().is_ok());
    let bad = verify_file(&p, Some(9), Some(&sha)).unwrap();
    assert_eq!(bad.mismatches.len(), 1);
    assert_eq!(bad.mismatches[0].check, "size_bytes");
    assert_eq!(bad.mismatches[0].file, "x.csv");
}
