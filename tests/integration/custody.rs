//! Chain of custody on the local stack: every completed job has a signed
//! manifest that plain `openssl` verifies with the key `/v1/keys` publishes
//! (fetched without a token), the bundle carries its own signed manifest,
//! manifests chain per tenant, and tampering is named by the verifier.
use crate::app::{TestApp, spawn_app, unique};
use crate::exports::seed_lake;
use kt_engine::custody::PublishedKey;
use kt_engine::formats::reports::custody_verify::{verify_chain, verify_job_manifest};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

fn request(format: &str) -> Value {
    json!({"type": "events", "format": format, "date_from": "2026-05-01",
           "date_to": "2026-05-02", "timezone": "Europe/Madrid", "label": "Q2 audit"})
}

/// Runs `openssl` with `args` in `dir`: whether it succeeded, and what it printed.
pub(crate) fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `openssl dgst -sha256 -verify key -signature sig file`, as docs/custody.md shows it.
fn openssl_verifies(dir: &Path, key: &str, sig: &str, file: &str) -> (bool, String) {
    openssl(
        dir,
        &["dgst", "-sha256", "-verify", key, "-signature", sig, file],
    )
}

/// The published keys, fetched with no Authorization header.
pub(crate) async fn published_keys(app: &TestApp) -> Vec<PublishedKey> {
    let response = app.http.get(app.url("/v1/keys")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    serde_json::from_value(body["keys"].clone()).unwrap()
}

/// Downloads the job's manifest and signature into `dir` as `name.json(.sig)`.
async fn fetch_manifest(app: &TestApp, tenant: &str, id: &str, dir: &Path, name: &str) -> Vec<u8> {
    let response = app
        .get(tenant, &format!("/v1/export-jobs/{id}/manifest"))
        .await;
    assert_eq!(response.status(), 200);
    let header_sig = response.headers()["kt-manifest-signature"]
        .to_str()
        .unwrap()
        .to_string();
    let manifest = response.bytes().await.unwrap().to_vec();
    let response = app
        .get(tenant, &format!("/v1/export-jobs/{id}/manifest.sig"))
        .await;
    assert_eq!(response.status(), 200);
    let sig = response.bytes().await.unwrap().to_vec();
    use base64::Engine;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(header_sig)
            .unwrap(),
        sig
    );
    std::fs::write(dir.join(format!("{name}.json")), &manifest).unwrap();
    std::fs::write(dir.join(format!("{name}.json.sig")), &sig).unwrap();
    manifest
}

