//! Reading one lake object on a blocking thread: decompress (every gzip
//! member), split lines, validate, and hand accepted events on in chunks of
//! bounded size, so a huge object never sits in memory whole.
use super::ahead::ReadAhead;
use super::stage::{StageClock, thread_cpu_ns};
use super::validate::PartitionHour;
use super::{ExportError, SourceError};
use crate::formatter::{AS_MANY_AS_THE_LINE, EventRenderer};
use kt_domain::RejectedSample;
use std::io::{BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;

mod accept;
mod chunk;
use accept::{line, too_long};
pub(crate) use chunk::{Chunk, ChunkPool, IdHasher, Rec};

/// A chunk is handed on once its data reaches this size.
pub(crate) const CHUNK_BYTES: usize = 4 << 20;
/// A line longer than this is rejected as malformed, never buffered whole.
pub const MAX_LINE_BYTES: usize = 1 << 20;
const READ_BUF_BYTES: usize = 256 << 10;
/// Stored (compressed) bytes read at a time; lake objects are ~64 KB.
const INPUT_BUF_BYTES: usize = 64 << 10;

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

    /// Hands on an object's last chunk, or gives an empty one back to the
    /// pool. `false`: nobody listens any more.
    fn hand_on_last(&self, tx: &SyncSender<ReaderMsg>, chunk: Chunk) -> bool {
        if chunk.recs.is_empty() {
            self.pool.give(chunk);
            return true;
        }
        self.hand_on(tx, chunk)
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
    Ok(task.hand_on_last(tx, chunk))
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
    Ok(task.hand_on_last(tx, chunk))
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
