//! Checkpoints of long fan-out segments (`docs/scale.md`, "Checkpoints"): a
//! segment that nears its invocation's deadline stops at an hour boundary,
//! saves what it wrote (its pieces, the next hour, its hash state) and
//! continues in a new invocation; and marks that say a message was sent
//! (a continuation, a segment the per-job cap released).
//!
//! Kept beside the run's items (`fanout`), in its own trait, so that the
//! coordinator's core (run, segments, finisher) stays as it was.
use crate::StoreError;
use async_trait::async_trait;
use kt_domain::{JobId, JobStats, TenantId};
use serde::{Deserialize, Serialize};

/// One object a segment wrote in one invocation (its hours `from..to` of the
/// plan), in the order the artifact joins them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentPiece {
    pub object_key: String,
    pub size_bytes: u64,
    pub event_count: u64,
}

/// Where a segment stands after `seq` invocations that stopped early.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentCheckpoint {
    /// 1 for the first checkpoint; a continuation names it.
    pub seq: u32,
    /// The plan hour (index into the frozen plan's hours) the next piece starts at.
    pub next_hour: usize,
    /// What was written so far, in order.
    pub pieces: Vec<SegmentPiece>,
    /// The pieces' stats, merged in order (`kt_engine::segment::merge_stats`).
    pub stats: JobStats,
    /// The SHA-256 state after the last piece's last byte (hex), so the
    /// segment's hash covers all its pieces without reading them again.
    pub hash_state: String,
}

impl SegmentCheckpoint {
    pub fn size_bytes(&self) -> u64 {
        self.pieces.iter().map(|p| p.size_bytes).sum()
    }

    pub fn event_count(&self) -> u64 {
        self.pieces.iter().map(|p| p.event_count).sum()
    }
}

#[async_trait]
pub trait CheckpointStore: Send + Sync {
    /// The segment's latest checkpoint, if it has one.
    async fn checkpoint(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        index: u32,
    ) -> Result<Option<SegmentCheckpoint>, StoreError>;

    /// Saves `next` if the stored checkpoint is still `next.seq - 1` (none,
    /// for 1); `false` when another delivery saved it first (nothing changed).
    /// `true` when `next` itself is what is stored (a save repeated after its
    /// answer was lost): the piece it names is kept.
    async fn save_checkpoint(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        index: u32,
        next: &SegmentCheckpoint,
    ) -> Result<bool, StoreError>;

    /// Notes that the message called `name` was sent (after sending it).
    async fn mark_sent(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        name: &str,
    ) -> Result<(), StoreError>;

    /// Whether [`Self::mark_sent`] noted `name`.
    async fn was_sent(
        &self,
        tenant: &TenantId,
        job: &JobId,
        attempt: u32,
        name: &str,
    ) -> Result<bool, StoreError>;
}
