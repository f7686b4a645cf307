//! The coordinator of a fanned-out export (`docs/scale.md`): the run the
//! planning worker started, the segments that finished, and who finishes.
//!
//! Kept beside the job record rather than in it, so that segment workers
//! never race each other (or the job's own transitions) on one item: a run
//! item with an atomic counter, one item per finished segment.
use crate::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kt_domain::{JobId, JobStats, TenantId};
use serde::{Deserialize, Serialize};

/// One fanned-out run of a job, by the claim (`attempt`) that planned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanOutRun {
    pub attempt: u32,
    /// How many segments the plan has.
    pub segments: u32,
    /// The `generated_at` every segment states (the json head), so the
    /// joined artifact has one.
    pub generated_at: DateTime<Utc>,
    /// Where the frozen object listing is (artifacts bucket).
    pub plan_key: String,
    /// Where segment objects go (artifacts bucket), ending in `/`.
    pub segments_prefix: String,
    /// Segments of this job running at once at most (`KT_FANOUT_MAX_CONCURRENT`):
    /// the first this many are sent, and each recorded segment sends the next.
    /// `None`: every segment is sent at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent: Option<u32>,
}

/// What one finished segment wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentDone {
    pub index: u32,
    /// The segment's object in the artifacts bucket.
    pub object_key: String,
    pub size_bytes: u64,
    pub event_count: u64,
    /// SHA-256 of the segment's object (hex); of all its pieces, in order,
    /// when it has several.
    pub sha256: String,
    pub stats: JobStats,
    /// A segment that checkpointed wrote one object per invocation: all of
    /// them, in order (`object_key` is then the last). Empty: `object_key` alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pieces: Vec<crate::checkpoint::SegmentPiece>,
}

/// How far a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FanOutProgress {
    pub done: u32,
    pub total: u32,
    /// Events of the finished segments.
    pub events: u64,
}

/// How recording a segment went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// This call recorded it; the run's progress right after.
    First(FanOutProgress),
    /// Already recorded (a duplicate or late message): nothing changed.
    Duplicate,
    /// The run does not exist (a stale message of an older claim).
    NoRun,
}

#[async_trait]
pub trait FanOutStore: Send + Sync {
    /// Stores a new run; `false` if the claim already has one.
    async fn start_run(
        &self,
        tenant: &TenantId,
        job: &JobId,
        run: &FanOutRun,
    ) -> Result<bool, StoreError>;

    async fn run(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
    ) -> Result<Option<(FanOutRun, FanOutProgress)>, StoreError>;

    async fn segment(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        index: u32,
    ) -> Result<Option<SegmentDone>, StoreError>;

    /// Records a finished segment and counts it, once (one transaction).
    async fn record_segment(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        segment: &SegmentDone,
    ) -> Result<Recorded, StoreError>;

    /// Every recorded segment of the run, by index.
    async fn segments(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
    ) -> Result<Vec<SegmentDone>, StoreError>;

    /// Takes the finisher's lease for `holder` until `until`, if nobody
    /// else holds it at `now`; `false` when another finisher does.
    async fn claim_finish(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}
