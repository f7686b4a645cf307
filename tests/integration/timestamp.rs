//! Trusted timestamps on the local stack: with `KT_TSA_URL` pointed at a
//! throw-away TSA (made with `openssl` in the test, `kt_integration_tests::tsa`),
//! every manifest signature gets an RFC 3161 token that `openssl ts -verify`
//! accepts and that fails for a changed signature; the compliance-all bundle
//! carries its own. With the TSA down the job still completes, the manifest
//! says `requested`, no token is served and verification says so.
use crate::app::{TestApp, fresh_config, spawn_app_with, unique};
use crate::custody::{openssl, published_keys};
use crate::exports::seed_lake;
use kt_engine::formats::reports::custody_verify::verify_job_manifest;
use kt_integration_tests::tsa::ThrowawayTsa;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

fn request(format: &str) -> Value {
    json!({"type": "events", "format": format, "date_from": "2026-05-01",
           "date_to": "2026-05-02", "timezone": "UTC"})
}

/// `openssl ts -verify -data SIG -in TSR -CAfile ca.pem -untrusted tsa.pem`, as docs/custody.md shows it.
fn openssl_ts_verify(dir: &Path, sig: &str, tsr: &str, tsa: &ThrowawayTsa) -> (bool, String) {
    let (ca, untrusted) = (tsa.ca_pem(), tsa.tsa_pem());
    let (ca, untrusted) = (ca.to_str().unwrap(), untrusted.to_str().unwrap());
    let args = [
        "ts",
        "-verify",
        "-data",
        sig,
        "-in",
        tsr,
        "-CAfile",
        ca,
        "-untrusted",
        untrusted,
    ];
    openssl(dir, &args)
}

/// Runs a job to completion and saves its manifest, signature and artifact
/// in `dir`; returns the manifest and the `kt-manifest-timestamp` header.
async fn export(app: &TestApp, tenant: &str, format: &str, dir: &Path) -> (String, Value, String) {
    let id = app.create(tenant, request(format)).await;
    let job = app.wait_done(tenant, &id).await;
    assert_eq!(job["status"], "completed", "{job}");
    let (_, artifact) = app.download(tenant, &id).await;
    let name = if format == "compliance-all" {
        "bundle.tar.gz"
    } else {
        "export.csv"
    };
    std::fs::write(dir.join(name), &artifact).unwrap();
    let response = app
        .get(tenant, &format!("/v1/export-jobs/{id}/manifest"))
        .await;
    assert_eq!(response.status(), 200);
    let state = response.headers()["kt-manifest-timestamp"]
        .to_str()
        .unwrap()
        .to_string();
    let bytes = response.bytes().await.unwrap();
    std::fs::write(dir.join("manifest.json"), &bytes).unwrap();
    let sig = app
        .get(tenant, &format!("/v1/export-jobs/{id}/manifest.sig"))
        .await
        .bytes()
        .await
        .unwrap();
    std::fs::write(dir.join("manifest.sig"), &sig).unwrap();
    (id, serde_json::from_slice(&bytes).unwrap(), state)
}

