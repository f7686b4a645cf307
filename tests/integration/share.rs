//! Share links and the audit trail on the local stack (DynamoDB and S3 on
//! the emulator): an auditor's plain HTTP client opens the link without a
//! token and gets the job's exact bytes; revoked and expired links are 410;
//! the 51st live link is refused; the trail lists what happened, in order.
use crate::app::{TestApp, spawn_app, unique};
use crate::exports::seed_lake;
use chrono::{TimeDelta, Utc};
use kt_domain::share::{LinkId, ShareLink};
use kt_domain::{JobId, TenantId};
use kt_service::http::PROBLEM_JSON;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const AUDITOR_AGENT: &str = "auditor-browser/1.0";

/// A client with nothing of ours: no token, no cookies, redirects by hand.
fn auditor() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(AUDITOR_AGENT)
        .build()
        .unwrap()
}

async fn completed_job(app: &TestApp, tenant: &str) -> Value {
    seed_lake(app, tenant).await;
    let id = app
        .create(
            tenant,
            json!({"type": "events", "format": "csv", "date_from": "2026-05-01",
                   "date_to": "2026-05-02", "timezone": "Europe/Madrid"}),
        )
        .await;
    let job = app.wait_done(tenant, &id).await;
    assert_eq!(job["status"], "completed", "{job}");
    job
}

async fn share(app: &TestApp, tenant: &str, id: &str, body: Value) -> (u16, Value) {
    let r = app
        .post(tenant, &format!("/v1/export-jobs/{id}/links"), &body)
        .await;
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn assert_gone(url: &str, says: &str) {
    let r = auditor().get(url).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert_eq!(r.headers()["content-type"], PROBLEM_JSON);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains(says),
        "{body} should say {says}"
    );
}

