//! The manifest's `artifacts` against the bundle's files: each listed file's
//! presence, size and SHA-256; each JSON report against its entry and the
//! job; each HTML rendering against the report it renders; `payload_oxum`;
//! and no file outside the manifest but the tag files.
use super::super::bundle::{
    BUNDLE_PUBLIC_KEY, BUNDLE_SIGNATURE, HTML_MEDIA_TYPE, MANIFEST, SUMS, sha256_hex,
};
use super::super::envelope::{report_id, report_id_name_of};
use super::{REPORT_FILES, VerifyReport, s};
use crate::custody::timestamp::TOKEN_FILE;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// `media_type` of a report in `artifacts`.
const JSON_MEDIA_TYPE: &str = "application/json";

/// Files a manifest cannot list: itself, what signs or timestamps it, and
/// `SHA256SUMS` (which covers them all).
pub const TAG_FILES: [&str; 5] = [
    MANIFEST,
    BUNDLE_SIGNATURE,
    BUNDLE_PUBLIC_KEY,
    TOKEN_FILE,
    SUMS,
];

pub(super) fn check_artifacts(
    files: &BTreeMap<String, Vec<u8>>,
    manifest: &Value,
    r: &mut VerifyReport,
) {
    let job = &manifest["job"];
    let artifacts = manifest["artifacts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // The reports' hashes as the manifest states them, for the renderings.
    let report_sha: BTreeMap<String, String> = artifacts
        .iter()
        .filter(|a| a["media_type"] == JSON_MEDIA_TYPE)
        .map(|a| (s(&a["path"]), s(&a["sha256"])))
        .collect();
    let mut total = 0u64;
    let mut listed = BTreeSet::new();
    for art in &artifacts {
        let path = s(&art["path"]);
        listed.insert(path.clone());
        let Some(data) = files.get(&path) else {
            r.fail(
                &path,
                "artifact present",
                "present in the bundle",
                "missing",
            );
            continue;
        };
        total += data.len() as u64;
        r.check(
            &path,
            "size_bytes (manifest)",
            s(&art["size_bytes"]),
            data.len(),
        );
        r.check(
            &path,
            "sha256 (manifest)",
            s(&art["sha256"]),
            sha256_hex(data),
        );
        match art["media_type"].as_str() {
            Some(JSON_MEDIA_TYPE) => check_report(&path, data, art, job, r),
            Some(HTML_MEDIA_TYPE) => check_rendering(&path, data, art, &report_sha, r),
            _ => r.fail(
                &path,
                "media_type (manifest)",
                format!("{JSON_MEDIA_TYPE} or {HTML_MEDIA_TYPE}"),
                s(&art["media_type"]),
            ),
        }
    }
    for required in REPORT_FILES {
        if !listed.contains(required) {
            r.fail(
                required,
                "listed in manifest artifacts",
                "listed",
                "not listed",
            );
        }
    }
    // A file the signed manifest does not list is bound by nothing but
    // SHA256SUMS, which anyone can regenerate: it fails, it is not skipped.
    for name in files
        .keys()
        .filter(|n| !listed.contains(*n) && !TAG_FILES.contains(&n.as_str()))
    {
        r.fail(
            name,
            "listed in manifest artifacts (signed)",
            "listed",
            "not listed",
        );
    }
    r.check(
        MANIFEST,
        "payload_oxum",
        s(&manifest["payload_oxum"]),
        format!("{total}.{}", artifacts.len()),
    );
}

/// A rendering names a report of the manifest and shows that report's hash.
fn check_rendering(
    path: &str,
    data: &[u8],
    art: &Value,
    report_sha: &BTreeMap<String, String>,
    r: &mut VerifyReport,
) {
    let renders = s(&art["renders"]);
    let Some(sha) = report_sha.get(&renders) else {
        return r.fail(
            path,
            "renders (manifest)",
            "a report listed in artifacts",
            renders,
        );
    };
    if String::from_utf8_lossy(data).contains(sha.as_str()) {
        r.ok(format!("{path}: shows the sha256 of {renders}"));
    } else {
        r.fail(
            path,
            &format!("shows the sha256 of {renders}"),
            sha.as_str(),
            "not shown",
        );
    }
}

fn check_report(path: &str, data: &[u8], art: &Value, job: &Value, r: &mut VerifyReport) {
    let report: Value = match serde_json::from_slice(data) {
        Ok(v) => v,
        Err(e) => return r.fail(path, "valid JSON", "a JSON report", e.to_string()),
    };
    let rep = &report["report"];
    r.check(path, "format", s(&art["format"]), s(&rep["format"]));
    r.check(
        path,
        "schema_version",
        s(&art["schema_version"]),
        s(&rep["schema_version"]),
    );
    r.check(
        path,
        "mapping_version",
        s(&art["mapping_version"]),
        s(&rep["framework"]["mapping_version"]),
    );
    r.check(
        path,
        "report_id",
        s(&art["report_id"]),
        s(&rep["report_id"]),
    );
    r.check(
        path,
        "events_digest",
        s(&job["events_digest"]),
        s(&rep["source"]["events_digest"]),
    );
    r.check(
        path,
        "event_count",
        s(&job["event_count"]),
        s(&rep["source"]["event_count"]),
    );
    r.check(
        path,
        "tenant_id",
        s(&job["tenant_id"]),
        s(&rep["tenant_id"]),
    );
    let name = report_id_name_of(rep);
    r.check(
        path,
        "report_id = UUIDv5(tenant|format|window|events_digest|mapping|schema|profile)",
        report_id(&name),
        s(&rep["report_id"]),
    );
}
