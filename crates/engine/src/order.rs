//! Ordering one hour partition: accepted events in, events out by (`ts`,
//! `event_id`), each `event_id` once. Within the memory budget it sorts in
//! place; beyond it, sorted runs spill to temporary files and are k-way merged,
//! with the same output either way.
use super::ExportError;
use super::reader::{Chunk, ChunkPool, Rec};
use hashbrown::hash_table::{Entry, HashTable};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::fs::File;
use std::hash::BuildHasher;
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// One event in export order, borrowed from the hour's buffer or a spilled run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecView<'a> {
    pub ts_ns: i64,
    /// Arrival order inside the hour: (object key, line) order.
    pub seq: u64,
    /// The body, then the event id.
    pub payload: &'a [u8],
    pub line_len: u32,
}

impl<'a> RecView<'a> {
    fn from_chunk(chunk: &'a Chunk, rec: &Rec, seq: u64) -> Self {
        Self {
            ts_ns: rec.ts_ns,
            seq,
            payload: chunk.payload(rec),
            line_len: rec.line_len,
        }
    }
    pub fn id(&self) -> &'a [u8] {
        &self.payload[self.line_len as usize..]
    }
    pub fn line(&self) -> &'a [u8] {
        &self.payload[..self.line_len as usize]
    }
}

/// Where an in-memory event is: its chunk and its record in the chunk.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventAt(u32, u32);

/// The accepted events of one hour partition, bounded by `budget` bytes.
pub(crate) struct HourBuffer {
    chunks: Vec<Chunk>,
    /// Chunks pushed so far in this hour, spilled or not: the seq base.
    chunks_seen: u64,
    bytes: usize,
    budget: usize,
    spill_dir: PathBuf,
    runs: Vec<File>,
    pool: Arc<ChunkPool>,
}

