//! compliance-all through the API: the bundle extracts with plain `tar`,
//! passes `sha256sum -c`, its reports validate against the published
//! schemas, and a second job over the same window yields identical reports.
use crate::app::{TestApp, spawn_app, unique};
use crate::exports::seed_lake;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const REPORTS: [&str; 3] = [
    "compliance-aesia.json",
    "compliance-aepd.json",
    "compliance-ens.json",
];

async fn bundle_job(app: &TestApp, tenant: &str) -> (Value, Vec<u8>) {
    let body = json!({"type": "events", "format": "compliance-all", "date_from": "2026-05-01",
                      "date_to": "2026-05-02", "timezone": "Europe/Madrid"});
    let id = app.create(tenant, body).await;
    let job = app.wait_done(tenant, &id).await;
    assert_eq!(job["status"], "completed", "{job}");
    let (disposition, bytes) = app.download(tenant, &id).await;
    assert_eq!(
        disposition,
        "attachment; filename=\"kt_2026-05-01_to_2026-05-02_compliance-all.tar.gz\""
    );
    (job, bytes)
}

fn extract(bytes: &[u8], dir: &Path) {
    let archive = dir.join("bundle.tar.gz");
    std::fs::write(&archive, bytes).unwrap();
    let tar = Command::new("tar")
        .arg("xzf")
        .arg(&archive)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(tar.success(), "tar xzf");
    std::fs::remove_file(&archive).unwrap();
    let sums = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        sums.status.success(),
        "sha256sum -c: {}",
        String::from_utf8_lossy(&sums.stdout)
    );
}

fn read_json(dir: &Path, name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap()
}

pub(crate) fn schema_errors(schema: &str, doc: &Value) -> Vec<String> {
    let path = kt_integration_tests::repo_root()
        .join("schemas")
        .join(schema);
    let schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[tokio::test]
async fn a_compliance_bundle_is_checkable_with_plain_tools_and_reproducible() {
    let app = spawn_app().await;
    let tenant = unique("acme");
    seed_lake(&app, &tenant).await;

    let (job, bytes) = bundle_job(&app, &tenant).await;
    let first = tempfile::tempdir().unwrap();
    extract(&bytes, first.path());
    let manifest = read_json(first.path(), "manifest.json");
    assert!(schema_errors("manifest.schema.json", &manifest).is_empty());
    assert_eq!(manifest["job"]["id"], job["id"]);
    assert_eq!(manifest["job"]["event_count"], 6);
    assert_eq!(manifest["job"]["duplicates_removed"], 1);
    assert_eq!(manifest["job"]["rejected_lines"], 3);
    for report in REPORTS {
        let doc = read_json(first.path(), report);
        let schema = report.replace(".json", ".schema.json");
        let errors = schema_errors(&schema, &doc);
        assert!(errors.is_empty(), "{report}: {errors:#?}");
        assert_eq!(doc["report"]["source"]["event_count"], 6, "{report}");
        assert_eq!(doc["report"]["tenant_id"], tenant.as_str());
    }

    let (_, again) = bundle_job(&app, &tenant).await;
    let second = tempfile::tempdir().unwrap();
    extract(&again, second.path());
    for report in REPORTS {
        let mut a = read_json(first.path(), report);
        let mut b = read_json(second.path(), report);
        // What names the job and when it ran differs between two jobs; the rest may not.
        for doc in [&mut a, &mut b] {
            doc["report"]["generated_at"] = Value::Null;
            doc["report"]["provenance"]["job"]["id"] = Value::Null;
            doc["report"]["provenance"]["reading"]["listing_cutoff"] = Value::Null;
        }
        assert_eq!(
            a, b,
            "{report} differs between two jobs over the same window"
        );
    }
}

async fn report_job(app: &TestApp, tenant: &str, format: &str) -> (Value, Vec<u8>) {
    let body = json!({"type": "events", "format": format, "date_from": "2026-05-01",
                      "date_to": "2026-05-02", "timezone": "Europe/Madrid"});
    let id = app.create(tenant, body).await;
    let job = app.wait_done(tenant, &id).await;
    assert_eq!(job["status"], "completed", "{job}");
    let (_, bytes) = app.download(tenant, &id).await;
    (job, bytes)
}

async fn problem(resp: reqwest::Response, status: u16) -> Value {
    assert_eq!(resp.status().as_u16(), status);
    assert_eq!(
        resp.headers()[reqwest::header::CONTENT_TYPE],
        "application/problem+json"
    );
    resp.json().await.unwrap()
}

#[tokio::test]
async fn a_compliance_report_job_renders_as_html_in_spanish_or_english() {
    let app = spawn_app().await;
    let tenant = unique("acme");
    seed_lake(&app, &tenant).await;
    let (job, json_bytes) = report_job(&app, &tenant, "compliance-ens").await;
    let id = job["id"].as_str().unwrap();
    let report: Value = serde_json::from_slice(&json_bytes).unwrap();
    let path = format!("/v1/export-jobs/{id}/report.html");

    // The default is Spanish; the same page as the engine renders from the
    // downloaded JSON, with the artifact's hash.
    for (query, lang) in [("", "es"), ("?lang=es", "es"), ("?lang=en", "en")] {
        let resp = app.get(&tenant, &format!("{path}{query}")).await;
        assert_eq!(resp.status().as_u16(), 200, "{query}");
        let h = resp.headers().clone();
        assert_eq!(h[reqwest::header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(h[reqwest::header::CONTENT_LANGUAGE], lang);
        assert!(
            h[reqwest::header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .starts_with("default-src 'none'")
        );
        let html = resp.text().await.unwrap();
        let want = kt_engine::formats::reports::html::render(
            &report,
            kt_engine::formats::reports::html::Lang::parse(lang).unwrap(),
            &[(
                job["file_name"].as_str().unwrap().to_string(),
                job["sha256"].as_str().unwrap().to_string(),
            )],
        );
        assert_eq!(html, want, "{query}");
        assert!(html.starts_with(&format!("<!DOCTYPE html>\n<html lang=\"{lang}\">")));
        assert!(html.contains(job["sha256"].as_str().unwrap()));
        assert!(html.contains(report["report"]["report_id"].as_str().unwrap()));
    }

    // Each rendering is in the job's audit trail, as the download (above) is.
    let trail: Value = app
        .get(&tenant, &format!("/v1/export-jobs/{id}/audit"))
        .await
        .json()
        .await
        .unwrap();
    let downloads = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "downloaded")
        .count();
    assert_eq!(downloads, 4, "{trail}");

    // A language we do not render is a 400 naming the parameter.
    let p = problem(app.get(&tenant, &format!("{path}?lang=fr")).await, 400).await;
    assert_eq!(p["errors"][0]["field"], "lang", "{p}");
    // Another tenant's job is not found.
    let other = unique("other");
    problem(app.get(&other, &path).await, 404).await;

    // A csv job has no HTML rendering.
    let (csv, _) = report_job(&app, &tenant, "csv").await;
    let p = problem(
        app.get(
            &tenant,
            &format!(
                "/v1/export-jobs/{}/report.html",
                csv["id"].as_str().unwrap()
            ),
        )
        .await,
        409,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("no HTML rendering"),
        "{p}"
    );
}
