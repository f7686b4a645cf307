//! End to end: events the test writes to the lake -> job -> worker -> download,
//! compared with what the test itself expects (window, order, each id once).
use crate::app::{TestApp, spawn_app, unique};
use serde_json::{Value, json, value::RawValue};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// An event line with the required fields, plus `extra` fields.
fn event(tenant: &str, id: &str, ts: &str, extra: Value) -> String {
    let mut e =
        json!({"event_id": id, "ts": ts, "tenant_id": tenant, "event_type": "gateway.request"});
    for (k, v) in extra.as_object().unwrap() {
        e[k] = v.clone();
    }
    e.to_string()
}

/// The lake of one tenant for the window 2026-05-01..2026-05-02 in
/// Europe/Madrid, i.e. [2026-04-30T22:00Z, 2026-05-02T22:00Z); returns the
/// lines by event id of every event that belongs in the export.
pub(crate) async fn seed_lake(app: &TestApp, tenant: &str) -> BTreeMap<String, String> {
    let p = |dt: &str, hour: &str, name: &str| {
        format!("events/tenant={tenant}/dt={dt}/hour={hour}/{name}")
    };
    let e1 = event(
        tenant,
        "e1",
        "2026-04-30T22:00:00.000Z",
        json!({"decision": "allow"}),
    );
    let e2 = event(
        tenant,
        "e2",
        "2026-04-30T22:10:00.000Z",
        json!({"request_id": "r2"}),
    );
    let e3 = event(
        tenant,
        "e3",
        "2026-04-30T22:30:00.000Z",
        json!({"risk_level": "high"}),
    );
    let e4 = event(
        tenant,
        "e4",
        "2026-04-30T22:10:00.000Z",
        json!({"policy_ids": ["a", "b"]}),
    );
    let e5 = event(
        tenant,
        "e5",
        "2026-05-01T12:00:00.500Z",
        json!({"actor": {"user_id": "u1", "app": "=HYPERLINK(\"http://x\")", "ip": "198.51.100.1"},
               "data_categories": ["email", "iban"], "tokens": {"input": 3, "output": 4},
               "latency_ms": 12, "x_unknown": {"nested": [1, 2]}}),
    );
    let e6 = event(tenant, "e6", "2026-05-02T21:59:59.999Z", json!({}));
    let before = event(tenant, "out1", "2026-04-30T21:59:59.999Z", json!({}));
    let after = event(tenant, "out2", "2026-05-02T22:00:00.000Z", json!({}));
    let wrong_hour = event(tenant, "bad-hour", "2026-04-30T23:10:00.000Z", json!({}));
    let no_type =
        json!({"event_id": "bad-type", "ts": "2026-04-30T22:40:00.000Z", "tenant_id": tenant})
            .to_string();

    app.put_lake_object(&p("2026-04-30", "21", "a.ndjson.gz"), &[before], 1)
        .await;
    app.put_lake_object(
        &p("2026-04-30", "22", "a.ndjson.gz"),
        &[
            e1.clone(),
            e3.clone(),
            e2.clone(),
            "not json".into(),
            wrong_hour,
        ],
        2,
    )
    .await;
    app.put_lake_object(
        &p("2026-04-30", "22", "b.ndjson"),
        &[e2.clone(), e4.clone(), no_type],
        0,
    )
    .await;
    app.put_lake_object(
        &p("2026-05-01", "12", "c.ndjson.gz"),
        std::slice::from_ref(&e5),
        1,
    )
    .await;
    app.put_lake_object(&p("2026-05-01", "12", "readme.txt"), &["hello".into()], 0)
        .await;
    app.put_lake_object(
        &p("2026-05-02", "21", "d.ndjson.gz"),
        std::slice::from_ref(&e6),
        1,
    )
    .await;
    app.put_lake_object(&p("2026-05-02", "22", "d.ndjson.gz"), &[after], 1)
        .await;
    // Another tenant's events in the same window never leak in.
    let other = "zz-other-tenant";
    app.put_lake_object(
        &format!("events/tenant={other}/dt=2026-05-01/hour=12/o.ndjson.gz"),
        &[event(
            other,
            "foreign",
            "2026-05-01T12:00:00.000Z",
            json!({}),
        )],
        1,
    )
    .await;
    [
        ("e1", e1),
        ("e2", e2),
        ("e3", e3),
        ("e4", e4),
        ("e5", e5),
        ("e6", e6),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

const EXPECTED_ORDER: [&str; 6] = ["e1", "e2", "e4", "e3", "e5", "e6"];

fn request(format: &str) -> Value {
    json!({"type": "events", "format": format, "date_from": "2026-05-01",
           "date_to": "2026-05-02", "timezone": "Europe/Madrid"})
}

fn assert_completed_job(job: &Value, body: &[u8], file_name: &str) {
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["window_start"], "2026-04-30T22:00:00Z");
    assert_eq!(job["window_end"], "2026-05-02T22:00:00Z");
    assert_eq!(job["file_name"], file_name);
    assert_eq!(job["event_count"], 6);
    assert_eq!(job["progress"], 1.0);
    assert_eq!(job["size_bytes"], body.len());
    assert_eq!(job["sha256"], hex::encode(Sha256::digest(body)));
    assert_eq!(job["actions"], json!(["download"]));
    let stats = &job["stats"];
    assert_eq!(stats["rejected_lines"], 3, "{stats}");
    assert_eq!(stats["duplicates_removed"], 1, "{stats}");
    assert_eq!(stats["lines_read"], 10, "{stats}");
    assert_eq!(stats["objects_read"], 4, "{stats}");
    let samples = stats["rejected_samples"].as_array().unwrap();
    assert_eq!(samples.len(), 3);
    assert!(samples.iter().any(|s| {
        s["object"]
            .as_str()
            .unwrap()
            .ends_with("/hour=22/a.ndjson.gz")
            && s["line"] == 4
    }));
    assert!(
        samples.iter().any(
            |s| s["object"].as_str().unwrap().ends_with("/hour=22/b.ndjson") && s["line"] == 3
        )
    );
    assert!(job["expires_at"].as_str().is_some());
}

#[tokio::test]
async fn csv_export_holds_exactly_the_window_in_order_each_event_once() {
    let app = spawn_app().await;
    let tenant = unique("acme");
    seed_lake(&app, &tenant).await;

    let id = app.create(&tenant, request("csv")).await;
    let job = app.wait_done(&tenant, &id).await;
    let (disposition, body) = app.download(&tenant, &id).await;

    assert_completed_job(&job, &body, "kt_2026-05-01_to_2026-05-02.csv");
    assert_eq!(
        disposition,
        "attachment; filename=\"kt_2026-05-01_to_2026-05-02.csv\""
    );
    let mut reader = csv::Reader::from_reader(body.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[..4], ["event_id", "ts", "tenant_id", "event_type"]);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(ids, EXPECTED_ORDER);
    let e5 = &rows[4];
    assert_eq!(
        &e5[col("actor_app")],
        "'=HYPERLINK(\"http://x\")",
        "formula neutralised"
    );
    assert_eq!(&e5[col("data_categories")], "email;iban");
    assert_eq!(&e5[col("tokens_input")], "3");
    assert_eq!(&e5[col("latency_ms")], "12");
    assert_eq!(&rows[2][col("policy_ids")], "a;b");
}

#[tokio::test]
async fn json_export_keeps_the_producers_events_byte_for_byte() {
    let app = spawn_app().await;
    let tenant = unique("acme");
    let lines = seed_lake(&app, &tenant).await;

    let id = app.create(&tenant, request("json")).await;
    let job = app.wait_done(&tenant, &id).await;
    let (_, body) = app.download(&tenant, &id).await;

    assert_completed_job(&job, &body, "kt_2026-05-01_to_2026-05-02.json");
    #[derive(serde::Deserialize)]
    struct Doc<'a> {
        #[serde(borrow)]
        events: Vec<&'a RawValue>,
        export: Value,
    }
    let doc: Doc = serde_json::from_slice(&body).unwrap();
    let got: Vec<&str> = doc.events.iter().map(|e| e.get()).collect();
    let want: Vec<&str> = EXPECTED_ORDER
        .iter()
        .map(|id| lines[*id].as_str())
        .collect();
    assert_eq!(got, want);
    assert_eq!(doc.export["tenant_id"], tenant.as_str());
}

