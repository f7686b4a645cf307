//! Custody adapters against the emulator: the KMS signer (moto's KMS signs
//! with an ECC_NIST_P256 key; openssl and p256 verify) and the DynamoDB
//! custody records (manifests byte for byte, chain heads that refuse a stale link).
use chrono::{Duration, Utc};
use kt_domain::{Completion, JobId, JobStats, JobStatus, TenantId};
use kt_engine::custody::verify_signature;
use kt_engine::custody::{ChainLink, ChainScope, ManifestSigner, SignedManifest};
use kt_integration_tests::emulator_with_clients;
use kt_service::custody::custody_from_config;
use kt_store::custody::{Append, CustodyStore, Sealing};
use kt_store::dynamo::DynamoJobStore;
use kt_store::kms::KmsSigner;
use kt_store::{CreateOutcome, JobStore};
use std::process::Command;

async fn kms_key(kms: &aws_sdk_kms::Client) -> String {
    let key = kms
        .create_key()
        .key_spec(aws_sdk_kms::types::KeySpec::EccNistP256)
        .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
        .description("kt-exports test manifest signing key")
        .send()
        .await
        .expect("creating an ECC key in the emulator");
    key.key_metadata().unwrap().key_id().to_string()
}

#[tokio::test]
async fn a_kms_key_signs_manifests_that_openssl_verifies() {
    let (mut config, clients) = emulator_with_clients().await;
    let key_id = kms_key(&clients.kms).await;
    let signer = KmsSigner::connect(clients.kms.clone(), &key_id)
        .await
        .unwrap();
    assert_eq!(signer.key_id().len(), 64);
    assert!(signer.valid_from().is_some());
    let message = br#"{"kind":"kt-exports/job-manifest"}"#;
    let signature = signer.sign(message).await.unwrap();
    verify_signature(signer.public_key_pem(), message, &signature).unwrap();
    assert!(verify_signature(signer.public_key_pem(), b"other", &signature).is_err());

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("key.pem"), signer.public_key_pem()).unwrap();
    std::fs::write(dir.path().join("m.json"), message).unwrap();
    std::fs::write(dir.path().join("m.sig"), &signature).unwrap();
    let out = Command::new("openssl")
        .args([
            "dgst",
            "-sha256",
            "-verify",
            "key.pem",
            "-signature",
            "m.sig",
            "m.json",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Rotation: a new active key, the old one still published as retired.
    let new_key = kms_key(&clients.kms).await;
    config.signing_kms_key_id = Some(new_key);
    config.signing_retired_keys = vec![key_id];
    let custody = custody_from_config(&clients, &config).await.unwrap();
    let keys = custody.keys();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].key_id, custody.signer.key_id());
    assert_eq!(keys[1].key_id, signer.key_id());
    assert_eq!(keys[1].valid_until, keys[0].valid_from);
    // The old key still verifies what it signed.
    verify_signature(&keys[1].public_key_pem, message, &signature).unwrap();

    // A retired key that cannot be read (here: no such key) is left out
    // and logged; the service still starts, and the readable one stays.
    let readable = config.signing_retired_keys[0].clone();
    config.signing_retired_keys = vec!["alias/kt-no-such-retired-key".into(), readable];
    let custody = custody_from_config(&clients, &config).await.unwrap();
    let published: Vec<String> = custody.keys().iter().map(|k| k.key_id.clone()).collect();
    assert_eq!(
        published,
        vec![keys[0].key_id.clone(), keys[1].key_id.clone()]
    );
}

fn signed(body: &str) -> SignedManifest {
    SignedManifest {
        bytes: body.as_bytes().to_vec(),
        signature: vec![0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02],
        key_id: "k1".into(),
        timestamp: None,
    }
}

