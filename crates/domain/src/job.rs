//! The export job: the stored record ([`Job`]) and what callers see ([`JobView`]).
use super::{ExportFormat, JobId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// At most this many rejected-line samples are kept on a job.
pub const MAX_REJECTED_SAMPLES: usize = 20;
/// The longest retention of an export under S3 Object Lock: ten years.
pub const MAX_RETENTION_DAYS: u32 = 3650;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Processing,
    Completed,
    Failed,
    /// Never stored: derived on read from `expires_at` (see [`Job::status_at`]).
    Expired,
    Canceled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
    /// Queued and processing jobs count against the tenant's active-job limit.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Queued | Self::Processing)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportType {
    Events,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Download,
    Cancel,
}

/// Where a rejected line was and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedSample {
    pub object: String,
    pub line: u64,
    pub reason: String,
}

/// The longest reason a sample keeps, in bytes (the reports' own cut).
pub const MAX_REJECTED_REASON_BYTES: usize = 128;

impl RejectedSample {
    /// A sample whose reason is cut to [`MAX_REJECTED_REASON_BYTES`] (on a
    /// character boundary, marked with `…`). A parser's reason quotes the
    /// offending value, which may be a prompt's worth of text or a 100 KB
    /// string: twenty of those made a job record too big to store, and the
    /// job failed for lines it meant to count.
    pub fn new(object: String, line: u64, mut reason: String) -> Self {
        if reason.len() > MAX_REJECTED_REASON_BYTES {
            let mut end = MAX_REJECTED_REASON_BYTES - '…'.len_utf8();
            while !reason.is_char_boundary(end) {
                end -= 1;
            }
            reason.truncate(end);
            reason.push('…');
        }
        Self {
            object,
            line,
            reason,
        }
    }
}

/// What the engine saw while reading the lake.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStats {
    pub objects_read: u64,
    /// Objects under the prefix that are neither `.ndjson.gz` nor `.ndjson`.
    #[serde(default)]
    pub objects_skipped: u64,
    /// Bytes fetched from the lake (compressed, as stored).
    pub bytes_read: u64,
    pub lines_read: u64,
    pub rejected_lines: u64,
    pub duplicates_removed: u64,
    pub rejected_samples: Vec<RejectedSample>,
}

/// Why a job failed, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobError {
    pub code: String,
    pub message: String,
}

/// The stored job record. The store adds its own keys (and the TTL attribute);
/// everything here is domain data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: JobId,
    pub tenant_id: TenantId,
    #[serde(rename = "type")]
    pub export_type: ExportType,
    pub format: ExportFormat,
    /// The stored status; callers see [`Job::status_at`].
    pub status: JobStatus,
    pub timezone: String,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub label: Option<String>,
    pub expires_in_days: u32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub file_name: String,
    pub event_count: Option<u64>,
    pub progress: f64,
    pub size_bytes: Option<u64>,
    pub sha256: Option<String>,
    pub content_type: String,
    pub stats: Option<JobStats>,
    pub error: Option<JobError>,
    /// Artifact object key in the artifacts bucket, once written.
    pub artifact_key: Option<String>,
    /// The worker's claim: another worker may take the job over once it has passed.
    pub lease_until: Option<DateTime<Utc>>,
    /// How many times a worker has claimed this job.
    #[serde(default)]
    pub attempts: u32,
    /// SHA-256 of the canonical request (for `Idempotency-Key` comparisons).
    pub request_hash: Option<String>,
    /// Set by the scheduler for scheduled exports, e.g. `schedule:quarterly`.
    #[serde(default)]
    pub origin: Option<String>,
    /// How many times the sweeper re-enqueued this job (it is failed past a limit).
    #[serde(default)]
    pub requeues: u32,
    /// When the sweeper last re-enqueued it; the next look is a threshold later.
    #[serde(default)]
    pub requeued_at: Option<DateTime<Utc>>,
    /// Days the artifact is to be kept under Object Lock, as requested
    /// (`Some(0)`: not retained, whatever the tenant's default); `None`: the
    /// tenant's default applies when the export runs.
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// Until when the artifact is locked (compliance mode) and downloadable;
    /// set at completion for retained exports.
    #[serde(default)]
    pub retained_until: Option<DateTime<Utc>>,
}

impl Job {
    /// The status a caller sees at `now`: a completed job whose `expires_at`
    /// has passed is `expired` at once, whatever the TTL sweeper has done.
    pub fn status_at(&self, now: DateTime<Utc>) -> JobStatus {
        match (self.status, self.artifact_available_until()) {
            (JobStatus::Completed, Some(exp)) if exp <= now => JobStatus::Expired,
            (s, _) => s,
        }
    }

    /// Until when the job's artifact can be downloaded: the ordinary expiry
    /// (set on completion), or the end of its retention when that is later.
    /// Every link and download is bounded by this one function.
    pub fn artifact_available_until(&self) -> Option<DateTime<Utc>> {
        if self.status != JobStatus::Completed {
            return None;
        }
        match (self.expires_at, self.retained_until) {
            (Some(e), Some(r)) => Some(e.max(r)),
            (e, r) => e.or(r),
        }
    }

