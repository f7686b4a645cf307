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
use crate::{ExportError, ExportOutcome};
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
mod tests {
    use super::*;
    use sha2::Digest;

    #[test]
    fn a_saved_hash_continues_where_it_stopped() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for cut in [0, 1, 63, 64, 65, 4_097, 10_000] {
            let mut first = Sha256::new();
            first.update(&data[..cut]);
            let saved = save_hash(&first);
            let mut second = restore_hash(&saved).unwrap();
            second.update(&data[cut..]);
            assert_eq!(second.finalize(), Sha256::digest(&data), "cut at {cut}");
        }
        assert!(restore_hash(&[1, 2, 3]).is_err());
    }
}