#[tokio::test]
async fn manifests_are_signed_chained_and_verify_with_openssl() {
    let app = spawn_app().await;
    let tenant = unique("custody");
    seed_lake(&app, &tenant).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // Keys: PEM and JWKS views, no token needed.
    let keys = published_keys(&app).await;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].algorithm, "ECDSA_P256_SHA256");
    assert!(
        keys[0]
            .public_key_pem
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    std::fs::write(d.join("key.pem"), &keys[0].public_key_pem).unwrap();
    let jwks: Value = app
        .http
        .get(app.url("/v1/keys/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kid"], keys[0].key_id.as_str());
    assert_eq!(jwks["keys"][0]["crv"], "P-256");
    // The key id is the SHA-256 of the key's DER, as openssl computes it.
    let der = Command::new("openssl")
        .args(["pkey", "-pubin", "-in", "key.pem", "-outform", "DER"])
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(hex::encode(Sha256::digest(&der.stdout)), keys[0].key_id);

    // A csv job: manifest, signature, artifact.
    let csv_id = app.create(&tenant, request("csv")).await;
    let csv_job = app.wait_done(&tenant, &csv_id).await;
    assert_eq!(csv_job["status"], "completed", "{csv_job}");
    let (_, csv) = app.download(&tenant, &csv_id).await;
    std::fs::write(d.join("export.csv"), &csv).unwrap();
    let first = fetch_manifest(&app, &tenant, &csv_id, d, "1").await;
    let m: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(m["job"]["id"], csv_id.as_str());
    assert_eq!(m["job"]["tenant_id"], tenant.as_str());
    assert_eq!(m["job"]["label"], "Q2 audit");
    assert_eq!(m["window"]["timezone"], "Europe/Madrid");
    assert_eq!(m["artifact"]["sha256"], csv_job["sha256"]);
    assert_eq!(m["artifact"]["size_bytes"], csv.len());
    assert_eq!(
        m["artifact"]["sha256"],
        hex::encode(Sha256::digest(&csv)).as_str()
    );
    assert_eq!(m["stats"]["lines_read"], csv_job["stats"]["lines_read"]);
    assert!(
        m["sources"]["listing_digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(m["sources"]["objects"].as_u64().unwrap() > 0);
    assert_eq!(m["signature"]["key_id"], keys[0].key_id.as_str());
    assert_eq!(m["timestamp"]["status"], "none");
    assert_eq!(
        m["chain"]["tenant"],
        json!({"sequence": 1, "previous_manifest_sha256": null})
    );
    assert_ne!(m["generator"]["build_commit"], "");

    let (ok, out) = openssl_verifies(d, "key.pem", "1.json.sig", "1.json");
    assert!(ok && out.contains("Verified OK"), "{out}");
    let report =
        verify_job_manifest(&d.join("1.json"), &keys, Some(&d.join("export.csv"))).unwrap();
    assert!(report.is_ok(), "{report}");

    // A compliance-all job: the next link of the tenant's chain, and a bundle
    // carrying its own manifest, signature and key.
    let bundle_id = app.create(&tenant, request("compliance-all")).await;
    let bundle_job = app.wait_done(&tenant, &bundle_id).await;
    assert_eq!(bundle_job["status"], "completed", "{bundle_job}");
    let (_, bundle) = app.download(&tenant, &bundle_id).await;
    std::fs::write(d.join("bundle.tar.gz"), &bundle).unwrap();
    let second = fetch_manifest(&app, &tenant, &bundle_id, d, "2").await;
    let m2: Value = serde_json::from_slice(&second).unwrap();
    assert_eq!(m2["chain"]["tenant"]["sequence"], 2);
    assert_eq!(
        m2["chain"]["tenant"]["previous_manifest_sha256"],
        hex::encode(Sha256::digest(&first)).as_str()
    );
    let report =
        verify_job_manifest(&d.join("2.json"), &keys, Some(&d.join("bundle.tar.gz"))).unwrap();
    assert!(report.is_ok(), "{report}");
    assert!(
        report
            .checked
            .iter()
            .any(|c| c.contains("manifest.json: ECDSA P-256 signature")),
        "{report}"
    );

    let b = d.join("b");
    std::fs::create_dir(&b).unwrap();
    let tar = Command::new("tar")
        .args(["xzf", "../bundle.tar.gz"])
        .current_dir(&b)
        .status()
        .unwrap();
    assert!(tar.success());
    let (ok, out) = openssl_verifies(&b, "signing-key.pem", "manifest.sig", "manifest.json");
    assert!(ok, "{out}");
    assert_eq!(
        std::fs::read_to_string(b.join("signing-key.pem")).unwrap(),
        keys[0].public_key_pem
    );

    // The chain of both manifests is unbroken.
    let chain = verify_chain(d, Some(&keys)).unwrap();
    assert!(chain.is_ok(), "{chain}");

    // Tampering: a changed artifact, a changed manifest (openssl says so too).
    std::fs::write(d.join("export.csv"), [&csv[..], b"x"].concat()).unwrap();
    let report =
        verify_job_manifest(&d.join("1.json"), &keys, Some(&d.join("export.csv"))).unwrap();
    let failed: Vec<&str> = report.mismatches.iter().map(|m| m.check.as_str()).collect();
    assert_eq!(failed, vec!["size_bytes", "sha256"], "{report}");
    let tampered = String::from_utf8(first.clone())
        .unwrap()
        .replace("Q2 audit", "Q3 audit");
    std::fs::write(d.join("1.json"), tampered).unwrap();
    let (ok, out) = openssl_verifies(d, "key.pem", "1.json.sig", "1.json");
    assert!(!ok && out.contains("Verification failure"), "{out}");
    let chain = verify_chain(d, Some(&keys)).unwrap();
    assert!(!chain.is_ok());
    assert_eq!(chain.mismatches[0].file, "1.json");

    // Bad input: another tenant's job is unknown; a queued job has no manifest yet.
    let other = app
        .get(
            &unique("other"),
            &format!("/v1/export-jobs/{csv_id}/manifest"),
        )
        .await;
    assert_eq!(other.status(), 404);
    assert_eq!(other.headers()["content-type"], "application/problem+json");
}
