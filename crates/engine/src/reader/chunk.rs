//! Where readers put accepted events: chunks of bounded size, their records
//! for the ordering, and the pool that keeps chunks' buffers between objects.
use super::CHUNK_BYTES;

/// One accepted event inside a [`Chunk`]: its payload is the body (the raw
/// line, or the event as the formatter's renderer wrote it) followed by the
/// event id, which ordering and de-duplication need.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rec {
    pub ts_ns: i64,
    pub payload_off: u32,
    pub payload_len: u32,
    /// Length of the body at the start of the payload.
    pub line_len: u32,
    /// The event id's hash ([`IdHasher`]), made by the reader while the id
    /// is in cache, so the writer's de-duplication need not read the id.
    pub id_hash: u32,
}

/// Hashes event ids into [`Rec::id_hash`]: one per export, shared by its
/// readers (clones hash alike), randomly seeded as the engine's other
/// tables of producer-chosen ids are, so a producer cannot aim ids at one
/// hash (which would cost time, not correctness: equal hashes compare bytes).
#[derive(Debug, Clone)]
pub(crate) struct IdHasher(foldhash::fast::RandomState);

impl IdHasher {
    /// A hasher with random seeds.
    pub fn random() -> Self {
        Self(foldhash::fast::RandomState::default())
    }

    pub fn hash(&self, id: &[u8]) -> u32 {
        use std::hash::BuildHasher;
        self.0.hash_one(id) as u32
    }
}

/// Accepted events of one object, in line order.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    pub data: Vec<u8>,
    pub recs: Vec<Rec>,
}

impl Chunk {
    /// Memory the chunk holds (capacity, not length: that is what is resident).
    pub fn footprint(&self) -> usize {
        self.data.capacity() + self.recs.capacity() * size_of::<Rec>()
    }

    pub fn payload(&self, rec: &Rec) -> &[u8] {
        &self.data[rec.payload_off as usize..][..rec.payload_len as usize]
    }
}

/// Chunk buffers the writer hands back once an hour is written, so readers
/// reuse memory instead of allocating (and faulting in) fresh megabytes.
#[derive(Debug, Default)]
pub(crate) struct ChunkPool {
    free: std::sync::Mutex<Vec<Chunk>>,
}

/// Buffers kept for reuse at most (each up to `CHUNK_BYTES` and a line).
const POOL_MAX: usize = 16;

impl ChunkPool {
    /// A reused buffer, or a new one sized for about `expected` bytes.
    pub fn take(&self, expected: usize) -> Chunk {
        let reused = self.free.lock().unwrap_or_else(|e| e.into_inner()).pop();
        reused.unwrap_or_else(|| {
            let bytes = expected.min(CHUNK_BYTES) + (64 << 10);
            Chunk {
                data: Vec::with_capacity(bytes),
                recs: Vec::with_capacity(bytes / 512),
            }
        })
    }

    /// Frees the kept buffers once every object is read: nothing takes them
    /// again, and the report formats' rendering should not sit on top of them.
    pub fn release(&self) {
        self.free.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub fn give(&self, mut chunk: Chunk) {
        chunk.data.clear();
        chunk.recs.clear();
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        if free.len() < POOL_MAX {
            free.push(chunk);
        }
    }
}
