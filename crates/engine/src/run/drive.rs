//! The async driver of an export's readers: objects opened in plan order,
//! at most `concurrency` at once and only while the bytes read ahead of the
//! writer are under the limit, each read to its end by a reader thread.
use super::{EngineOptions, ExportPlan};
use crate::LakeSource;
use crate::ahead::ReadAhead;
use crate::formatter::EventRenderer;
use crate::reader::{CHUNK_BYTES, ChunkPool, IdHasher, ObjectTask, ReaderMsg, read_object};
use crate::reader_threads::ReaderThreads;
use crate::stage::StageClock;
use crate::validate::PartitionHour;
use crate::writer::ObjectFeed;
use chrono::{DateTime, Utc};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

fn nanos(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(if t.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// What every object reader shares.
pub(super) struct Readers {
    pub source: Arc<dyn LakeSource>,
    pub plan: ExportPlan,
    pub options: EngineOptions,
    pub renderer: Option<Arc<dyn EventRenderer>>,
    pub pool: Arc<ChunkPool>,
    pub ahead: Arc<ReadAhead>,
    pub clock: Arc<StageClock>,
    pub id_hasher: IdHasher,
    pub bytes_read: Arc<AtomicU64>,
    pub cancel: Arc<AtomicBool>,
}

/// Opens objects in plan order, at most `concurrency` at once and only while
/// the bytes read ahead of the writer are under the limit, and gives each to
/// a reader thread; the writer receives their outputs in the same order.
pub(super) async fn drive_readers(readers: Readers, feeds: tokio::sync::mpsc::Sender<ObjectFeed>) {
    let Readers {
        source,
        plan,
        options,
        renderer,
        pool,
        ahead,
        clock,
        id_hasher,
        bytes_read,
        cancel,
    } = readers;
    let permits = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let threads = ReaderThreads::start(
        options.concurrency.max(1),
        tokio::runtime::Handle::current(),
    );
    let tenant: Arc<str> = plan.tenant.as_str().into();
    for (hour_idx, (hour, objects)) in plan.hours.iter().enumerate() {
        for object in objects {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            ahead.room().await;
            if cancel.load(Ordering::Relaxed) {
                return;
            }
            let (tx, rx) = std::sync::mpsc::sync_channel(2);
            if feeds.send(ObjectFeed { hour: hour_idx, rx }).await.is_err() {
                return;
            }
            let task = ObjectTask {
                key: object.key.clone(),
                size: object.size,
                tenant: tenant.clone(),
                hour: PartitionHour::starting(nanos(*hour)),
                window_start_ns: nanos(plan.window.start),
                window_end_ns: nanos(plan.window.end),
                strict: options.strict,
                renderer: renderer.clone(),
                pool: pool.clone(),
                clock: clock.clone(),
                ahead: ahead.clone(),
                id_hasher: id_hasher.clone(),
            };
            // Until its chunks are counted as they go, the object counts as
            // the chunk it will fill.
            let reserved = task.expected_bytes().min(CHUNK_BYTES);
            ahead.add(reserved);
            let (source, object) = (source.clone(), object.clone());
            let (bytes_read, cancel) = (bytes_read.clone(), cancel.clone());
            let runtime = tokio::runtime::Handle::current();
            // One reader thread per object opens it (through the runtime
            // unless the source has plain files) and reads it to the end.
            threads.run(move || {
                let input = match source.open_blocking(&object) {
                    Some(opened) => opened,
                    None => runtime.block_on(source.open(&object)).map(|input| {
                        Box::new(tokio_util::io::SyncIoBridge::new_with_handle(
                            input, runtime,
                        )) as Box<dyn Read + Send>
                    }),
                };
                // The source may own what feeds the stream; holding it
                // while reading could keep a stalled read alive forever
                // (worker test `an_export_still_running_at_the_deadline_...`).
                drop(source);
                match input {
                    Ok(input) => {
                        let input = Counting {
                            inner: input,
                            counter: bytes_read,
                        };
                        read_object(input, &task, &tx, &cancel);
                    }
                    Err(e) => {
                        let _ = tx.send(ReaderMsg::Failed(e.into()));
                    }
                }
                task.ahead.remove(reserved);
                drop(permit);
            });
        }
    }
}

/// Counts the stored bytes read, for progress.
struct Counting<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
