//! The ordering and formatting stage, on one blocking thread: takes each
//! object's chunks in plan order, orders each hour partition, feeds the
//! formatter, and hands the artifact on in ~1 MiB chunks while hashing it.
//!
//! Progress is expressible as a cursor: hours are finished one at a time in
//! plan order, so "hour index + events emitted in that hour" locates the output.
use super::ExportError;
use super::ahead::ReadAhead;
use super::artifact_hash::ArtifactHash;
use super::digest_beside;
use super::order::{HourBuffer, RecView};
use super::reader::{ChunkPool, ObjectStats, ReaderMsg};
use super::scan::Want;
use super::stage::{StageClock, thread_cpu_ns};
use super::validate::fields;
use crate::formatter::{ExportContext, ExportSummary, Formatter};
use bytes::Bytes;
use kt_domain::ParsedEvent;
use kt_domain::{JobStats, MAX_REJECTED_SAMPLES};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

const OUTPUT_CHUNK_BYTES: usize = 1 << 20;

/// One object's reader output, in plan order.
pub(crate) struct ObjectFeed {
    pub hour: usize,
    pub rx: std::sync::mpsc::Receiver<ReaderMsg>,
}

pub(crate) struct WriterSetup {
    pub ctx: ExportContext,
    pub formatter: Box<dyn Formatter>,
    pub hour_budget: usize,
    pub spill_dir: PathBuf,
    pub objects_skipped: u64,
    pub feeds: tokio::sync::mpsc::Receiver<ObjectFeed>,
    pub out: tokio::sync::mpsc::Sender<Bytes>,
    pub events: Arc<AtomicU64>,
    pub cancel: Arc<AtomicBool>,
    pub pool: Arc<ChunkPool>,
    /// Told when a chunk is taken, so the driver opens further objects.
    pub ahead: Arc<ReadAhead>,
    pub clock: Arc<StageClock>,
    /// Set: end the export at the next hour boundary ([`crate::resume`]).
    pub stop: Arc<AtomicBool>,
    /// The hash to continue (a resumed run's), else a fresh one.
    pub hasher: Sha256,
}

pub(crate) struct Written {
    pub event_count: u64,
    pub size_bytes: u64,
    pub sha256: String,
    pub stats: JobStats,
    /// `Some(h)`: stopped before plan hour `h` (nothing of it written, the
    /// formatter's `finish` not called).
    pub stopped_before: Option<usize>,
    /// The hash's state after the last byte, to be continued.
    pub hash_state: Vec<u8>,
}

/// What an ordered record's body is and what the formatter needs from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// Bytes the formatter's renderer wrote on a reader thread.
    Rendered,
    /// The raw line; the formatter needs every field (a second parse).
    Parse,
}

/// The artifact's bytes on their way out: buffered, counted, hashed.
struct Output {
    buf: Vec<u8>,
    hash: ArtifactHash,
    size: u64,
    tx: tokio::sync::mpsc::Sender<Bytes>,
    pool: Arc<OutPool>,
}

impl Output {
    fn send(&mut self) -> Result<(), ExportError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.size += self.buf.len() as u64;
        let chunk = std::mem::replace(&mut self.buf, self.pool.take());
        let chunk = Bytes::from_owner(Pooled {
            buf: chunk,
            pool: self.pool.clone(),
        });
        self.hash.add(&chunk)?;
        self.tx
            .blocking_send(chunk)
            .map_err(|_| ExportError::Canceled)
    }
}

/// Output buffers come back here once the sink drops their bytes, so the
/// writer reuses their pages instead of faulting in a fresh megabyte per chunk.
#[derive(Default)]
struct OutPool(std::sync::Mutex<Vec<Vec<u8>>>);

/// Buffers kept: the sink channel holds 4 chunks, the sink a few more.
const OUT_POOL_MAX: usize = 8;

impl OutPool {
    fn take(&self) -> Vec<u8> {
        let reused = self.0.lock().unwrap_or_else(|e| e.into_inner()).pop();
        reused.unwrap_or_else(|| Vec::with_capacity(OUTPUT_CHUNK_BYTES + 4096))
    }
}

