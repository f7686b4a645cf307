//! `kt export run`'s engine entry point reproduces a job's reports: an auditor
//! with a synced copy of the lake, the deployment's pseudonym key, the tenant's
//! profile and the job's values writes the same bytes the worker wrote.
use crate::app::{TestApp, spawn_app, token, unique};
use crate::exports::seed_lake;
use chrono::{DateTime, Utc};
use kt_domain::profile::parse_profile_view;
use kt_domain::{ExportFormat, JobId, TenantId, Window};
use kt_engine::local_dir::{OfflineJob, export_dir_as};
use kt_engine::{EngineOptions, ReportInputs};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const LABEL: &str = "Q2 audit";

/// `aws s3 sync s3://events/events/tenant=T/ DIR/events/tenant=T/`, by hand.
async fn sync_lake(app: &TestApp, tenant: &str, dir: &Path) {
    let s3 = &app.stack.clients.s3;
    let bucket = &app.stack.config.resources.events_bucket;
    let listed = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix(format!("events/tenant={tenant}/"))
        .send()
        .await
        .unwrap();
    assert!(listed.is_truncated() != Some(true));
    for object in listed.contents() {
        let key = object.key().unwrap();
        let body = s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        let bytes = body.body.collect().await.unwrap().into_bytes();
        let path = dir.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

async fn job(app: &TestApp, tenant: &str, format: &str) -> (Value, Vec<u8>) {
    let body = json!({"type": "events", "format": format, "date_from": "2026-05-01",
                      "date_to": "2026-05-02", "timezone": "Europe/Madrid", "label": LABEL});
    let id = app.create(tenant, body).await;
    let job = app.wait_done(tenant, &id).await;
    assert_eq!(job["status"], "completed", "{job}");
    let (_, bytes) = app.download(tenant, &id).await;
    (job, bytes)
}

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// Runs the offline export with the job's values, as `kt export run` does.
async fn offline(
    app: &TestApp,
    tenant: &str,
    lake: &Path,
    job: &Value,
    report: &Value,
    profile: &[u8],
    out: &Path,
) -> Vec<u8> {
    let tenant = TenantId::parse(tenant).unwrap();
    let window = Window {
        start: instant(&job["window_start"]),
        end: instant(&job["window_end"]),
        timezone: chrono_tz::Europe::Madrid,
    };
    let format = ExportFormat::parse(job["format"].as_str().unwrap()).unwrap();
    let offline_job = OfflineJob {
        file_name: None,
        job_id: Some(JobId::parse(job["id"].as_str().unwrap()).unwrap()),
        generated_at: Some(instant(&report["generated_at"])),
        requested_by: Some("u_test".into()),
        listed_at: Some(instant(&report["provenance"]["reading"]["listing_cutoff"])),
        report: ReportInputs {
            label: Some(LABEL.into()),
            profile: parse_profile_view(profile).unwrap(),
        },
        s3_etags: true,
    };
    let key = app.stack.config.pseudonym_key.clone().unwrap();
    let options = EngineOptions::default();
    export_dir_as(
        lake,
        &tenant,
        &window,
        format,
        out,
        &key,
        &options,
        &offline_job,
    )
    .await
    .unwrap();
    std::fs::read(out).unwrap()
}

fn untar(bytes: &[u8], dir: &Path) {
    let archive = dir.join("bundle.tar.gz");
    std::fs::write(&archive, bytes).unwrap();
    let tar = Command::new("tar")
        .arg("xzf")
        .arg(&archive)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(tar.success(), "tar xzf");
}

#[tokio::test]
async fn an_offline_export_of_a_synced_lake_rewrites_the_jobs_reports_byte_for_byte() {
    let app = spawn_app().await;
    let tenant = unique("audit");
    seed_lake(&app, &tenant).await;
    let profile = r#"{"ens": {"category": "MEDIA"}, "providers": [{"provider": "openai",
        "regions": ["us-east-1"], "transfer_basis": "DPF", "dpa_ref": "DPA-1"}]}"#;
    let put = app
        .http
        .put(app.url("/v1/compliance-profile"))
        .bearer_auth(token(&tenant, &["exports:read", "exports:write"]))
        .header("content-type", "application/json")
        .body(profile)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let saved_profile = app
        .get(&tenant, "/v1/compliance-profile")
        .await
        .bytes()
        .await
        .unwrap();
    let lake = tempfile::tempdir().unwrap();
    sync_lake(&app, &tenant, lake.path()).await;
    let out = tempfile::tempdir().unwrap();

    for format in ["compliance-aesia", "compliance-ens"] {
        let (job, served) = job(&app, &tenant, format).await;
        let report: Value = serde_json::from_slice(&served).unwrap();
        assert_eq!(
            report["report"]["profile"]["version"], 1,
            "{format} cites the profile"
        );
        let path = out.path().join(format!("{format}.json"));
        let rewritten = offline(
            &app,
            &tenant,
            lake.path(),
            &job,
            &report["report"],
            &saved_profile,
            &path,
        )
        .await;
        assert!(
            rewritten == served,
            "{format}: the offline report differs from the job's:\n{}\n---\n{}",
            String::from_utf8_lossy(&rewritten),
            String::from_utf8_lossy(&served)
        );
    }

    // The bundle: its three reports are the job's; only the signature differs.
    let (job, served) = job(&app, &tenant, "compliance-all").await;
    let (from_job, from_lake) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    untar(&served, from_job.path());
    let first: Value = serde_json::from_slice(
        &std::fs::read(from_job.path().join("compliance-aesia.json")).unwrap(),
    )
    .unwrap();
    let path = out.path().join("bundle.tar.gz");
    let rewritten = offline(
        &app,
        &tenant,
        lake.path(),
        &job,
        &first["report"],
        &saved_profile,
        &path,
    )
    .await;
    untar(&rewritten, from_lake.path());
    for name in [
        "compliance-aesia.json",
        "compliance-aepd.json",
        "compliance-ens.json",
    ] {
        let a = std::fs::read(from_job.path().join(name)).unwrap();
        let b = std::fs::read(from_lake.path().join(name)).unwrap();
        assert!(
            a == b,
            "{name} differs between the job's bundle and the offline one"
        );
    }
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(from_lake.path().join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["job"]["id"], job["id"]);
    assert!(
        !from_lake.path().join("manifest.sig").exists(),
        "offline bundles are unsigned"
    );
}
