use super::*;
use crate::{ExportFormat, ExportType};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn job(status: JobStatus, expires_at: Option<&str>) -> Job {
    let created = t("2026-05-01T00:00:00Z");
    Job {
        id: JobId::new(),
        tenant_id: TenantId::parse("acme").unwrap(),
        export_type: ExportType::Events,
        format: ExportFormat::Csv,
        status,
        timezone: "UTC".into(),
        window_start: created,
        window_end: created,
        label: None,
        expires_in_days: 7,
        created_at: created,
        created_by: "u_1".into(),
        started_at: None,
        completed_at: None,
        expires_at: expires_at.map(t),
        file_name: "f.csv".into(),
        event_count: None,
        progress: 0.0,
        size_bytes: None,
        sha256: None,
        content_type: "text/csv".into(),
        stats: None,
        error: None,
        artifact_key: None,
        lease_until: None,
        attempts: 1,
        request_hash: None,
        origin: None,
        requeues: 0,
        requeued_at: None,
        retention_days: None,
        retained_until: None,
    }
}

#[test]
fn a_link_ends_with_the_artifact_when_that_comes_first() {
    let j = job(JobStatus::Completed, Some("2026-05-08T12:00:00Z"));
    let now = t("2026-05-01T12:00:00Z");
    assert_eq!(link_expiry(&j, now, 3).unwrap(), t("2026-05-04T12:00:00Z"));
    // 7 days exactly fit; the artifact ends at the same instant.
    assert_eq!(link_expiry(&j, now, 7).unwrap(), t("2026-05-08T12:00:00Z"));
    // Half a day left rounds up to one day, which ends with the artifact.
    let late = t("2026-05-08T00:00:00Z");
    assert_eq!(max_link_days(&j, late), Ok(1));
    assert_eq!(link_expiry(&j, late, 1).unwrap(), t("2026-05-08T12:00:00Z"));
    assert_eq!(
        link_expiry(&j, now, 8),
        Err(ShareRefusal::TooLong {
            max_days: 7,
            until: "2026-05-08T12:00:00Z".into()
        })
    );
}

#[test]
fn only_a_completed_job_with_its_artifact_can_be_shared() {
    let now = t("2026-05-01T12:00:00Z");
    for status in [
        JobStatus::Queued,
        JobStatus::Processing,
        JobStatus::Failed,
        JobStatus::Canceled,
    ] {
        assert!(matches!(
            max_link_days(&job(status, None), now),
            Err(ShareRefusal::NotCompleted(_))
        ));
    }
    let expired = job(JobStatus::Completed, Some("2026-05-01T11:00:00Z"));
    assert_eq!(
        max_link_days(&expired, now),
        Err(ShareRefusal::ArtifactGone("2026-05-01T11:00:00Z".into()))
    );
    assert_eq!(
        expired.artifact_available_until(),
        Some(t("2026-05-01T11:00:00Z"))
    );
    assert_eq!(
        job(JobStatus::Failed, None).artifact_available_until(),
        None
    );
}

#[test]
fn link_status_prefers_revoked_over_expired() {
    let now = t("2026-05-05T00:00:00Z");
    let mut link = ShareLink {
        id: LinkId::new(),
        tenant_id: TenantId::parse("acme").unwrap(),
        job_id: JobId::new(),
        note: "auditor".into(),
        created_at: t("2026-05-01T00:00:00Z"),
        created_by: "u_1".into(),
        expires_at: t("2026-05-06T00:00:00Z"),
        revoked_at: None,
        revoked_by: None,
    };
    assert_eq!(link.status_at(now), LinkStatus::Active);
    assert_eq!(
        link.status_at(t("2026-05-06T00:00:00Z")),
        LinkStatus::Expired
    );
    link.revoked_at = Some(now);
    assert_eq!(
        link.status_at(t("2026-05-07T00:00:00Z")),
        LinkStatus::Revoked
    );
    let view = serde_json::to_value(link.view_at(now)).unwrap();
    assert_eq!(view["status"], "revoked");
    assert!(view.get("token").is_none() && view.get("token_sha256").is_none());
}

#[test]
fn link_ids_round_trip_and_reject_other_ids() {
    let id = LinkId::new();
    assert_eq!(LinkId::parse(id.as_str()), Some(id));
    assert_eq!(LinkId::parse("job_01jt9x4q7w8e3r5t6y7u8i9o0p"), None);
    assert_eq!(LinkId::parse("lnk_nope"), None);
}

#[test]
fn the_trail_gains_expired_once_the_artifact_end_passed() {
    let mut done = AuditEntry::new(
        t("2026-05-01T00:01:00Z"),
        AuditEvent::Completed,
        AuditActor::Service("worker".into()),
    );
    done.until = Some(t("2026-05-08T00:01:00Z"));
    let created = AuditEntry::new(
        t("2026-05-01T00:00:00Z"),
        AuditEvent::Created,
        AuditActor::User("u_1".into()),
    );
    let stored = vec![done.clone(), created.clone()];
    let before = audit_trail_at(stored.clone(), t("2026-05-08T00:00:00Z"));
    assert_eq!(before, vec![created.clone(), done.clone()]);
    let after = audit_trail_at(stored, t("2026-05-09T00:00:00Z"));
    let events: Vec<AuditEvent> = after.iter().map(|e| e.event).collect();
    assert_eq!(
        events,
        [
            AuditEvent::Created,
            AuditEvent::Completed,
            AuditEvent::Expired
        ]
    );
    assert_eq!(after[2].at, t("2026-05-08T00:01:00Z"));
    let json = serde_json::to_value(&after[0]).unwrap();
    assert_eq!(json["by"], serde_json::json!({"kind": "user", "id": "u_1"}));
    assert_eq!(json["event"], "created");
}

#[test]
fn user_agents_are_cut_to_a_bounded_length() {
    let e = AuditEntry::new(
        t("2026-05-01T00:00:00Z"),
        AuditEvent::Downloaded,
        AuditActor::User("u".into()),
    )
    .from_client(Some("203.0.113.9".into()), Some(&"x".repeat(2000)));
    assert_eq!(e.user_agent.unwrap().len(), MAX_USER_AGENT_CHARS);
    assert_eq!(e.source_ip.as_deref(), Some("203.0.113.9"));
}

#[test]
fn a_failed_job_gets_a_failed_entry_with_its_reason_and_others_none() {
    let mut failed = job(JobStatus::Failed, None);
    failed.completed_at = Some(t("2026-06-01T10:00:00Z"));
    failed.error = Some(JobError {
        code: "source_unreadable".into(),
        message: "The events bucket could not be read.".into(),
    });
    let entry = AuditEntry::failed(&failed, "sweeper").unwrap();
    assert_eq!(entry.event, AuditEvent::Failed);
    assert_eq!(entry.at, t("2026-06-01T10:00:00Z"));
    assert_eq!(entry.by, AuditActor::Service("sweeper".into()));
    assert_eq!(entry.error, failed.error);
    let json = serde_json::to_value(&entry).unwrap();
    assert_eq!(json["event"], "failed");
    assert_eq!(json["error"]["code"], "source_unreadable");
    assert!(AuditEntry::failed(&job(JobStatus::Completed, None), "worker").is_none());
    // Other entries carry no error member.
    let created = AuditEntry::new(entry.at, AuditEvent::Created, AuditActor::User("u".into()));
    assert!(
        serde_json::to_value(&created)
            .unwrap()
            .get("error")
            .is_none()
    );
}