#[tokio::test]
async fn a_second_tenant_sees_none_of_the_first_tenants_jobs() {
    let app = spawn_app().await;
    let (first, second) = (unique("acme"), unique("globex"));
    seed_lake(&app, &first).await;
    let id = app.create(&first, request("csv")).await;
    app.wait_done(&first, &id).await;

    let list: Value = app
        .get(&second, "/v1/export-jobs")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["jobs"], json!([]));
    for path in [
        format!("/v1/export-jobs/{id}"),
        format!("/v1/export-jobs/{id}/download"),
    ] {
        assert_eq!(app.get(&second, &path).await.status(), 404, "{path}");
    }
    let cancel = app
        .post(&second, &format!("/v1/export-jobs/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(cancel.status(), 404);
    let own: Value = app
        .get(&first, "/v1/export-jobs")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["jobs"][0]["id"], id.as_str());
}

/// Twenty-five lines whose bad values are 25 KB each: counted as rejected,
/// and the job completes. Each sample's reason used to quote the whole
/// value, the job record passed DynamoDB's 400 KB item limit when it was
/// sealed, and the job failed as `manifest_not_signed` for lines it only
/// meant to count.
#[tokio::test]
async fn lines_with_huge_bad_values_are_counted_and_the_job_completes() {
    let app = spawn_app().await;
    let tenant = unique("acme");
    let mut lines: Vec<String> = (0..5)
        .map(|i| {
            event(
                &tenant,
                &format!("ok{i}"),
                &format!("2026-05-01T12:0{i}:00.000Z"),
                json!({}),
            )
        })
        .collect();
    let huge = "x".repeat(25_000);
    lines.extend((0..25).map(|i| {
        event(
            &tenant,
            &format!("bad{i}"),
            "2026-05-01T12:30:00.000Z",
            json!({"tokens": {"input": huge, "output": 1}}),
        )
    }));
    app.put_lake_object(
        &format!("events/tenant={tenant}/dt=2026-05-01/hour=12/big.ndjson.gz"),
        &lines,
        1,
    )
    .await;
    let id = app
        .create(
            &tenant,
            json!({"type": "events", "format": "csv", "date_from": "2026-05-01",
                   "date_to": "2026-05-01"}),
        )
        .await;
    let job = app.wait_done(&tenant, &id).await;
    assert_eq!(job["status"], "completed", "{}", job["error"]);
    assert_eq!(job["event_count"], 5);
    assert_eq!(job["stats"]["rejected_lines"], 25);
    let samples = job["stats"]["rejected_samples"].as_array().unwrap();
    assert_eq!(samples.len(), 20);
    for s in samples {
        let reason = s["reason"].as_str().unwrap();
        assert!(
            reason.len() <= kt_domain::MAX_REJECTED_REASON_BYTES,
            "{reason}"
        );
    }
}