/// One output chunk on its way to the sink; its buffer goes back to the pool
/// when the last `Bytes` of it is dropped.
struct Pooled {
    buf: Vec<u8>,
    pool: Arc<OutPool>,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let mut buf = std::mem::take(&mut self.buf);
        // Only buffers of the usual size (a large `finish` may have grown one).
        if buf.capacity() > 2 * (OUTPUT_CHUNK_BYTES + 4096) {
            return;
        }
        buf.clear();
        let mut free = self.pool.0.lock().unwrap_or_else(|e| e.into_inner());
        if free.len() < OUT_POOL_MAX {
            free.push(buf);
        }
    }
}

pub(crate) fn write_export(s: WriterSetup) -> Result<Written, ExportError> {
    let started = thread_cpu_ns();
    let clock = s.clock.clone();
    let written = write_export_timed(s);
    StageClock::add(&clock.writer, started, thread_cpu_ns());
    written
}

fn write_export_timed(mut s: WriterSetup) -> Result<Written, ExportError> {
    let format_error = |e: crate::formatter::FormatError| ExportError::Internal(e.to_string());
    let mut out = Output {
        buf: Vec::with_capacity(OUTPUT_CHUNK_BYTES + 4096),
        hash: ArtifactHash::start(std::mem::take(&mut s.hasher), s.clock.clone()),
        size: 0,
        tx: s.out.clone(),
        pool: Arc::default(),
    };
    let mut stats = JobStats {
        objects_skipped: s.objects_skipped,
        ..Default::default()
    };
    // With a renderer, the readers already wrote each event's bytes.
    let body = if s.formatter.renderer().is_some() {
        Body::Rendered
    } else {
        Body::Parse
    };
    let mut event_count = 0u64;
    s.formatter
        .begin(&s.ctx, &mut out.buf)
        .map_err(format_error)?;

    // Emits one finished hour; returns the duplicates it dropped.
    let mut drain = |buffer: HourBuffer| {
        drain_hour(
            buffer,
            &mut *s.formatter,
            &mut out,
            body,
            &mut event_count,
            &s.events,
        )
    };
    let mut current: Option<(usize, HourBuffer)> = None;
    let mut stopped_before = None;
    let mut trimmer = crate::heap_trim::Trimmer::new();
    while let Some(feed) = s.feeds.blocking_recv() {
        if current.as_ref().is_some_and(|(hour, _)| *hour != feed.hour) {
            let (_, buffer) = current.take().expect("checked");
            stats.duplicates_removed += drain(buffer)?;
            // An hour is whole (ordered and de-duplicated on its own): the
            // output so far is exactly what a run of the earlier hours writes.
            if s.stop.load(Ordering::Relaxed) {
                stopped_before = Some(feed.hour);
                break;
            }
            trimmer.between_hours();
        }
        let buffer = &mut current
            .get_or_insert_with(|| {
                (
                    feed.hour,
                    HourBuffer::new(s.hour_budget, s.spill_dir.clone(), s.pool.clone()),
                )
            })
            .1;
        loop {
            if s.cancel.load(Ordering::Relaxed) {
                return Err(ExportError::Canceled);
            }
            match feed.rx.recv() {
                Ok(ReaderMsg::Chunk(chunk)) => {
                    s.ahead.remove(chunk.footprint());
                    buffer.push(chunk)?
                }
                Ok(ReaderMsg::Done(object)) => {
                    add_object(&mut stats, object);
                    break;
                }
                Ok(ReaderMsg::Failed(e)) => return Err(e),
                Err(_) => {
                    return Err(ExportError::Internal(
                        "an object reader stopped unexpectedly".into(),
                    ));
                }
            }
        }
    }
    if let Some((_, buffer)) = current.take() {
        stats.duplicates_removed += drain(buffer)?;
    }
    if s.cancel.load(Ordering::Relaxed) {
        return Err(ExportError::Canceled);
    }
    if stopped_before.is_none() {
        s.pool.release();
        let summary = ExportSummary {
            event_count,
            stats: stats.clone(),
        };
        s.formatter
            .finish(&s.ctx, &summary, &mut out.buf)
            .map_err(format_error)?;
    }
    s.events.store(event_count, Ordering::Relaxed);
    out.send()?;
    let hasher = out.hash.finish()?;
    let hash_state = crate::resume::save_hash(&hasher);
    Ok(Written {
        event_count,
        size_bytes: out.size,
        sha256: hex::encode(hasher.finalize()),
        stats,
        stopped_before,
        hash_state,
    })
}

