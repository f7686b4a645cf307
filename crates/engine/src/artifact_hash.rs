//! The artifact's SHA-256, on a thread of its own.
//!
//! The writer thread is the export's one ordered path, and hashing the
//! artifact was most of its work for json (1.3 GB of output on the reference
//! lake: 0.8 of its 1.2 CPU-seconds). Each output chunk now goes to the sink
//! and, shared (a reference count, not a copy), to this thread, which hashes
//! the chunks in the order they were written while the writer goes on.
use super::ExportError;
use super::stage::{StageClock, thread_cpu_ns};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Chunks (of ~1 MiB) waiting to be hashed before the writer waits.
const QUEUED_CHUNKS: usize = 4;

pub(crate) struct ArtifactHash {
    hashing: Hashing,
}

enum Hashing {
    Helper {
        tx: Option<SyncSender<Bytes>>,
        thread: Option<JoinHandle<Sha256>>,
    },
    /// No thread could be started: hashed on the writer thread (its time is
    /// then in the writer's `order_format` as well as in `hash`).
    Here(Sha256, Arc<StageClock>),
}

impl ArtifactHash {
    /// Continues `hasher` (a fresh one, or a resumed run's).
    pub fn start(hasher: Sha256, clock: Arc<StageClock>) -> Self {
        let (tx, rx) = sync_channel::<Bytes>(QUEUED_CHUNKS);
        let thread_clock = clock.clone();
        let mut thread_hasher = hasher.clone();
        let spawned = std::thread::Builder::new()
            .name("kt-artifact-hash".into())
            .spawn(move || {
                for chunk in rx {
                    let started = thread_cpu_ns();
                    thread_hasher.update(&chunk);
                    StageClock::add(&thread_clock.hash, started, thread_cpu_ns());
                }
                thread_hasher
            });
        let hashing = match spawned {
            Ok(thread) => Hashing::Helper {
                tx: Some(tx),
                thread: Some(thread),
            },
            Err(_) => Hashing::Here(hasher, clock),
        };
        Self { hashing }
    }

    /// Adds the artifact's next chunk.
    pub fn add(&mut self, chunk: &Bytes) -> Result<(), ExportError> {
        match &mut self.hashing {
            Hashing::Helper { tx, .. } => tx
                .as_ref()
                .and_then(|tx| tx.send(chunk.clone()).ok())
                .ok_or_else(stopped),
            Hashing::Here(hasher, clock) => {
                let started = thread_cpu_ns();
                hasher.update(chunk);
                StageClock::add(&clock.hash, started, thread_cpu_ns());
                Ok(())
            }
        }
    }

    /// The hash of every chunk added, once the thread has hashed them.
    pub fn finish(mut self) -> Result<Sha256, ExportError> {
        match &mut self.hashing {
            Hashing::Helper { tx, thread } => {
                drop(tx.take());
                thread
                    .take()
                    .and_then(|t| t.join().ok())
                    .ok_or_else(stopped)
            }
            Hashing::Here(hasher, _) => Ok(hasher.clone()),
        }
    }
}

impl Drop for ArtifactHash {
    /// An export that ends early lets its thread finish the queued chunks.
    fn drop(&mut self) {
        if let Hashing::Helper { tx, thread } = &mut self.hashing {
            drop(tx.take());
            if let Some(thread) = thread.take() {
                let _ = thread.join();
            }
        }
    }
}

fn stopped() -> ExportError {
    ExportError::Internal("the artifact's hashing thread stopped".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_hashed_in_order_continuing_the_given_state() {
        let chunks: Vec<Bytes> = (0..40u8)
            .map(|i| Bytes::from(vec![i; 1000 + usize::from(i) * 997]))
            .collect();
        let mut resumed = Sha256::new();
        resumed.update(b"written by an earlier run");
        let clock = Arc::new(StageClock::default());
        let mut hash = ArtifactHash::start(resumed.clone(), clock);
        assert!(matches!(hash.hashing, Hashing::Helper { .. }));
        for c in &chunks {
            hash.add(c).unwrap();
        }
        let mut expected = resumed;
        for c in &chunks {
            expected.update(c);
        }
        assert_eq!(hash.finish().unwrap().finalize(), expected.finalize());
    }
}
