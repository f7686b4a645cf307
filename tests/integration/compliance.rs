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

fn schema_errors(schema: &str, doc: &Value) -> Vec<String> {
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
