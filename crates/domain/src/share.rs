//! Share links for auditors and each job's audit trail (issue 9, items 4-5).
//!
//! A link names a job and lives until it expires or is revoked, never past the
//! job's artifact ([`Job::artifact_available_until`]). The audit trail is a
//! list of [`AuditEntry`]s that are only ever appended.
use super::{Job, JobError, JobId, JobStatus, TenantId};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Live (neither expired nor revoked) links a job may have at once.
pub const MAX_LIVE_LINKS: usize = 50;
/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 200;
/// The longest user agent kept in the trail, in characters (the rest is cut).
pub const MAX_USER_AGENT_CHARS: usize = 512;

/// A share link's id: `lnk_` + a lowercase ULID. Not a secret: the token is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LinkId(String);

impl LinkId {
    pub fn new() -> Self {
        Self(format!(
            "lnk_{}",
            ulid::Ulid::new().to_string().to_ascii_lowercase()
        ))
    }
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s.strip_prefix("lnk_")?;
        (rest.len() == 26 && ulid::Ulid::from_string(&rest.to_ascii_uppercase()).is_ok())
            .then(|| Self(s.to_ascii_lowercase()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for LinkId {
    fn default() -> Self {
        Self::new()
    }
}
impl TryFrom<String> for LinkId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("not a link id: {s:?}"))
    }
}
impl From<LinkId> for String {
    fn from(l: LinkId) -> String {
        l.0
    }
}
impl fmt::Display for LinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored share link. The token itself is never stored (only its hash,
/// kept by the store beside the link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareLink {
    pub id: LinkId,
    pub tenant_id: TenantId,
    pub job_id: JobId,
    /// Who the link is for, in the sender's words.
    pub note: String,
    pub created_at: DateTime<Utc>,
    /// The `sub` of the token that created it.
    pub created_by: String,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    Active,
    Expired,
    Revoked,
}

impl ShareLink {
    /// Revoked wins over expired: the sender's act is what a reader should see.
    pub fn status_at(&self, now: DateTime<Utc>) -> LinkStatus {
        if self.revoked_at.is_some() {
            LinkStatus::Revoked
        } else if self.expires_at <= now {
            LinkStatus::Expired
        } else {
            LinkStatus::Active
        }
    }

    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.status_at(now) == LinkStatus::Active
    }

    pub fn view_at(&self, now: DateTime<Utc>) -> ShareLinkView {
        ShareLinkView {
            id: self.id.clone(),
            job_id: self.job_id.clone(),
            note: self.note.clone(),
            status: self.status_at(now),
            created_at: self.created_at,
            created_by: self.created_by.clone(),
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
            revoked_by: self.revoked_by.clone(),
        }
    }
}

/// A link as `GET .../links` shows it: never the token or its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareLinkView {
    pub id: LinkId,
    pub job_id: JobId,
    pub note: String,
    pub status: LinkStatus,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

/// Why a job cannot be shared (or a link not made as asked).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareRefusal {
    #[error("the job is {0}; only completed jobs can be shared")]
    NotCompleted(&'static str),
    #[error("the export expired at {0}; create a new export job to share the data")]
    ArtifactGone(String),
    #[error("the export's file is kept until {until}, so a link can last at most {max_days} days")]
    TooLong { max_days: u32, until: String },
}

/// The longest `expires_in_days` a new link of `job` may ask for at `now`:
/// whole days up to the artifact's end, rounded up (the link itself still
/// ends with the artifact).
pub fn max_link_days(job: &Job, now: DateTime<Utc>) -> Result<u32, ShareRefusal> {
    match job.status_at(now) {
        JobStatus::Completed | JobStatus::Expired => {}
        other => return Err(ShareRefusal::NotCompleted(other.as_str())),
    }
    let end = job.artifact_available_until();
    let until = end
        .filter(|until| *until > now)
        .ok_or_else(|| ShareRefusal::ArtifactGone(rfc3339(end.unwrap_or(now))))?;
    let secs = (until - now).num_seconds().max(1);
    let days = (secs + 86_399) / 86_400;
    Ok(u32::try_from(days).unwrap_or(u32::MAX))
}

