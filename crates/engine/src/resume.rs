//! Runs that stop at an hour boundary and continue in a later run, with the
//! output the same bytes as one uninterrupted run (a long fan-out segment's
//! checkpoint, `docs/scale.md`).
//!
//! Why an hour boundary is exact: the writer orders and de-duplicates each
//! hour partition on its own and emits hours in plan order, so what it has
//! written when it finishes hour `h` is exactly what a run of hours `..=h`
//! writes, minus the formatter's tail. A continuation runs the rest of the
//! hours with a formatter that writes no head (the caller's choice) and
//! continues the SHA-256 from the saved state, so its hash covers every byte
//! of every run so far.
use crate::run::{RunParts, run_parts};
use crate::{
    ArtifactSink, EngineOptions, ExportContext, ExportError, ExportOutcome, ExportPlan, Formatter,
    LakeSource, ProgressObserver,
};
use sha2::Sha256;
use sha2::digest::common::hazmat::{SerializableState, SerializedState};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Asks a running export to end after the hour it is writing. Cloneable:
/// a timer holds one, the run another.
#[derive(Debug, Clone, Default)]
pub struct HourStop(Arc<AtomicBool>);

impl HourStop {
    pub fn new() -> Self {
        Self::default()
    }

    /// End at the next hour boundary. The hour being written is finished,
    /// so a run always writes at least one hour (it always makes progress).
    pub fn stop(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

/// Where a run starts: the hash of the bytes before it, and its stop.
#[derive(Debug, Clone, Default)]
pub struct Resume {
    pub(crate) hasher: Sha256,
    pub(crate) stop: HourStop,
}

impl Resume {
    /// A run that continues the hash saved by [`RunEnd::hash_state`] (or
    /// starts one, with `None`) and ends early when `stop` is set.
    pub fn new(hash_state: Option<&[u8]>, stop: HourStop) -> Result<Self, ExportError> {
        let hasher = match hash_state {
            None => Sha256::default(),
            Some(saved) => restore_hash(saved)?,
        };
        Ok(Self { hasher, stop })
    }
}

/// How a resumable run ended.
#[derive(Debug, Clone)]
pub struct RunEnd {
    /// This run's bytes, events and stats; `sha256` is of every byte since
    /// the first run (the continued hash).
    pub outcome: ExportOutcome,
    /// `Some(h)`: stopped before the plan's hour `h` (index into
    /// `plan.hours`); a continuation runs hours `h..`. `None`: the plan is
    /// done (the formatter's `finish` ran).
    pub stopped_before: Option<usize>,
    /// The SHA-256 state after this run's last byte (about 100 bytes).
    pub hash_state: Vec<u8>,
}

/// [`crate::run`], able to stop at an hour boundary and to continue an
/// earlier run's hash. The sink is finished either way.
#[allow(clippy::too_many_arguments)]
pub async fn run_resumable(
    source: Arc<dyn LakeSource>,
    plan: &ExportPlan,
    ctx: &ExportContext,
    formatter: Box<dyn Formatter>,
    sink: Box<dyn ArtifactSink>,
    options: &EngineOptions,
    progress: &dyn ProgressObserver,
    resume: Resume,
) -> Result<RunEnd, ExportError> {
    let parts = RunParts {
        source,
        plan,
        ctx,
        formatter,
        sink,
        options,
        progress,
    };
    run_parts(parts, resume).await
}

/// The hash's state: eight state words, the block count and the buffered
/// tail (under 64 bytes), as `sha2` serialises them.
pub(crate) fn save_hash(hasher: &Sha256) -> Vec<u8> {
    hasher.serialize().to_vec()
}

fn restore_hash(saved: &[u8]) -> Result<Sha256, ExportError> {
    let state = <&SerializedState<Sha256>>::try_from(saved).map_err(|_| {
        ExportError::Internal(format!("a saved hash state of {} bytes", saved.len()))
    })?;
    Sha256::deserialize(state)
        .map_err(|e| ExportError::Internal(format!("an unreadable saved hash state: {e:?}")))
}

#[cfg(test)]
mod tests;
