//! `kt export-jobs verify` and trusted timestamps, offline: a signed manifest
//! with an RFC 3161 token from a throw-away TSA (made with `openssl` in the
//! test) verifies, with `--tsa-ca` through `openssl ts -verify` too; a
//! tampered token, a CA that did not issue the TSA, and a missing token under
//! `--tsa-ca` fail with exit 5 naming what failed.
use crate::stack::kt_bare;
use crate::{stderr, stdout};
use kt_engine::custody::canonical::to_canonical_bytes;
use kt_engine::custody::{LocalKeySigner, ManifestSigner};
use kt_integration_tests::tsa::ThrowawayTsa;
use serde_json::json;
use std::path::Path;

/// Writes `m.json`, `m.json.sig`, `m.json.tsr` and `key.pem` into `dir`.
fn signed_and_stamped(dir: &Path, tsa: &ThrowawayTsa) -> Vec<u8> {
    let signer = LocalKeySigner::generate();
    let manifest = to_canonical_bytes(&json!({
        "kind": "kt-exports/job-manifest",
        "signature": {"algorithm": "ECDSA_P256_SHA256", "key_id": signer.key_id()},
        "timestamp": {"status": "requested", "tsa": tsa.url, "imprint": "sha256(signature)"},
    }));
    let sig = futures::executor::block_on(signer.sign(&manifest)).unwrap();
    let token = tsa.reply_for(&sig);
    std::fs::write(dir.join("m.json"), &manifest).unwrap();
    std::fs::write(dir.join("m.json.sig"), &sig).unwrap();
    std::fs::write(dir.join("m.json.tsr"), &token).unwrap();
    std::fs::write(dir.join("key.pem"), signer.public_key_pem()).unwrap();
    token
}

/// The report as text (a pipe would get JSON).
fn verify(dir: &Path, ca: Option<&Path>) -> std::process::Output {
    verify_as(dir, ca, &["-o", "table"])
}

fn verify_as(dir: &Path, ca: Option<&Path>, output: &[&str]) -> std::process::Output {
    let mut cmd = kt_bare(dir);
    cmd.args([
        "export-jobs",
        "verify",
        "--manifest",
        "m.json",
        "--key",
        "key.pem",
    ]);
    cmd.args(output);
    if let Some(ca) = ca {
        cmd.arg("--tsa-ca").arg(ca);
    }
    cmd.output().unwrap()
}

#[test]
fn a_timestamp_token_is_checked_and_with_tsa_ca_its_chain_too() {
    let tsa = ThrowawayTsa::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let token = signed_and_stamped(d, &tsa);

    // The imprint only: verified, and the report says what was not checked.
    let o = verify(d, None);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("ok        m.json.tsr: RFC 3161 token over SHA-256 of the signature, time "),
        "{out}"
    );
    assert!(
        out.contains("note      m.json.tsr: the TSA's signature was not checked"),
        "{out}"
    );

    // In a pipe without `-o`, the same report as JSON, as every command.
    let o = verify_as(d, None, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = crate::stdout_json(&o);
    assert!(
        report["checked"].as_array().is_some_and(|c| !c.is_empty()),
        "{report}"
    );
    assert_eq!(report["mismatches"], json!([]), "{report}");

    // With the TSA's CA: openssl checks the TSA's signature and chain.
    let o = verify(d, Some(&tsa.ca_pem()));
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("m.json.tsr: TSA signature and chain: openssl ts -verify"),
        "{}",
        stdout(&o)
    );

    // A CA that did not issue this TSA's certificate.
    let stranger = ThrowawayTsa::start();
    let o = verify(d, Some(&stranger.ca_pem()));
    assert_eq!(o.status.code(), Some(5), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("MISMATCH  m.json.tsr: TSA signature and chain (--tsa-ca)"),
        "{}",
        stdout(&o)
    );

    // The TSA's signature changed (its last byte): only --tsa-ca can tell.
    let mut forged = token.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    std::fs::write(d.join("m.json.tsr"), &forged).unwrap();
    let o = verify(d, Some(&tsa.ca_pem()));
    assert_eq!(o.status.code(), Some(5), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("MISMATCH  m.json.tsr: TSA signature and chain (--tsa-ca)"),
        "{}",
        stdout(&o)
    );

    // The imprint changed: named without a CA.
    let sig = std::fs::read(d.join("m.json.sig")).unwrap();
    let imprint = {
        use sha2::Digest;
        sha2::Sha256::digest(&sig).to_vec()
    };
    let at = token
        .windows(32)
        .position(|w| w == imprint.as_slice())
        .unwrap();
    let mut moved = token.clone();
    moved[at] ^= 0xff;
    std::fs::write(d.join("m.json.tsr"), &moved).unwrap();
    let o = verify(d, None);
    assert_eq!(o.status.code(), Some(5), "{}", stdout(&o));
    assert!(stdout(&o).contains("MISMATCH  m.json.tsr: timestamp token: expected a granted token over SHA-256 of the signature, found the timestamp reply does not hold: imprint"), "{}", stdout(&o));

    // No token at all: a note, unless the auditor asked for it with --tsa-ca.
    std::fs::remove_file(d.join("m.json.tsr")).unwrap();
    let o = verify(d, None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("but absent"), "{}", stdout(&o));
    let o = verify(d, Some(&tsa.ca_pem()));
    assert_eq!(o.status.code(), Some(5), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("MISMATCH  m.json: trusted timestamp (--tsa-ca)"),
        "{}",
        stdout(&o)
    );
}
