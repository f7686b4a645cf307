//! Reading one lake object on a blocking thread: decompress (every gzip
//! member), split lines, validate, and hand accepted events on in chunks of
//! bounded size, so a huge object never sits in memory whole.
use super::ahead::ReadAhead;
use super::scan::Want;
use super::stage::{StageClock, thread_cpu_ns};
use super::validate::{PartitionHour, check_line_into, check_required, text};
use super::{ExportError, SourceError};
use crate::formatter::{AS_MANY_AS_THE_LINE, EventRenderer, FormatError};
use kt_domain::{Event, ParsedEvent};
use kt_domain::{MAX_REJECTED_SAMPLES, RejectedSample};
use std::io::{BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;

/// A chunk is handed on once its data reaches this size.
pub(crate) const CHUNK_BYTES: usize = 4 << 20;
/// A line longer than this is rejected as malformed, never buffered whole.
pub const MAX_LINE_BYTES: usize = 1 << 20;
const READ_BUF_BYTES: usize = 256 << 10;
/// Stored (compressed) bytes read at a time; lake objects are ~64 KB.
const INPUT_BUF_BYTES: usize = 64 << 10;

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

/// What one object contributed to the job's stats.
#[derive(Debug, Default)]
pub(crate) struct ObjectStats {
    pub bytes_read: u64,
    pub lines_read: u64,
    pub rejected_lines: u64,
    pub samples: Vec<RejectedSample>,
}

pub(crate) enum ReaderMsg {
    Chunk(Chunk),
    Done(ObjectStats),
    Failed(ExportError),
}

/// What a reader needs to know about its object.
#[derive(Clone)]
pub(crate) struct ObjectTask {
    pub key: String,
    pub size: u64,
    pub tenant: Arc<str>,
    pub hour: PartitionHour,
    pub window_start_ns: i64,
    pub window_end_ns: i64,
    pub strict: bool,
    /// Renders each accepted event here, in parallel (see `Formatter::renderer`).
    pub renderer: Option<Arc<dyn EventRenderer>>,
    pub pool: Arc<ChunkPool>,
    pub clock: Arc<StageClock>,
    /// Counts the chunks handed on, so the driver knows how far readers are ahead.
    pub ahead: Arc<ReadAhead>,
    /// The export's id hasher (the same for every object).
    pub id_hasher: IdHasher,
}

impl ObjectTask {
    /// About the bytes the object's events take in chunks: gzip NDJSON
    /// inflates about 7x; plain objects are their own size.
    pub fn expected_bytes(&self) -> usize {
        let inflate = if self.key.ends_with(".gz") { 8 } else { 1 };
        (self.size as usize).saturating_mul(inflate)
    }

    /// About the bytes `line_bytes` of lines take in a chunk.
    fn chunk_bytes(&self, line_bytes: usize) -> usize {
        let per_100 = self
            .renderer
            .as_ref()
            .map_or(AS_MANY_AS_THE_LINE, |r| r.bytes_per_100_line_bytes());
        line_bytes.saturating_mul(per_100) / 100
    }

    /// Hands a chunk to the writer. `false`: nobody listens any more.
    fn hand_on(&self, tx: &SyncSender<ReaderMsg>, chunk: Chunk) -> bool {
        self.ahead.add(chunk.footprint());
        tx.send(ReaderMsg::Chunk(chunk)).is_ok()
    }
}

/// Reads the object's stored bytes from `input` and sends chunks, then `Done`
/// (or `Failed`) to `tx`. Stops early when `cancel` is set or nobody listens.
pub(crate) fn read_object(
    input: impl Read,
    task: &ObjectTask,
    tx: &SyncSender<ReaderMsg>,
    cancel: &AtomicBool,
) {
    let started = thread_cpu_ns();
    let result = if task.key.ends_with(".gz") && task.size <= WHOLE_MAX_STORED {
        read_whole_gzip(input, task, tx, cancel)
    } else if task.key.ends_with(".gz") {
        let buffered = BufReader::with_capacity(INPUT_BUF_BYTES, input);
        read_lines(
            flate2::bufread::MultiGzDecoder::new(buffered),
            task,
            tx,
            cancel,
        )
    } else {
        let buffered = BufReader::with_capacity(INPUT_BUF_BYTES, input);
        read_lines(buffered, task, tx, cancel)
    };
    if !(task.key.ends_with(".gz") && task.size <= WHOLE_MAX_STORED) {
        StageClock::add(&task.clock.streamed, started, thread_cpu_ns());
    }
    let msg = match result {
        Ok(Some(stats)) => ReaderMsg::Done(stats),
        Ok(None) => return,
        Err(e) => ReaderMsg::Failed(e),
    };
    let _ = tx.send(msg);
}

/// Stored size up to which a gzip object is read whole and inflated by
/// libdeflate (lake objects are ~64 KB, ~450 KB inflated); bigger ones stream.
/// Every reader in flight holds its object whole, so this bounds memory:
/// with 2 MiB, the 10M-event lake's 300 KB objects (2.2 MB inflated) took the
/// export's peak RSS from 38 to 72 MiB.
pub(crate) const WHOLE_MAX_STORED: u64 = 256 << 10;
/// Inflated size past which a whole-object inflate gives up and streams, so a
/// small object that inflates hugely never sits in memory whole.
pub(crate) const WHOLE_MAX_INFLATED: usize = 32 << 20;
/// Buffers bigger than this are not kept for the thread's next object.
const KEEP_BUF_BYTES: usize = 4 << 20;

/// A reader thread's whole-object state, kept for its next object.
#[derive(Default)]
struct WholeBufs {
    inflater: Option<crate::inflate::Inflater>,
    stored: Vec<u8>,
    inflated: Vec<u8>,
}

thread_local! {
    static WHOLE: std::cell::RefCell<WholeBufs> = std::cell::RefCell::default();
}

/// Reads a small gzip object whole, inflates every member at once and splits
/// the lines in place. Objects libdeflate refuses (corrupt, trailing bytes,
/// too big inflated) go through the streaming decoder from the bytes read,
/// which decides exactly as it does for big objects.
fn read_whole_gzip(
    mut input: impl Read,
    task: &ObjectTask,
    tx: &SyncSender<ReaderMsg>,
    cancel: &AtomicBool,
) -> Result<Option<ObjectStats>, ExportError> {
    WHOLE.with_borrow_mut(|bufs| {
        let WholeBufs {
            inflater,
            stored,
            inflated,
        } = bufs;
        let t0 = thread_cpu_ns();
        let read = read_into_kept(&mut input, stored, task.size);
        let t1 = thread_cpu_ns();
        StageClock::add(&task.clock.read, t0, t1);
        let result = match read {
            Err(e) => Err(io_error(task, e)),
            Ok(len) => {
                let stored = &stored[..len];
                let inflater = inflater.get_or_insert_with(crate::inflate::Inflater::new);
                let inflated_ok = inflater.gunzip_all(stored, inflated, WHOLE_MAX_INFLATED);
                let t2 = thread_cpu_ns();
                StageClock::add(&task.clock.inflate, t1, t2);
                let split = match inflated_ok {
                    Ok(()) => {
                        let mut stats = ObjectStats {
                            bytes_read: task.size,
                            ..Default::default()
                        };
                        split_whole(inflated, task, tx, cancel, &mut stats)
                            .map(|done| done.then_some(stats))
                    }
                    Err(_) => read_lines(
                        flate2::bufread::MultiGzDecoder::new(stored),
                        task,
                        tx,
                        cancel,
                    ),
                };
                StageClock::add(&task.clock.lines, t2, thread_cpu_ns());
                split
            }
        };
        for buf in [stored, inflated] {
            if buf.capacity() > KEEP_BUF_BYTES {
                *buf = Vec::new();
            }
        }
        result
    })
}

/// Reads `input` to its end into the front of `buf` and says how many bytes
/// it read. `buf` keeps its length between objects, so its bytes are zeroed
/// once when it grows, not before every object (`read_to_end` through a
/// `Read` without `read_buf`, as the counting wrapper is, zeroes its spare
/// capacity on every call: 1% of a csv export's instructions).
pub(crate) fn read_into_kept(
    input: &mut impl Read,
    buf: &mut Vec<u8>,
    size: u64,
) -> std::io::Result<usize> {
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            // The listed size and one byte more, so that the read that
            // finds the end needs no growth; doubled when the object is
            // bigger than listed.
            let listed = usize::try_from(size)
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            let grown = listed.max(buf.len().saturating_mul(2)).max(8 << 10);
            buf.resize(grown, 0);
        }
        match input.read(&mut buf[filled..]) {
            Ok(0) => return Ok(filled),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Splits a whole object's lines (the last may lack its newline) and accepts
/// each, exactly as [`split_lines`] does for a stream. `Ok(false)`: stopped early.
fn split_whole(
    data: &[u8],
    task: &ObjectTask,
    tx: &SyncSender<ReaderMsg>,
    cancel: &AtomicBool,
    stats: &mut ObjectStats,
) -> Result<bool, ExportError> {
    let mut chunk = task.pool.take(task.chunk_bytes(data.len()));
    // The whole object's UTF-8 in one pass: when it holds, every line of it
    // (cut at an ASCII `\n`) is text with no check of its own.
    let text = simdutf8::basic::from_utf8(data).ok();
    let mut line_no = 0u64;
    let mut start = 0;
    while start < data.len() {
        let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |pos| start + pos);
        line_no += 1;
        let as_text = text.map(|text| &text[start..end]);
        line(&data[start..end], as_text, line_no, task, &mut chunk, stats)?;
        start = end + 1;
        if chunk.data.len() >= CHUNK_BYTES
            && (cancel.load(Ordering::Relaxed)
                || !task.hand_on(
                    tx,
                    std::mem::replace(
                        &mut chunk,
                        task.pool
                            .take(task.chunk_bytes(data.len() - start.min(data.len()))),
                    ),
                ))
        {
            return Ok(false);
        }
    }
    if chunk.recs.is_empty() {
        task.pool.give(chunk);
    } else if !task.hand_on(tx, chunk) {
        return Ok(false);
    }
    Ok(true)
}

/// `Ok(None)`: stopped because the export was canceled or the consumer left.
fn read_lines(
    mut input: impl Read,
    task: &ObjectTask,
    tx: &SyncSender<ReaderMsg>,
    cancel: &AtomicBool,
) -> Result<Option<ObjectStats>, ExportError> {
    let mut stats = ObjectStats {
        bytes_read: task.size,
        ..Default::default()
    };
    let mut buf = READ_BUF.take();
    buf.resize(READ_BUF_BYTES, 0); // zeroed once per thread, not per object
    let result = split_lines(&mut input, &mut buf, task, tx, cancel, &mut stats);
    buf.truncate(READ_BUF_BYTES); // after a very long line, keep the usual size only
    buf.shrink_to(READ_BUF_BYTES);
    READ_BUF.set(buf);
    Ok(result?.then_some(stats))
}

thread_local! {
    /// The decompressed-bytes buffer, kept by each reader thread for its next object.
    static READ_BUF: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Splits `input` into lines and accepts each. `Ok(false)`: stopped early.
fn split_lines(
    input: &mut impl Read,
    buf: &mut Vec<u8>,
    task: &ObjectTask,
    tx: &SyncSender<ReaderMsg>,
    cancel: &AtomicBool,
    stats: &mut ObjectStats,
) -> Result<bool, ExportError> {
    let expected = task.chunk_bytes(task.expected_bytes());
    let mut chunk = task.pool.take(expected);
    let (mut filled, mut line_no) = (0usize, 0u64);
    let mut skipping = false;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0); // a line longer than the buffer
        }
        let n = read_retrying(input, &mut buf[filled..]).map_err(|e| io_error(task, e))?;
        let eof = n == 0;
        filled += n;
        let mut start = 0;
        if skipping {
            // The rest of an over-long line, already rejected: drop it.
            match memchr::memchr(b'\n', &buf[..filled]) {
                Some(pos) => {
                    skipping = false;
                    start = pos + 1;
                }
                None if eof => break,
                None => {
                    filled = 0;
                    continue;
                }
            }
        }
        while let Some(pos) = memchr::memchr(b'\n', &buf[start..filled]) {
            line_no += 1;
            line(
                &buf[start..start + pos],
                None,
                line_no,
                task,
                &mut chunk,
                stats,
            )?;
            start += pos + 1;
        }
        if eof {
            if start < filled {
                line_no += 1;
                line(&buf[start..filled], None, line_no, task, &mut chunk, stats)?;
            }
            break;
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
        if filled > MAX_LINE_BYTES {
            // No end in sight: reject it now rather than buffer it whole.
            line_no += 1;
            too_long(line_no, task, stats)?;
            skipping = true;
            filled = 0;
        }
        let full = chunk.data.len() >= CHUNK_BYTES;
        if full
            && (cancel.load(Ordering::Relaxed)
                || !task.hand_on(tx, std::mem::replace(&mut chunk, task.pool.take(expected))))
        {
            return Ok(false);
        }
    }
    if chunk.recs.is_empty() {
        task.pool.give(chunk);
    } else if !task.hand_on(tx, chunk) {
        return Ok(false);
    }
    Ok(true)
}

