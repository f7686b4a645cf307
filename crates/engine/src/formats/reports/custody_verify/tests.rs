use super::super::bundle::{BUNDLE_PUBLIC_KEY, BUNDLE_SIGNATURE};
use super::super::verify::{ORIGIN_NOT_CHECKED, UNSIGNED, check_bundle_signature};
use super::*;
use crate::custody::chain::{ChainHead, ChainLink, ChainScope};
use crate::custody::keys::PublishedKey;
use crate::custody::manifest::{JobManifest, ManifestInputs, ManifestSources, SignedManifest};
use crate::custody::signer::{LocalKeySigner, ManifestSigner};
use kt_domain::Job;

fn completed_job(origin: Option<&str>, payload: &[u8]) -> Job {
    let raw = serde_json::json!({
        "id": kt_domain::JobId::new().as_str(), "tenant_id": "acme", "type": "events",
        "format": "csv", "status": "completed", "timezone": "Europe/Madrid",
        "window_start": "2026-04-30T22:00:00Z", "window_end": "2026-05-31T22:00:00Z",
        "label": "May", "expires_in_days": 7, "created_at": "2026-06-15T12:00:00Z",
        "created_by": "u_1", "started_at": null, "completed_at": "2026-06-15T12:01:00Z",
        "expires_at": null, "file_name": "may.csv", "event_count": 2, "progress": 1.0,
        "size_bytes": payload.len(), "sha256": hex::encode(Sha256::digest(payload)),
        "content_type": "text/csv", "stats": null, "error": null, "artifact_key": null,
        "lease_until": null, "attempts": 1, "request_hash": null, "origin": origin,
    });
    serde_json::from_value(raw).unwrap()
}

/// Signs a manifest for `job` after `heads`, writes it (and its signature)
/// into `dir` as `name.json`, and returns the new heads.
async fn seal(
    dir: &Path,
    name: &str,
    job: &Job,
    signer: &LocalKeySigner,
    heads: &mut BTreeMap<ChainScope, ChainHead>,
) -> SignedManifest {
    let chain: Vec<(ChainScope, ChainLink)> = ChainScope::for_origin(job.origin.as_deref())
        .into_iter()
        .map(|s| {
            let link = ChainLink::after(heads.get(&s));
            (s, link)
        })
        .collect();
    let value = JobManifest::build(&ManifestInputs {
        job,
        sources: ManifestSources {
            objects: 0,
            bytes: 0,
            listing_digest: "sha256:00",
        },
        pseudonym_key_id: "k".into(),
        chain: chain.clone(),
        signing_key_id: signer.key_id().into(),
        tsa_url: None,
    });
    let signed = SignedManifest::sign(&value, signer).await.unwrap();
    for (scope, link) in chain {
        heads.insert(
            scope,
            ChainHead {
                sequence: link.sequence,
                manifest_sha256: signed.sha256(),
            },
        );
    }
    std::fs::write(dir.join(format!("{name}.json")), &signed.bytes).unwrap();
    std::fs::write(dir.join(format!("{name}.json.sig")), &signed.signature).unwrap();
    signed
}

fn checks(r: &VerifyReport) -> Vec<String> {
    r.mismatches
        .iter()
        .map(|m: &Mismatch| format!("{}: {}", m.file, m.check))
        .collect()
}

#[tokio::test]
async fn a_signed_manifest_verifies_and_tampering_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let signer = LocalKeySigner::generate();
    let key = signer.published();
    let artifact = dir.path().join("may.csv");
    std::fs::write(&artifact, b"a,b\n1,2\n").unwrap();
    let job = completed_job(None, b"a,b\n1,2\n");
    seal(dir.path(), "m", &job, &signer, &mut BTreeMap::new()).await;
    let manifest = dir.path().join("m.json");

    let ok = verify_job_manifest(&manifest, std::slice::from_ref(&key), Some(&artifact)).unwrap();
    assert!(ok.is_ok(), "{ok}");

    // The artifact changed.
    std::fs::write(&artifact, b"a,b\n1,3\n").unwrap();
    let r = verify_job_manifest(&manifest, std::slice::from_ref(&key), Some(&artifact)).unwrap();
    assert_eq!(checks(&r), vec!["may.csv: sha256"]);

    // Another key is not trusted.
    let other = LocalKeySigner::generate().published();
    let r = verify_job_manifest(&manifest, std::slice::from_ref(&other), None).unwrap();
    assert_eq!(checks(&r), vec!["m.json: signing key id"]);

    // One byte of the manifest changed (same length, still canonical JSON).
    let bytes = std::fs::read(&manifest).unwrap();
    let tampered = String::from_utf8(bytes)
        .unwrap()
        .replace("\"May\"", "\"Jun\"");
    std::fs::write(&manifest, tampered).unwrap();
    let r = verify_job_manifest(&manifest, std::slice::from_ref(&key), None).unwrap();
    assert_eq!(checks(&r), vec!["m.json: signature"]);

    // No signature beside it.
    std::fs::remove_file(dir.path().join("m.json.sig")).unwrap();
    let r = verify_job_manifest(&manifest, &[key], None).unwrap();
    assert_eq!(checks(&r), vec!["m.json: signature"]);
}