#[tokio::test]
async fn manifests_are_kept_byte_for_byte_and_a_stale_link_is_refused() {
    let (config, clients) = emulator_with_clients().await;
    let store = DynamoJobStore::new(clients.dynamodb.clone(), &config.resources.jobs_table);
    let tenant = TenantId::parse("acme").unwrap();
    let scopes = ChainScope::for_origin(Some("schedule:quarterly"));
    assert_eq!(
        store.chain_heads(&tenant, &scopes).await.unwrap(),
        vec![None, None]
    );

    let (a, b) = (JobId::new(), JobId::new());
    let first = signed(r#"{"a":"é"}"#);
    let links: Vec<_> = scopes
        .iter()
        .map(|s| (s.clone(), ChainLink::after(None)))
        .collect();
    assert_eq!(
        store
            .append_manifest(&tenant, &a, &first, &links)
            .await
            .unwrap(),
        Append::Appended
    );
    // A second manifest that read the same (empty) heads lost the race.
    let second = signed(r#"{"b":1}"#);
    assert_eq!(
        store
            .append_manifest(&tenant, &b, &second, &links)
            .await
            .unwrap(),
        Append::HeadMoved
    );
    assert_eq!(store.manifest(&tenant, &b).await.unwrap(), None);

    let heads = store.chain_heads(&tenant, &scopes).await.unwrap();
    assert_eq!(heads[0].as_ref().unwrap().manifest_sha256, first.sha256());
    let next: Vec<_> = scopes
        .iter()
        .zip(&heads)
        .map(|(s, h)| (s.clone(), ChainLink::after(h.as_ref())))
        .collect();
    assert_eq!(
        store
            .append_manifest(&tenant, &b, &second, &next)
            .await
            .unwrap(),
        Append::Appended
    );
    assert_eq!(
        store.manifest(&tenant, &a).await.unwrap(),
        Some(first.clone())
    );
    // A timestamp reply is stored beside a manifest, byte for byte; there is
    // nothing to attach it to for a job without one.
    store
        .attach_timestamp(&tenant, &a, b"\x30\x03reply")
        .await
        .unwrap();
    let stamped = store.manifest(&tenant, &a).await.unwrap().unwrap();
    assert_eq!(stamped.timestamp.as_deref(), Some(&b"\x30\x03reply"[..]));
    assert_eq!(
        (stamped.bytes, stamped.signature),
        (first.bytes, first.signature)
    );
    assert!(
        store
            .attach_timestamp(&tenant, &JobId::new(), b"r")
            .await
            .is_err()
    );
    let heads = store.chain_heads(&tenant, &scopes).await.unwrap();
    assert!(heads.iter().all(|h| h.as_ref().unwrap().sequence == 2));
    // Another tenant sees none of it.
    let other = TenantId::parse("globex").unwrap();
    assert_eq!(store.manifest(&other, &a).await.unwrap(), None);
}

/// A queued job of `tenant` created in `store` and claimed (attempt 1).
async fn claimed_job(store: &DynamoJobStore, tenant: &TenantId) -> JobId {
    let job = super::dynamo::new_job(tenant, "seal");
    super::dynamo::create(store, &job).await;
    let now = Utc::now();
    super::dynamo::done(
        store
            .claim(tenant, &job.id, now, now + Duration::minutes(2))
            .await
            .unwrap(),
    );
    job.id
}

fn completion_of(id: &JobId) -> Completion {
    let now = Utc::now();
    Completion {
        completed_at: now,
        expires_at: now + Duration::days(7),
        event_count: 3,
        size_bytes: 10,
        sha256: "cd".repeat(32),
        stats: JobStats::default(),
        artifact_key: format!("exports/7d/acme/{id}/1/f.csv"),
        retained_until: None,
    }
}

#[tokio::test]
async fn a_sealing_append_completes_the_job_with_its_manifest_or_writes_nothing() {
    let (config, clients) = emulator_with_clients().await;
    let store = DynamoJobStore::new(clients.dynamodb.clone(), &config.resources.jobs_table);
    let tenant = TenantId::parse("acme").unwrap();
    let scopes = [ChainScope::Tenant];
    let first_links = vec![(ChainScope::Tenant, ChainLink::after(None))];

    // Canceled while it ran: the transaction fails on the job item, and
    // neither the manifest nor the head is written.
    let canceled = claimed_job(&store, &tenant).await;
    super::dynamo::done(store.cancel(&tenant, &canceled, Utc::now()).await.unwrap());
    let m = signed(r#"{"canceled":true}"#);
    let sealing = store
        .append_completing(
            &tenant,
            &canceled,
            &m,
            &first_links,
            1,
            &completion_of(&canceled),
        )
        .await
        .unwrap();
    assert!(
        matches!(&sealing, Sealing::JobChanged(Some(j)) if j.status == JobStatus::Canceled),
        "{sealing:?}"
    );
    assert_eq!(store.manifest(&tenant, &canceled).await.unwrap(), None);
    assert_eq!(store.chain_heads(&tenant, &scopes).await.unwrap(), [None]);

    // Held by its attempt: manifest, head and completion together; a cancel
    // after it is refused.
    let sealed = claimed_job(&store, &tenant).await;
    let m = signed(r#"{"sealed":true}"#);
    let sealing = store
        .append_completing(
            &tenant,
            &sealed,
            &m,
            &first_links,
            1,
            &completion_of(&sealed),
        )
        .await
        .unwrap();
    let Sealing::Completed(done) = sealing else {
        panic!("expected Completed, got {sealing:?}");
    };
    assert_eq!(done.status, JobStatus::Completed);
    assert_eq!(store.get(&tenant, &sealed).await.unwrap(), Some(done));
    assert_eq!(
        store.manifest(&tenant, &sealed).await.unwrap(),
        Some(m.clone())
    );
    let heads = store.chain_heads(&tenant, &scopes).await.unwrap();
    assert_eq!(heads[0].as_ref().unwrap().manifest_sha256, m.sha256());
    super::dynamo::conflict(store.cancel(&tenant, &sealed, Utc::now()).await.unwrap());

    // A link that followed the old head loses to it, and the job stays
    // processing for the next try.
    let late = claimed_job(&store, &tenant).await;
    let sealing = store
        .append_completing(
            &tenant,
            &late,
            &signed("{}"),
            &first_links,
            1,
            &completion_of(&late),
        )
        .await
        .unwrap();
    assert!(matches!(sealing, Sealing::HeadMoved), "{sealing:?}");
    let still = store.get(&tenant, &late).await.unwrap().unwrap();
    assert_eq!(still.status, JobStatus::Processing);
    assert_eq!(store.manifest(&tenant, &late).await.unwrap(), None);
    // The wrong attempt is not the job's holder.
    let sealing = store
        .append_completing(&tenant, &late, &signed("{}"), &[], 2, &completion_of(&late))
        .await
        .unwrap();
    assert!(
        matches!(sealing, Sealing::JobChanged(Some(_))),
        "{sealing:?}"
    );
    // The sealed job left the tenant's active count (as the canceled one
    // did); only the one still processing counts: one more fits under 2.
    let extra = super::dynamo::new_job(&tenant, "extra");
    assert!(matches!(
        store.create(&extra, None, 2).await.unwrap(),
        CreateOutcome::Created(_)
    ));
    let over = super::dynamo::new_job(&tenant, "over");
    assert!(matches!(
        store.create(&over, None, 2).await.unwrap(),
        CreateOutcome::TooManyActive
    ));
}