fn read_retrying(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Corrupt data is permanent; anything else (a dropped connection) may pass.
fn io_error(task: &ObjectTask, e: std::io::Error) -> ExportError {
    use std::io::ErrorKind::{InvalidData, InvalidInput, UnexpectedEof};
    let corrupt = matches!(e.kind(), InvalidData | InvalidInput | UnexpectedEof);
    let message = if corrupt {
        "the object is not valid gzip or is truncated"
    } else {
        "reading the object failed"
    };
    let error = SourceError::new(task.key.clone(), message, !corrupt).caused_by(e);
    ExportError::Source(if corrupt { error.corrupt() } else { error })
}

/// One complete line: rejected if over [`MAX_LINE_BYTES`], else accepted.
/// `as_text`: the same bytes as text, when they are known to be UTF-8.
fn line(
    line: &[u8],
    as_text: Option<&str>,
    line_no: u64,
    task: &ObjectTask,
    chunk: &mut Chunk,
    stats: &mut ObjectStats,
) -> Result<(), ExportError> {
    if line.len() > MAX_LINE_BYTES {
        return too_long(line_no, task, stats);
    }
    accept(line, as_text, line_no, task, chunk, stats)
}

fn too_long(line_no: u64, task: &ObjectTask, stats: &mut ObjectStats) -> Result<(), ExportError> {
    stats.lines_read += 1;
    let reason = format!("line longer than {} MiB", MAX_LINE_BYTES >> 20);
    reject(reason, line_no, task, stats)
}

/// Validates one line and keeps it if it is inside the window: rendered when
/// the formatter has a renderer, else as the raw line (the writer parses it
/// again when it needs every field; the id is all ordering needs).
fn accept(
    line: &[u8],
    as_text: Option<&str>,
    line_no: u64,
    task: &ObjectTask,
    chunk: &mut Chunk,
    stats: &mut ObjectStats,
) -> Result<(), ExportError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(()); // blank lines carry nothing
    }
    stats.lines_read += 1;
    let raw = match as_text {
        // The bytes above, `\r` taken off: a prefix ending before ASCII.
        Some(as_text) => &as_text[..line.len()],
        None => match text(line) {
            Ok(raw) => raw,
            Err(reason) => return reject(reason, line_no, task, stats),
        },
    };
    let payload_off = chunk.data.len();
    let in_window = |ts_ns: i64| (task.window_start_ns..task.window_end_ns).contains(&ts_ns);
    let internal = |e: FormatError| ExportError::Internal(e.to_string());
    if let Some(renderer) = &task.renderer
        && let Some(required) = renderer.render_line(raw, &mut chunk.data)
    {
        // Rendered as it was read: the same checks, then kept or taken back.
        let checked = check_required(&required, &task.tenant, &task.hour);
        return match checked {
            Ok(ts_ns) if in_window(ts_ns) => {
                renderer
                    .complete_line(
                        &mut chunk.data,
                        payload_off,
                        ts_ms(ts_ns),
                        required.event_id,
                    )
                    .map_err(internal)?;
                keep(chunk, payload_off, ts_ns, required.event_id, task);
                Ok(())
            }
            Ok(_) => {
                chunk.data.truncate(payload_off);
                Ok(())
            }
            Err(reason) => {
                chunk.data.truncate(payload_off);
                reject(reason, line_no, task, stats)
            }
        };
    }
    debug_assert_eq!(
        chunk.data.len(),
        payload_off,
        "a declined line is taken back"
    );
    let want = match &task.renderer {
        Some(renderer) if renderer.needs_fields() => Want::All,
        _ => Want::Required,
    };
    // Filled in place: an `Event` is big, and every move of one is a copy.
    let mut event = ParsedEvent {
        raw,
        fields: Event::required("", "", "", ""),
        ts_ms: 0,
    };
    let (ts_ns, facts) =
        match check_line_into(raw, &task.tenant, &task.hour, want, &mut event.fields) {
            Ok(checked) => checked,
            Err(reason) => return reject(reason, line_no, task, stats),
        };
    if !in_window(ts_ns) {
        return Ok(());
    }
    event.ts_ms = ts_ms(ts_ns);
    match &task.renderer {
        Some(renderer) => renderer
            .render_scanned(&event, facts, &mut chunk.data)
            .map_err(internal)?,
        None => chunk.data.extend_from_slice(line),
    }
    keep(chunk, payload_off, ts_ns, &event.fields.event_id, task);
    Ok(())
}