#[tokio::test]
async fn a_chain_walk_reports_missing_and_replaced_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let signer = LocalKeySigner::generate();
    let keys = vec![signer.published()];
    let mut heads = BTreeMap::new();
    for q in 1..=4 {
        let job = completed_job(Some("schedule:quarterly"), format!("q{q}").as_bytes());
        seal(dir.path(), &format!("q{q}"), &job, &signer, &mut heads).await;
    }
    let r = verify_chain(dir.path(), Some(&keys)).unwrap();
    assert!(r.is_ok(), "{r}");
    assert!(
        r.checked
            .iter()
            .any(|c| c.contains("tenant acme, schedule:quarterly: 4 manifest(s), sequence 1..4"))
    );

    // A manifest replaced by another one (validly signed, not in the chain).
    let q3 = std::fs::read(dir.path().join("q3.json")).unwrap();
    let q3_sig = std::fs::read(dir.path().join("q3.json.sig")).unwrap();
    let mut forked = heads.clone();
    for h in forked.values_mut() {
        h.sequence -= 2;
        h.manifest_sha256 = "0".repeat(64);
    }
    let job = completed_job(Some("schedule:quarterly"), b"other q3");
    seal(dir.path(), "q3", &job, &signer, &mut forked).await;
    let r = verify_chain(dir.path(), Some(&keys)).unwrap();
    assert_eq!(
        checks(&r),
        vec![
            "q3.json: chain tenant acme: previous_manifest_sha256 (sequence 2)",
            "q3.json: chain tenant acme, schedule:quarterly: previous_manifest_sha256 (sequence 2)",
        ]
    );

    // A missing quarter.
    std::fs::write(dir.path().join("q3.json"), q3).unwrap();
    std::fs::write(dir.path().join("q3.json.sig"), q3_sig).unwrap();
    std::fs::remove_file(dir.path().join("q2.json")).unwrap();
    let r = verify_chain(dir.path(), None).unwrap();
    assert_eq!(r.mismatches.len(), 2, "{r}");
    assert_eq!(r.mismatches[0].file, "q3.json");
    assert_eq!(r.mismatches[0].expected, "2");
    assert_eq!(r.mismatches[0].actual, "3 (manifests missing)");

    // A signature that does not match is named when keys are given.
    std::fs::write(
        dir.path().join("q4.json.sig"),
        b"\x30\x06\x02\x01\x01\x02\x01\x01",
    )
    .unwrap();
    let r = verify_chain(dir.path(), Some(&keys)).unwrap();
    assert!(
        checks(&r).contains(&"q4.json: signature".to_string()),
        "{r}"
    );
}

#[tokio::test]
async fn a_folder_that_starts_late_is_not_a_break() {
    let dir = tempfile::tempdir().unwrap();
    let signer = LocalKeySigner::generate();
    let mut heads = BTreeMap::new();
    for q in 1..=3 {
        let job = completed_job(None, format!("q{q}").as_bytes());
        seal(dir.path(), &format!("q{q}"), &job, &signer, &mut heads).await;
    }
    std::fs::remove_file(dir.path().join("q1.json")).unwrap();
    let r = verify_chain(dir.path(), None).unwrap();
    assert!(r.is_ok(), "{r}");
    assert!(r.checked[0].contains("(1..1 are not in the folder)"), "{r}");
}

#[tokio::test]
async fn a_bundles_signature_is_checked_against_the_key_it_carries_or_trusted_keys() {
    let signer = LocalKeySigner::generate();
    let manifest = format!(r#"{{"signature":{{"key_id":"{}"}}}}"#, signer.key_id()).into_bytes();
    let sig = signer.sign(&manifest).await.unwrap();
    let files = |m: &[u8]| {
        BTreeMap::from([
            ("manifest.json".to_string(), m.to_vec()),
            (BUNDLE_SIGNATURE.to_string(), sig.clone()),
            (
                BUNDLE_PUBLIC_KEY.to_string(),
                signer.public_key_pem().as_bytes().to_vec(),
            ),
        ])
    };
    let check = |f: &BTreeMap<String, Vec<u8>>, trusted: &[PublishedKey]| {
        let mut r = VerifyReport::default();
        check_bundle_signature(f, trusted, !trusted.is_empty(), &mut r);
        r
    };
    // With only the key it carries, the signature checks out, and the report
    // says that proves integrity, not who signed (a forger brings their own key).
    let own = check(&files(&manifest), &[]);
    assert!(own.is_ok());
    assert_eq!(own.notes, [ORIGIN_NOT_CHECKED]);
    assert!(check(&files(&manifest), &[signer.published()]).is_ok());
    let mut tampered = manifest.clone();
    tampered.push(b' ');
    assert_eq!(
        checks(&check(&files(&tampered), &[])),
        vec!["manifest.json: signature"]
    );
    // A bundle signed by a key the auditor does not trust is named as such.
    let other = LocalKeySigner::generate().published();
    let r = check(&files(&manifest), std::slice::from_ref(&other));
    assert_eq!(
        checks(&r),
        vec![
            "signing-key.pem: trusted key",
            "manifest.json: signing key id"
        ]
    );
    // An unsigned bundle passes on its own, saying it is unsigned, but not
    // when a key is required.
    let unsigned = BTreeMap::from([("manifest.json".to_string(), manifest.clone())]);
    let alone = check(&unsigned, &[]);
    assert!(alone.is_ok());
    assert_eq!(alone.notes, [UNSIGNED]);
    assert_eq!(
        checks(&check(&unsigned, std::slice::from_ref(&other))),
        vec!["manifest.sig: present"]
    );
    // Against keys fetched from the service (none given): a signed bundle must
    // be theirs, an unsigned one is said to be unsigned.
    let mut fetched = VerifyReport::default();
    check_bundle_signature(
        &files(&manifest),
        std::slice::from_ref(&other),
        false,
        &mut fetched,
    );
    assert_eq!(
        checks(&fetched),
        vec![
            "signing-key.pem: trusted key",
            "manifest.json: signing key id"
        ]
    );
    let mut fetched = VerifyReport::default();
    check_bundle_signature(&unsigned, &[other], false, &mut fetched);
    assert!(fetched.is_ok());
    assert_eq!(fetched.notes, [UNSIGNED]);
}