/// What a share link's holder gets (no token): the manifest's
/// `kt-manifest-timestamp` header and the `manifest.tsr` answer under the link.
async fn shared_timestamp(app: &TestApp, tenant: &str, id: &str) -> (String, reqwest::Response) {
    let link: Value = app
        .post(
            tenant,
            &format!("/v1/export-jobs/{id}/links"),
            &json!({"note": "auditor"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let url = link["url"].as_str().expect("a link's url").to_string();
    let plain = reqwest::Client::new();
    let manifest = plain.get(format!("{url}/manifest")).send().await.unwrap();
    assert_eq!(manifest.status(), 200);
    let state = manifest.headers()["kt-manifest-timestamp"]
        .to_str()
        .unwrap()
        .to_string();
    let tsr = plain
        .get(format!("{url}/manifest.tsr"))
        .send()
        .await
        .unwrap();
    (state, tsr)
}

#[tokio::test]
async fn manifest_signatures_get_rfc3161_tokens_that_openssl_verifies() {
    let tsa = ThrowawayTsa::start();
    let mut config = fresh_config();
    config.tsa_url = Some(tsa.url.clone());
    let app = spawn_app_with(config, true).await;
    let tenant = unique("tsa");
    seed_lake(&app, &tenant).await;
    let keys = published_keys(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let (id, manifest, state) = export(&app, &tenant, "compliance-all", d).await;
    // The manifest, signed before the token existed, states what was asked.
    assert_eq!(
        manifest["timestamp"],
        json!({"status": "requested", "tsa": tsa.url, "imprint": "sha256(signature)"})
    );
    assert_eq!(state, "granted");
    let response = app
        .get(&tenant, &format!("/v1/export-jobs/{id}/manifest.tsr"))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/timestamp-reply"
    );
    let token = response.bytes().await.unwrap();
    std::fs::write(d.join("manifest.tsr"), &token).unwrap();
    // A share link's holder gets the same token, without a bearer token.
    let (shared_state, shared) = shared_timestamp(&app, &tenant, &id).await;
    assert_eq!(shared_state, "granted");
    assert_eq!(shared.status(), 200);
    assert_eq!(
        shared.headers()["content-type"],
        "application/timestamp-reply"
    );
    assert_eq!(shared.bytes().await.unwrap(), token);

    // The auditor's command: verified against the CA; not for another signature.
    let (ok, out) = openssl_ts_verify(d, "manifest.sig", "manifest.tsr", &tsa);
    assert!(ok && out.contains("Verification: OK"), "{out}");
    let mut sig = std::fs::read(d.join("manifest.sig")).unwrap();
    let last = sig.len() - 1;
    sig[last] ^= 1;
    std::fs::write(d.join("modified.sig"), &sig).unwrap();
    let (ok, out) = openssl_ts_verify(d, "modified.sig", "manifest.tsr", &tsa);
    assert!(!ok && out.contains("message imprint mismatch"), "{out}");

    // kt's own check: the token beside the manifest covers its signature
    // (the TSA's signature is left to --tsa-ca, and the report says so).
    let report = verify_job_manifest(
        &d.join("manifest.json"),
        &keys,
        Some(&d.join("bundle.tar.gz")),
    )
    .unwrap();
    assert!(report.is_ok(), "{report}");
    assert!(
        report
            .checked
            .iter()
            .any(|c| c
                .starts_with("manifest.tsr: RFC 3161 token over SHA-256 of the signature, time")),
        "{report}"
    );
    assert!(
        report.notes.iter().any(|n| n.contains("give --tsa-ca")),
        "{report}"
    );

    // The bundle carries its own token over its own manifest.sig.
    let b = d.join("b");
    std::fs::create_dir(&b).unwrap();
    let tar = Command::new("tar")
        .args(["xzf", "../bundle.tar.gz"])
        .current_dir(&b)
        .status()
        .unwrap();
    assert!(tar.success());
    let inner: Value =
        serde_json::from_slice(&std::fs::read(b.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(inner["timestamp"]["status"], "requested");
    assert_eq!(inner["timestamp"]["file"], "manifest.tsr");
    let errors = crate::compliance::schema_errors("manifest.schema.json", &inner);
    assert!(errors.is_empty(), "{errors:?}");
    let sums = std::fs::read_to_string(b.join("SHA256SUMS")).unwrap();
    assert!(sums.contains("  manifest.tsr\n"), "{sums}");
    let (ok, out) = openssl_ts_verify(&b, "manifest.sig", "manifest.tsr", &tsa);
    assert!(ok && out.contains("Verification: OK"), "{out}");
    // One token for the bundle's signature, one for the job manifest's.
    assert_eq!(tsa.answered.load(std::sync::atomic::Ordering::SeqCst), 2);

    // A tampered token (its imprint changed) is named by kt.
    let mut token = std::fs::read(d.join("manifest.tsr")).unwrap();
    let imprint = {
        use sha2::Digest;
        sha2::Sha256::digest(std::fs::read(d.join("manifest.sig")).unwrap()).to_vec()
    };
    let at = token
        .windows(imprint.len())
        .position(|w| w == imprint.as_slice())
        .expect("the token holds the imprint");
    token[at] ^= 0xff;
    std::fs::write(d.join("manifest.tsr"), &token).unwrap();
    let report = verify_job_manifest(&d.join("manifest.json"), &keys, None).unwrap();
    assert!(!report.is_ok());
    assert_eq!(report.mismatches[0].file, "manifest.tsr", "{report}");
    assert_eq!(report.mismatches[0].check, "timestamp token", "{report}");
    let (ok, _) = openssl_ts_verify(d, "manifest.sig", "manifest.tsr", &tsa);
    assert!(!ok);
}

#[tokio::test]
async fn with_the_tsa_down_the_job_completes_and_the_manifest_says_requested() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/tsa");
    let mut config = fresh_config();
    config.tsa_url = Some(url.clone());
    let app = spawn_app_with(config, true).await;
    let tenant = unique("tsa-down");
    seed_lake(&app, &tenant).await;
    let keys = published_keys(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let (id, manifest, state) = export(&app, &tenant, "csv", d).await;
    assert_eq!(
        manifest["timestamp"],
        json!({"status": "requested", "tsa": url, "imprint": "sha256(signature)"})
    );
    assert_eq!(state, "absent");
    let response = app
        .get(&tenant, &format!("/v1/export-jobs/{id}/manifest.tsr"))
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("timestamp-not-found"),
        "{problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("did not grant one"),
        "{problem}"
    );
    // The link's holder is told the same.
    let (shared_state, shared) = shared_timestamp(&app, &tenant, &id).await;
    assert_eq!(shared_state, "absent");
    assert_eq!(shared.status(), 404);
    assert_eq!(shared.json::<Value>().await.unwrap(), problem);

    // Verification passes (nothing signed is wrong) and says what is missing.
    let report =
        verify_job_manifest(&d.join("manifest.json"), &keys, Some(&d.join("export.csv"))).unwrap();
    assert!(report.is_ok(), "{report}");
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains(&format!("requested from {url} but absent"))),
        "{report}"
    );
}