/// Emits one ordered hour through the formatter.
fn drain_hour(
    buffer: HourBuffer,
    formatter: &mut dyn Formatter,
    out: &mut Output,
    body: Body,
    event_count: &mut u64,
    events: &AtomicU64,
) -> Result<u64, ExportError> {
    let mut emit = |formatter: &mut dyn Formatter, v: &RecView<'_>| {
        let written = match body {
            Body::Rendered => formatter.event_rendered(v.line(), &mut out.buf),
            Body::Parse => formatter.event(&parsed_event(v)?, &mut out.buf),
        };
        written.map_err(|e| ExportError::Internal(e.to_string()))?;
        *event_count += 1;
        if out.buf.len() >= OUTPUT_CHUNK_BYTES {
            events.store(*event_count, Ordering::Relaxed);
            out.send()?;
        }
        Ok(())
    };
    if body == Body::Rendered
        && buffer.in_memory()
        && buffer.len() >= digest_beside::MIN_EVENTS
        && let Some(digest) = formatter.lend_line_digest()
    {
        return digest_beside::drain(buffer, formatter, digest, &mut emit);
    }
    buffer.drain(&mut |v| emit(formatter, v))
}

fn add_object(stats: &mut JobStats, object: ObjectStats) {
    stats.objects_read += 1;
    stats.bytes_read += object.bytes_read;
    stats.lines_read += object.lines_read;
    stats.rejected_lines += object.rejected_lines;
    let room = MAX_REJECTED_SAMPLES.saturating_sub(stats.rejected_samples.len());
    stats
        .rejected_samples
        .extend(object.samples.into_iter().take(room));
}

/// The formatter's view of an event: the line parsed again (the reader only
/// kept its bytes).
fn parsed_event<'a>(v: &RecView<'a>) -> Result<ParsedEvent<'a>, ExportError> {
    let raw = super::validate::utf8(v.line())
        .map_err(|e| ExportError::Internal(format!("buffered event is not UTF-8: {e}")))?;
    let fields = fields(raw, Want::All)
        .map_err(|e| ExportError::Internal(format!("re-reading an accepted event failed: {e}")))?;
    Ok(ParsedEvent {
        raw,
        fields,
        ts_ms: v.ts_ns.div_euclid(1_000_000),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pooled(pool: &Arc<OutPool>, text: &[u8]) -> Bytes {
        let mut buf = pool.take();
        buf.extend_from_slice(text);
        Bytes::from_owner(Pooled {
            buf,
            pool: pool.clone(),
        })
    }

    #[test]
    fn an_output_buffer_comes_back_once_the_sink_drops_its_bytes() {
        let pool = Arc::new(OutPool::default());
        let first = pooled(&pool, b"chunk one");
        let address = first.as_ptr();
        let slice = first.slice(6..);
        drop(first);
        assert!(pool.0.lock().unwrap().is_empty(), "still held by a slice");
        assert_eq!(&slice[..], b"one");
        drop(slice);
        let again = pool.take();
        assert_eq!(again.as_ptr(), address, "the same buffer, reused");
        assert!(again.is_empty() && again.capacity() >= OUTPUT_CHUNK_BYTES);
        // The pool keeps a bounded number; one grown past the usual size is freed.
        let held: Vec<Bytes> = (0..OUT_POOL_MAX + 3).map(|_| pooled(&pool, b"x")).collect();
        drop(held);
        assert_eq!(pool.0.lock().unwrap().len(), OUT_POOL_MAX);
        let mut big = pool.take();
        big.reserve(8 * OUTPUT_CHUNK_BYTES);
        drop(Bytes::from_owner(Pooled {
            buf: big,
            pool: pool.clone(),
        }));
        assert_eq!(pool.0.lock().unwrap().len(), OUT_POOL_MAX - 1);
    }
}
