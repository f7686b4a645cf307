//! The offline checks of `verify`, without an API.
use super::*;

fn args(file: PathBuf) -> VerifyArgs {
    VerifyArgs {
        file: Some(file),
        manifest: None,
        chain: None,
        keys: vec![],
        job_id: None,
        sha256: None,
        size: None,
        tsa_ca: None,
        bundle: false,
        json: false,
    }
}

async fn no_job(_: JobId) -> anyhow::Result<JobView> {
    bail!("no API in this test")
}

#[tokio::test]
async fn compares_a_file_with_the_given_size_and_hash() {
    let file = std::env::temp_dir().join(format!("kt-verify-{}.csv", std::process::id()));
    std::fs::write(&file, b"a\n").unwrap();
    let sha = "87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7";
    let mut a = args(file.clone());
    a.sha256 = Some(sha.into());
    a.size = Some(2);
    assert!(verify(a.clone(), "", no_job).await.unwrap().is_ok());
    a.size = Some(3);
    let r = verify(a, "", no_job).await.unwrap();
    assert_eq!(r.mismatches.len(), 1);
    assert_eq!(r.mismatches[0].check, "size_bytes");
    // Nothing to compare with is a usage error (exit 2), not a silent success.
    let none = verify(args(file.clone()), "", no_job).await.unwrap_err();
    assert!(
        matches!(none.downcast_ref::<Failure>(), Some(Failure::Usage(_))),
        "{none:#}"
    );
    std::fs::remove_file(file).unwrap();
}

#[tokio::test]
async fn another_kind_of_artifact_than_the_jobs_is_said_beside_the_mismatches() {
    let file = std::env::temp_dir().join(format!("kt-verify-kind-{}.csv", std::process::id()));
    std::fs::write(&file, b"a\n").unwrap();
    let job: JobView = serde_json::from_value(serde_json::json!({
        "id": JobId::new().as_str(), "type": "events", "format": "compliance-all",
        "status": "completed", "timezone": "UTC",
        "window_start": "2026-05-01T00:00:00Z", "window_end": "2026-05-02T00:00:00Z",
        "created_at": "2026-05-03T00:00:00Z", "created_by": "u",
        "file_name": "kt_2026-05-01_to_2026-05-01_compliance-all.tar.gz", "progress": 1.0,
        "size_bytes": 160000, "sha256": "ab", "content_type": "application/gzip",
        "actions": [], "retention_days": null,
    }))
    .unwrap();
    let mut a = args(file.clone());
    a.job_id = Some(job.id.clone());
    let r = verify(a, "", |_| async move { Ok(job) }).await.unwrap();
    assert!(!r.is_ok());
    assert_eq!(
        r.notes,
        ["the job is a compliance-all export, and the file was checked as a single file"]
    );
    std::fs::remove_file(file).unwrap();
}

#[tokio::test]
async fn a_truncated_bundle_is_a_failed_check_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kt_x_compliance-all.tar.gz");
    std::fs::write(&file, [0x1f, 0x8b, 0x08, 0x00, 0x00]).unwrap();
    let mut a = args(file.clone());
    a.sha256 = Some("0".repeat(64));
    let r = verify(a, "http://127.0.0.1:9", no_job).await.unwrap();
    let checks: Vec<&str> = r.mismatches.iter().map(|m| m.check.as_str()).collect();
    assert_eq!(checks, ["sha256", "readable tar.gz bundle"], "{r}");
    // A file that is not there is still an error (exit 1), not a verdict.
    let gone = verify(
        args(dir.path().join("gone.tar.gz")),
        "http://127.0.0.1:9",
        no_job,
    )
    .await;
    assert!(gone.is_err());
}

#[tokio::test]
async fn a_chain_folder_with_a_missing_manifest_fails_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let link = |seq: u64, prev: serde_json::Value| {
        serde_json::json!({"kind": "kt-exports/job-manifest", "job": {"tenant_id": "acme"},
            "chain": {"tenant": {"sequence": seq, "previous_manifest_sha256": prev}, "schedule": null}})
    };
    std::fs::write(
        dir.path().join("q1.json"),
        link(1, serde_json::Value::Null).to_string(),
    )
    .unwrap();
    std::fs::write(dir.path().join("q3.json"), link(3, "ab".into()).to_string()).unwrap();
    let mut a = args(dir.path().join("unused"));
    a.file = None;
    a.chain = Some(dir.path().to_path_buf());
    // No key given and no API listening: the links are still checked.
    let r = custody(a, "http://127.0.0.1:9").await.unwrap();
    assert!(!r.is_ok());
    assert_eq!(r.mismatches[0].file, "q3.json");
    assert_eq!(r.mismatches[0].actual, "3 (manifests missing)");
}