    pub fn actions_at(&self, now: DateTime<Utc>) -> Vec<Action> {
        match self.status_at(now) {
            JobStatus::Completed => vec![Action::Download],
            JobStatus::Queued | JobStatus::Processing => vec![Action::Cancel],
            _ => vec![],
        }
    }

    pub fn view_at(&self, now: DateTime<Utc>) -> JobView {
        JobView {
            id: self.id.clone(),
            export_type: self.export_type,
            format: self.format,
            status: self.status_at(now),
            timezone: self.timezone.clone(),
            window_start: self.window_start,
            window_end: self.window_end,
            label: self.label.clone(),
            created_at: self.created_at,
            created_by: self.created_by.clone(),
            started_at: self.started_at,
            completed_at: self.completed_at,
            expires_at: self.expires_at,
            file_name: self.file_name.clone(),
            event_count: self.event_count,
            progress: self.progress,
            size_bytes: self.size_bytes,
            sha256: self.sha256.clone(),
            content_type: self.content_type.clone(),
            stats: self.stats.clone(),
            error: self.error.clone(),
            actions: self.actions_at(now),
            retention_days: self.retention_days,
            retained_until: self.retained_until,
            origin: self.origin.clone(),
        }
    }
}

/// The job object of the HTTP API (`docs/openapi.yaml`, `Job`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobView {
    pub id: JobId,
    #[serde(rename = "type")]
    pub export_type: ExportType,
    pub format: ExportFormat,
    pub status: JobStatus,
    pub timezone: String,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub file_name: String,
    pub event_count: Option<u64>,
    pub progress: f64,
    pub size_bytes: Option<u64>,
    pub sha256: Option<String>,
    pub content_type: String,
    pub stats: Option<JobStats>,
    pub error: Option<JobError>,
    pub actions: Vec<Action>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    #[serde(default)]
    pub retained_until: Option<DateTime<Utc>>,
    /// Who started the job other than a person: `schedule:quarterly` for
    /// scheduled exports, `null` for the rest (as the manifest and the
    /// completion event say).
    #[serde(default)]
    pub origin: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_rejected_samples_reason_is_cut_at_a_character_boundary() {
        let short = RejectedSample::new("o".into(), 1, "not valid JSON".into());
        assert_eq!(short.reason, "not valid JSON");
        let value = "é".repeat(50_000);
        let long = RejectedSample::new("o".into(), 2, format!("invalid type: string {value:?}"));
        assert!(
            long.reason.len() <= MAX_REJECTED_REASON_BYTES,
            "{}",
            long.reason.len()
        );
        assert!(long.reason.starts_with("invalid type: string \"é"));
        assert!(long.reason.ends_with('…'));
    }

    fn completed(expires: DateTime<Utc>, retained: Option<DateTime<Utc>>) -> Job {
        let raw = serde_json::json!({
            "id": crate::JobId::new().as_str(), "tenant_id": "acme", "type": "events",
            "format": "compliance-all", "status": "completed", "timezone": "UTC",
            "window_start": "2026-05-01T00:00:00Z", "window_end": "2026-05-02T00:00:00Z",
            "label": null, "expires_in_days": 7, "created_at": "2026-05-03T00:00:00Z",
            "created_by": "u", "started_at": null, "completed_at": "2026-05-03T00:01:00Z",
            "expires_at": expires, "file_name": "f.tar.gz", "event_count": 1, "progress": 1.0,
            "size_bytes": 1, "sha256": "ab", "content_type": "application/gzip", "stats": null,
            "error": null, "artifact_key": "k", "lease_until": null, "request_hash": null,
            "retained_until": retained,
        });
        serde_json::from_value(raw).unwrap()
    }

    #[test]
    fn the_view_says_what_started_a_scheduled_job() {
        let now: DateTime<Utc> = "2026-07-01T04:00:00Z".parse().unwrap();
        let mut job = completed(now + Duration::days(30), None);
        let view = serde_json::to_value(job.view_at(now)).unwrap();
        assert_eq!(view["origin"], serde_json::Value::Null);
        job.origin = Some("schedule:quarterly".into());
        let view = serde_json::to_value(job.view_at(now)).unwrap();
        assert_eq!(view["origin"], "schedule:quarterly");
    }

    #[test]
    fn a_retained_artifact_stays_available_after_its_ordinary_expiry() {
        let t = Utc::now();
        let plain = completed(t, None);
        assert_eq!(plain.artifact_available_until(), Some(t));
        assert_eq!(
            plain.status_at(t + Duration::seconds(1)),
            JobStatus::Expired
        );

        let retained = completed(t, Some(t + Duration::days(365)));
        assert_eq!(
            retained.artifact_available_until(),
            Some(t + Duration::days(365))
        );
        assert_eq!(
            retained.status_at(t + Duration::days(30)),
            JobStatus::Completed
        );
        assert_eq!(
            retained.actions_at(t + Duration::days(30)),
            vec![Action::Download]
        );
        assert_eq!(
            retained.status_at(t + Duration::days(366)),
            JobStatus::Expired
        );
        // A retention shorter than the expiry never shortens it.
        let short = completed(t, Some(t - Duration::days(1)));
        assert_eq!(short.artifact_available_until(), Some(t));
    }
}
