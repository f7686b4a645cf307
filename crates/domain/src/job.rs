//! The export job: the stored record ([`Job`]) and what callers see ([`JobView`]).
use super::{ExportFormat, JobId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// At most this many rejected-line samples are kept on a job.
pub const MAX_REJECTED_SAMPLES: usize = 20;

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
}

impl Job {
    /// The status a caller sees at `now`: a completed job whose `expires_at`
    /// has passed is `expired` at once, whatever the TTL sweeper has done.
    pub fn status_at(&self, now: DateTime<Utc>) -> JobStatus {
        match (self.status, self.expires_at) {
            (JobStatus::Completed, Some(exp)) if exp <= now => JobStatus::Expired,
            (s, _) => s,
        }
    }

    /// Until when the job's artifact can be downloaded: its `expires_at`
    /// (set on completion). Every link and download is bounded by this one
    /// function, so a longer retention extends them all in one place.
    pub fn artifact_available_until(&self) -> Option<DateTime<Utc>> {
        match self.status {
            JobStatus::Completed => self.expires_at,
            _ => None,
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
}
