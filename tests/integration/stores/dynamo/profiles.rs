//! Compliance profiles in the jobs table: versions, and the schedule index the scheduler reads.
use super::{at, store, store_and_table, tenant};
use aws_sdk_dynamodb::types::AttributeValue;
use kt_domain::profile::parse_profile;
use kt_store::ProfileStore;

#[tokio::test]
async fn a_put_replaces_the_profile_with_the_next_version() {
    let s = store().await;
    let acme = tenant("acme");
    assert_eq!(s.get_profile(&acme).await.unwrap(), None);
    let first = parse_profile(br#"{"ens": {"category": "MEDIA"}}"#).unwrap();
    let v1 = s
        .put_profile(&acme, &first, at("2026-05-01T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(v1.version, 1);
    let second = parse_profile(br#"{"retention": {"log_days": 400}}"#).unwrap();
    let v2 = s
        .put_profile(&acme, &second, at("2026-05-02T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    let read = s.get_profile(&acme).await.unwrap().unwrap();
    assert_eq!(read, v2);
    assert_eq!(read.profile, second);
    assert_eq!(s.get_profile(&tenant("globex")).await.unwrap(), None);
    // Every version stays readable, as the reports made under it cite it.
    assert_eq!(s.get_profile_version(&acme, 1).await.unwrap(), Some(v1));
    assert_eq!(s.get_profile_version(&acme, 2).await.unwrap(), Some(v2));
    assert_eq!(s.get_profile_version(&acme, 3).await.unwrap(), None);
    assert_eq!(
        s.get_profile_version(&tenant("globex"), 1).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn concurrent_puts_each_get_their_own_version() {
    let s = store().await;
    let acme = tenant("acme");
    let p = parse_profile(b"{}").unwrap();
    let now = at("2026-05-01T10:00:00Z");
    let (a, b, c, d) = tokio::join!(
        s.put_profile(&acme, &p, now),
        s.put_profile(&acme, &p, now),
        s.put_profile(&acme, &p, now),
        s.put_profile(&acme, &p, now),
    );
    let mut versions: Vec<u64> = [a, b, c, d]
        .into_iter()
        .map(|r| r.unwrap().version)
        .collect();
    versions.sort();
    assert_eq!(versions, [1, 2, 3, 4]);
}

#[tokio::test]
async fn enabled_schedules_follow_the_profiles() {
    let s = store().await;
    let on =
        parse_profile(br#"{"schedule": {"enabled": true, "timezone": "Europe/Madrid"}}"#).unwrap();
    let off = parse_profile(br#"{"schedule": {"enabled": false}}"#).unwrap();
    s.put_profile(&tenant("acme"), &on, at("2026-05-01T10:00:00Z"))
        .await
        .unwrap();
    s.put_profile(&tenant("globex"), &on, at("2026-05-01T10:00:00Z"))
        .await
        .unwrap();
    s.put_profile(&tenant("initech"), &off, at("2026-05-01T10:00:00Z"))
        .await
        .unwrap();
    let tenants = |list: Vec<kt_store::TenantSchedule>| {
        list.into_iter()
            .map(|t| t.tenant.to_string())
            .collect::<Vec<_>>()
    };
    let listed = s.enabled_schedules().await.unwrap();
    assert_eq!(
        listed[0].schedule.timezone.as_deref(),
        Some("Europe/Madrid")
    );
    assert_eq!(tenants(listed), ["acme", "globex"]);
    // Disabling removes the tenant from the index; the profile stays.
    s.put_profile(&tenant("globex"), &off, at("2026-05-02T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(tenants(s.enabled_schedules().await.unwrap()), ["acme"]);
    assert_eq!(
        s.get_profile(&tenant("globex"))
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );
}

/// A profile written before versions were kept has no history item; the
/// next put keeps the version it replaces, so a report citing it can still
/// read it back (before: a 404, "never had version 1").
#[tokio::test]
async fn a_profile_from_before_the_history_keeps_its_version_when_replaced() {
    let (s, client, table) = store_and_table().await;
    let acme = tenant("acme");
    let first = parse_profile(br#"{"ens": {"category": "MEDIA"}}"#).unwrap();
    let v1 = s
        .put_profile(&acme, &first, at("2026-05-01T10:00:00Z"))
        .await
        .unwrap();
    // As a profile written before versions were kept: no history item.
    client
        .delete_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("TENANT#acme".into()))
        .key("sk", AttributeValue::S(format!("PROFILE#v{:020}", 1)))
        .condition_expression("attribute_exists(pk)")
        .send()
        .await
        .unwrap();
    assert_eq!(
        s.get_profile_version(&acme, 1).await.unwrap(),
        Some(v1.clone()),
        "the current one"
    );
    let second = parse_profile(br#"{"ens": {"category": "ALTA"}}"#).unwrap();
    s.put_profile(&acme, &second, at("2026-05-02T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(s.get_profile_version(&acme, 1).await.unwrap(), Some(v1));
}