/// When a link of `job` asked to last `days` from `now` ends: `days` later,
/// or with the artifact if that comes first.
pub fn link_expiry(
    job: &Job,
    now: DateTime<Utc>,
    days: u32,
) -> Result<DateTime<Utc>, ShareRefusal> {
    let max_days = max_link_days(job, now)?;
    let until = job
        .artifact_available_until()
        .expect("max_link_days checked the artifact");
    if days > max_days {
        return Err(ShareRefusal::TooLong {
            max_days,
            until: rfc3339(until),
        });
    }
    Ok((now + TimeDelta::days(i64::from(days))).min(until))
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// What happened to a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuditEvent {
    Created,
    Completed,
    /// A download link was handed out: to a user (`by.kind = user`), or to
    /// the holder of a share link (`by.kind = link`: the link was used).
    Downloaded,
    LinkCreated,
    LinkRevoked,
    Canceled,
    /// The job ended without an artifact; `error` says why, in the words the
    /// job itself shows the tenant.
    Failed,
    /// The artifact's end passed; derived on read from the completed entry.
    Expired,
}

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AuditActor {
    /// A token's subject (`sub`).
    User(String),
    /// Whoever held a share link (its id).
    Link(LinkId),
    /// The service itself (the worker, the scheduler).
    Service(String),
}

/// One line of a job's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub event: AuditEvent,
    pub by: AuditActor,
    /// The caller's address, where a request caused the entry.
    #[serde(default)]
    pub source_ip: Option<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
    /// The link created, revoked or used.
    #[serde(default)]
    pub link_id: Option<LinkId>,
    /// The link's note (created, revoked, used).
    #[serde(default)]
    pub note: Option<String>,
    /// Completed: until when the artifact is kept; link created: the link's end.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// Failed: the job's error (code and tenant-safe message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<JobError>,
}

impl AuditEntry {
    pub fn new(at: DateTime<Utc>, event: AuditEvent, by: AuditActor) -> Self {
        Self {
            at,
            event,
            by,
            source_ip: None,
            user_agent: None,
            link_id: None,
            note: None,
            until: None,
            error: None,
        }
    }

    /// The `failed` entry of a job that just failed, by the service part
    /// `by` (`worker`, `sweeper`, `api`, `schedule:quarterly`); `None` for a
    /// job that did not fail.
    pub fn failed(job: &Job, by: &str) -> Option<Self> {
        if job.status != JobStatus::Failed {
            return None;
        }
        let at = job.completed_at.unwrap_or_else(Utc::now);
        let mut entry = Self::new(at, AuditEvent::Failed, AuditActor::Service(by.into()));
        entry.error = job.error.clone();
        Some(entry)
    }

    /// The same entry, made by a request from `source_ip` with `user_agent`.
    pub fn from_client(mut self, source_ip: Option<String>, user_agent: Option<&str>) -> Self {
        self.source_ip = source_ip;
        self.user_agent = user_agent.map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect());
        self
    }

    /// The same entry, about `link`.
    pub fn about_link(mut self, link: &ShareLink) -> Self {
        self.link_id = Some(link.id.clone());
        self.note = Some(link.note.clone());
        self
    }
}

/// The trail as a reader sees it at `now`: the stored entries in time order,
/// plus `expired` once the artifact's end (named by the completed entry) has
/// passed, since nothing runs at that moment to write it.
pub fn audit_trail_at(mut stored: Vec<AuditEntry>, now: DateTime<Utc>) -> Vec<AuditEntry> {
    let ended = stored
        .iter()
        .filter(|e| e.event == AuditEvent::Completed)
        .filter_map(|e| e.until)
        .max()
        .filter(|until| *until <= now);
    if let Some(until) = ended
        && !stored.iter().any(|e| e.event == AuditEvent::Expired)
    {
        let mut expired = AuditEntry::new(
            until,
            AuditEvent::Expired,
            AuditActor::Service("expiry".into()),
        );
        expired.until = Some(until);
        stored.push(expired);
    }
    stored.sort_by_key(|e| e.at);
    stored
}

#[cfg(test)]
mod tests;