/// An event time in milliseconds, as records and the ordering hold it.
fn ts_ms(ts_ns: i64) -> i64 {
    ts_ns.div_euclid(1_000_000)
}

/// Keeps the event whose payload (rendered event or line) `chunk` holds
/// from `payload_off`: its id after it, and its record for the ordering.
fn keep(chunk: &mut Chunk, payload_off: usize, ts_ns: i64, event_id: &str, task: &ObjectTask) {
    let line_len = chunk.data.len() - payload_off;
    let id = event_id.as_bytes();
    chunk.data.extend_from_slice(id);
    chunk.recs.push(Rec {
        ts_ns,
        payload_off: payload_off as u32,
        payload_len: (chunk.data.len() - payload_off) as u32,
        line_len: line_len as u32,
        id_hash: task.id_hasher.hash(id),
    });
}

/// Counts a rejected line and keeps a sample, or fails the export in strict mode.
fn reject(
    reason: String,
    line_no: u64,
    task: &ObjectTask,
    stats: &mut ObjectStats,
) -> Result<(), ExportError> {
    if task.strict {
        return Err(ExportError::Strict {
            object: task.key.clone(),
            line: line_no,
            reason,
        });
    }
    stats.rejected_lines += 1;
    if stats.samples.len() < MAX_REJECTED_SAMPLES {
        stats.samples.push(RejectedSample {
            object: task.key.clone(),
            line: line_no,
            reason,
        });
    }
    Ok(())
}