/// A 32-bit id hash as the 64 bits a [`HashTable`] takes: hashbrown keeps
/// the top 7 bits as each slot's tag, which a widened `u32` would leave all
/// zero (every full slot a candidate); the multiply spreads every bit there.
fn spread(hash: u32) -> u64 {
    u64::from(hash).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn seq_of(chunk_no: u64, rec_no: usize) -> u64 {
    (chunk_no << 32) | rec_no as u64
}

fn spill_error(e: std::io::Error) -> ExportError {
    ExportError::Internal(format!("spilling sorted events to disk failed: {e}"))
}

impl HourBuffer {
    pub fn new(budget: usize, spill_dir: PathBuf, pool: Arc<ChunkPool>) -> Self {
        Self {
            chunks: Vec::new(),
            chunks_seen: 0,
            bytes: 0,
            budget,
            spill_dir,
            runs: Vec::new(),
            pool,
        }
    }

    pub fn push(&mut self, chunk: Chunk) -> Result<(), ExportError> {
        // The sort index adds 16 bytes per record.
        self.bytes += chunk.footprint() + chunk.recs.len() * 16;
        self.chunks.push(chunk);
        if self.bytes > self.budget {
            self.spill()?;
        }
        Ok(())
    }

    /// The buffered events' positions, sorted by (ts, event_id, seq).
    fn sorted(&self) -> Vec<(i64, u32, u32)> {
        let mut order: Vec<(i64, u32, u32)> = Vec::new();
        for (c, chunk) in self.chunks.iter().enumerate() {
            order.extend(
                (chunk.recs.iter().enumerate()).map(|(r, rec)| (rec.ts_ns, c as u32, r as u32)),
            );
        }
        let id = |&(_, c, r): &(i64, u32, u32)| self.id_at(c, r);
        // By (ts, arrival) as one 128-bit integer first: a timestamp is
        // nearly always unique, so comparing ids in the sort itself is wasted.
        order.sort_unstable_by_key(|&(ts, c, r)| {
            (u128::from((ts as u64) ^ (1 << 63)) << 64) | (u128::from(c) << 32) | u128::from(r)
        });
        // Then each run of one `ts` by id; the stable sort keeps arrival order
        // among copies of an id.
        let mut start = 0;
        while start < order.len() {
            let ts = order[start].0;
            let end = order[start + 1..]
                .iter()
                .position(|o| o.0 != ts)
                .map_or(order.len(), |n| start + 1 + n);
            if end - start > 1 {
                order[start..end].sort_by(|a, b| id(a).cmp(id(b)));
            }
            start = end;
        }
        order
    }

    /// The event id of record `r` of chunk `c`.
    fn id_at(&self, c: u32, r: u32) -> &[u8] {
        let chunk = &self.chunks[c as usize];
        let rec = &chunk.recs[r as usize];
        &chunk.payload(rec)[rec.line_len as usize..]
    }

    fn base_seq(&self) -> u64 {
        self.chunks_seen
    }

    fn spill(&mut self) -> Result<(), ExportError> {
        let order = self.sorted();
        let file = tempfile::tempfile_in(&self.spill_dir).map_err(spill_error)?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        for &(_, c, r) in &order {
            let chunk = &self.chunks[c as usize];
            let view = RecView::from_chunk(
                chunk,
                &chunk.recs[r as usize],
                seq_of(self.base_seq() + c as u64, r as usize),
            );
            write_rec(&mut w, &view).map_err(spill_error)?;
        }
        let mut file = w.into_inner().map_err(|e| spill_error(e.into_error()))?;
        file.rewind().map_err(spill_error)?;
        self.runs.push(file);
        self.chunks_seen += self.chunks.len() as u64;
        self.recycle();
        self.bytes = 0;
        tracing::debug!(
            runs = self.runs.len(),
            "spilled a sorted run of an hour partition"
        );
        Ok(())
    }

    /// Hands the buffered chunks back for reuse.
    fn recycle(&mut self) {
        for chunk in self.chunks.drain(..) {
            self.pool.give(chunk);
        }
    }

    /// Whether the hour's events are all in memory (none spilled), so that
    /// [`Self::kept_in_memory`] and [`Self::view`] may be used.
    pub fn in_memory(&self) -> bool {
        self.runs.is_empty()
    }

    /// The events buffered (copies included).
    pub fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.recs.len()).sum()
    }

    /// The in-memory hour's events in export order, each `event_id` once
    /// (where they are: chunk, record), and how many copies were dropped:
    /// what [`Self::drain`] emits, for a caller that reads the hour twice.
    pub fn kept_in_memory(&self) -> (Vec<EventAt>, u64) {
        debug_assert!(self.in_memory());
        let mut order = self.sorted();
        // Keyed by the readers' id hashes: an id is read only when its
        // hash equals one already seen (nearly always a copy).
        let mut seen: HashTable<(u32, u32, u32)> = HashTable::with_capacity(order.len());
        let before = order.len();
        order.retain(|&(_, c, r)| {
            let hash = self.chunks[c as usize].recs[r as usize].id_hash;
            let id = self.id_at(c, r);
            let copy = |&(h, c2, r2): &(u32, u32, u32)| h == hash && self.id_at(c2, r2) == id;
            match seen.entry(spread(hash), copy, |&(h, _, _)| spread(h)) {
                Entry::Vacant(slot) => {
                    slot.insert((hash, c, r));
                    true
                }
                Entry::Occupied(_) => false,
            }
        });
        let dropped = (before - order.len()) as u64;
        (
            order.into_iter().map(|(_, c, r)| EventAt(c, r)).collect(),
            dropped,
        )
    }

    /// The in-memory event at `at`.
    pub fn view(&self, at: EventAt) -> RecView<'_> {
        let EventAt(c, r) = at;
        let chunk = &self.chunks[c as usize];
        RecView::from_chunk(chunk, &chunk.recs[r as usize], seq_of(c as u64, r as usize))
    }

    /// Hands the buffered chunks back once the hour was read through
    /// [`Self::kept_in_memory`].
    pub fn done(mut self) {
        self.recycle();
    }

    /// Emits the hour's events in export order, each `event_id` once, and
    /// returns how many duplicates were dropped. Copies of an `event_id` with the
    /// same `ts` keep the first in (object key, line) order; a copy with a
    /// different `ts` (a producer anomaly) loses to the earliest `ts`.
    pub fn drain(
        mut self,
        emit: &mut dyn FnMut(&RecView<'_>) -> Result<(), ExportError>,
    ) -> Result<u64, ExportError> {
        if self.runs.is_empty() {
            let (kept, dropped) = self.kept_in_memory();
            for &at in &kept {
                emit(&self.view(at))?;
            }
            self.recycle();
            return Ok(dropped);
        }
        let mut dedupe = Dedupe::within(self.budget);
        if !self.chunks.is_empty() {
            self.spill()?;
        }
        let mut runs: Vec<RunReader> = self.runs.into_iter().map(RunReader::new).collect();
        let mut heap = BinaryHeap::new();
        for (i, run) in runs.iter_mut().enumerate() {
            if run.advance()? {
                heap.push(Reverse(run.key(i)));
            }
        }
        while let Some(Reverse((_, _, _, i))) = heap.pop() {
            let view = runs[i].view();
            if dedupe.first(&view) {
                emit(&view)?;
            }
            if runs[i].advance()? {
                heap.push(Reverse(runs[i].key(i)));
            }
        }
        Ok(dedupe.dropped)
    }
}