#[tokio::test]
async fn an_auditor_opens_a_share_link_with_plain_http_until_it_is_revoked() {
    let app = spawn_app().await;
    let tenant = unique("share");
    let job = completed_job(&app, &tenant).await;
    let id = job["id"].as_str().unwrap();

    let (status, link) = share(
        &app,
        &tenant,
        id,
        json!({"expires_in_days": 3, "note": "Ana Pérez, external auditor"}),
    )
    .await;
    assert_eq!(status, 201, "{link}");
    let url = link["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/v1/shared/", app.base)),
        "{url}"
    );

    // The auditor: no Authorization header, follows the 303 to S3.
    let opened = auditor().get(url).send().await.unwrap();
    assert_eq!(opened.status(), 303);
    let location = opened.headers()["location"].to_str().unwrap().to_string();
    let bytes = auditor().get(&location).send().await.unwrap();
    assert_eq!(bytes.status(), 200);
    let bytes = bytes.bytes().await.unwrap();
    assert_eq!(
        hex::encode(Sha256::digest(&bytes)),
        job["sha256"].as_str().unwrap()
    );

    // ?redirect=false: the URL as JSON, freshly minted and short-lived.
    let as_json: Value = auditor()
        .get(format!("{url}?redirect=false"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(as_json["sha256"], job["sha256"]);
    let url_expires: chrono::DateTime<Utc> =
        as_json["url_expires_at"].as_str().unwrap().parse().unwrap();
    assert!(url_expires <= Utc::now() + TimeDelta::minutes(5));

    // The list shows the link but never its token.
    let token = url.rsplit('/').next().unwrap();
    let listed = app
        .get(&tenant, &format!("/v1/export-jobs/{id}/links"))
        .await
        .text()
        .await
        .unwrap();
    assert!(listed.contains(link["id"].as_str().unwrap()) && !listed.contains(token));

    // Revoked: 410 from then on.
    let revoke = app
        .http
        .delete(app.url(&format!(
            "/v1/export-jobs/{id}/links/{}",
            link["id"].as_str().unwrap()
        )))
        .bearer_auth(crate::app::token(&tenant, &["exports:write"]))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 200);
    assert_gone(url, "revoked").await;
    assert_gone(
        &format!("{}/v1/shared/{}", app.base, "x".repeat(43)),
        "not valid",
    )
    .await;

    // The trail, in order, with who, from where and with what.
    let trail: Value = app
        .get(&tenant, &format!("/v1/export-jobs/{id}/audit"))
        .await
        .json()
        .await
        .unwrap();
    let entries = trail["entries"].as_array().unwrap();
    let events: Vec<&str> = entries
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "created",
            "completed",
            "link_created",
            "downloaded",
            "downloaded",
            "link_revoked"
        ],
        "{trail}"
    );
    assert_eq!(entries[0]["by"], json!({"kind": "user", "id": "u_test"}));
    assert_eq!(entries[1]["by"]["kind"], "service");
    assert_eq!(entries[1]["until"], job["expires_at"]);
    let used = &entries[3];
    assert_eq!(used["by"], json!({"kind": "link", "id": link["id"]}));
    assert_eq!(used["note"], "Ana Pérez, external auditor");
    assert_eq!(used["source_ip"], "127.0.0.1");
    assert_eq!(used["user_agent"], AUDITOR_AGENT);
    let times: Vec<&str> = entries.iter().map(|e| e["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
}

#[tokio::test]
async fn expired_links_are_gone_and_the_fifty_first_live_link_is_refused() {
    let app = spawn_app().await;
    let tenant = unique("share-limits");
    let job = completed_job(&app, &tenant).await;
    let id = job["id"].as_str().unwrap();

    // Longer than the artifact (7 days by default): 422 naming the field.
    let (status, body) = share(
        &app,
        &tenant,
        id,
        json!({"expires_in_days": 9, "note": "x"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "expires_in_days");

    // A link whose end has passed (written as the API would, with a known token).
    let store = app.stack.job_store();
    let token = "e".repeat(43);
    let now = Utc::now();
    let expired = ShareLink {
        id: LinkId::new(),
        tenant_id: TenantId::parse(&tenant).unwrap(),
        job_id: JobId::parse(id).unwrap(),
        note: "expired".into(),
        created_at: now - TimeDelta::days(2),
        created_by: "u_test".into(),
        expires_at: now - TimeDelta::seconds(1),
        revoked_at: None,
        revoked_by: None,
    };
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    store.create_link(&expired, &hash, 50, now).await.unwrap();
    assert_gone(&format!("{}/v1/shared/{token}", app.base), "expired").await;

    // 50 live links (the expired one does not count), then 422.
    for i in 0..50 {
        let (status, body) = share(
            &app,
            &tenant,
            id,
            json!({"expires_in_days": 1, "note": format!("auditor {i}")}),
        )
        .await;
        assert_eq!(status, 201, "link {i}: {body}");
    }
    let (status, body) = share(&app, &tenant, id, json!({"note": "one too many"})).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("50 live"),
        "{body}"
    );

    // Another tenant asking for the same job: 404.
    let other = unique("share-other");
    let (status, _) = share(&app, &other, id, json!({"note": "x"})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_trail_is_appended_never_rewritten_in_dynamodb() {
    let app = spawn_app().await;
    let store = app.stack.job_store();
    let tenant = TenantId::parse(&unique("trail")).unwrap();
    let job = JobId::new();
    let at = Utc::now();
    use kt_domain::share::{AuditActor, AuditEntry, AuditEvent};
    let entry = AuditEntry::new(at, AuditEvent::Downloaded, AuditActor::User("a".into()));
    // Two entries at the same instant are two entries, neither replaced.
    store.append_audit(&tenant, &job, &entry).await.unwrap();
    let mut second = entry.clone();
    second.by = AuditActor::User("b".into());
    store.append_audit(&tenant, &job, &second).await.unwrap();
    let earlier = AuditEntry::new(
        at - TimeDelta::seconds(5),
        AuditEvent::Created,
        AuditActor::User("a".into()),
    );
    store.append_audit(&tenant, &job, &earlier).await.unwrap();
    let trail = store.audit(&tenant, &job).await.unwrap();
    assert_eq!(trail.len(), 3);
    assert_eq!(trail[0], earlier);
    let mut by: Vec<_> = trail[1..].iter().map(|e| e.by.clone()).collect();
    by.sort_by_key(|b| format!("{b:?}"));
    assert_eq!(
        by,
        [AuditActor::User("a".into()), AuditActor::User("b".into())]
    );
    // Another job's trail is its own.
    assert!(
        store
            .audit(&tenant, &JobId::new())
            .await
            .unwrap()
            .is_empty()
    );
}