/// Drops every later copy of an `event_id`, given events in export order,
/// keeping 128 bits of each id (ids are not in memory when runs spilled).
///
/// The set counts against the hour's sort budget: past [`Dedupe::within`]'s
/// limit it keeps only the ids of the current `ts`. Copies of one delivery
/// share their `ts` and are adjacent in export order, so they are still
/// dropped; only a copy with a different `ts` (a producer anomaly) may then
/// be kept.
struct Dedupe {
    seen: HashSet<u128, foldhash::quality::RandomState>,
    /// Ids seen at `current_ts`, for when the set is cut back to them.
    current: Vec<u128>,
    current_ts: i64,
    /// Entries the set may hold; past it, only the current `ts` is kept.
    limit: usize,
    bounded: bool,
    hashers: (
        foldhash::quality::RandomState,
        foldhash::quality::RandomState,
    ),
    dropped: u64,
}

/// Bytes an entry of the set costs (key, control byte, load-factor slack).
const DEDUPE_ENTRY_BYTES: usize = 32;

impl Dedupe {
    /// A set that may use up to `budget` bytes.
    fn within(budget: usize) -> Self {
        Self {
            seen: HashSet::default(),
            current: Vec::new(),
            current_ts: i64::MIN,
            limit: (budget / DEDUPE_ENTRY_BYTES).max(1),
            bounded: false,
            hashers: Default::default(),
            dropped: 0,
        }
    }

    fn first(&mut self, view: &RecView<'_>) -> bool {
        let id = view.id();
        let key = (u128::from(self.hashers.0.hash_one(id)) << 64)
            | u128::from(self.hashers.1.hash_one(id));
        if view.ts_ns != self.current_ts {
            self.current_ts = view.ts_ns;
            self.current.clear();
            if self.bounded {
                self.seen.clear();
            }
        }
        if !self.bounded && self.seen.len() >= self.limit {
            tracing::warn!(
                limit = self.limit,
                "de-duplication set reached the sort budget; keeping only the current timestamp's ids"
            );
            self.bounded = true;
            self.seen = self.current.iter().copied().collect();
        }
        let first = self.seen.insert(key);
        if first {
            self.current.push(key);
        } else {
            self.dropped += 1;
        }
        first
    }
}

/// `ts_ns`, `seq`, payload length, body length.
const HEADER: usize = 8 + 8 + 4 + 4;

fn write_rec(w: &mut impl Write, v: &RecView<'_>) -> std::io::Result<()> {
    let mut h = [0u8; HEADER];
    let fields = [v.payload.len() as u32, v.line_len];
    h[..8].copy_from_slice(&v.ts_ns.to_le_bytes());
    h[8..16].copy_from_slice(&v.seq.to_le_bytes());
    for (i, f) in fields.iter().enumerate() {
        h[16 + i * 4..20 + i * 4].copy_from_slice(&f.to_le_bytes());
    }
    w.write_all(&h)?;
    w.write_all(v.payload)
}

/// A spilled sorted run, read one record at a time.
struct RunReader {
    input: BufReader<File>,
    header: [u8; HEADER],
    payload: Vec<u8>,
}

impl RunReader {
    fn new(file: File) -> Self {
        Self {
            input: BufReader::with_capacity(256 << 10, file),
            header: [0; HEADER],
            payload: Vec::new(),
        }
    }

    fn u32_at(&self, i: usize) -> u32 {
        u32::from_le_bytes(
            self.header[16 + i * 4..20 + i * 4]
                .try_into()
                .expect("4 bytes"),
        )
    }

    /// Reads the next record; false at the end of the run.
    fn advance(&mut self) -> Result<bool, ExportError> {
        match self.input.read_exact(&mut self.header) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(e) => return Err(spill_error(e)),
        }
        self.payload.resize(self.u32_at(0) as usize, 0);
        self.input
            .read_exact(&mut self.payload)
            .map_err(spill_error)?;
        Ok(true)
    }

    fn view(&self) -> RecView<'_> {
        RecView {
            ts_ns: i64::from_le_bytes(self.header[..8].try_into().expect("8 bytes")),
            seq: u64::from_le_bytes(self.header[8..16].try_into().expect("8 bytes")),
            payload: &self.payload,
            line_len: self.u32_at(1),
        }
    }

    fn key(&self, run: usize) -> (i64, Vec<u8>, u64, usize) {
        let v = self.view();
        (v.ts_ns, v.id().to_vec(), v.seq, run)
    }
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
