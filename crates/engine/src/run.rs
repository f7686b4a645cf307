//! Planning (which objects) and running (read, order, format, hash, write) an export.
//!
//! The signatures are the contract with the worker and the CLI.
//!
//! Pipeline: an async driver opens up to `concurrency` objects at once and
//! gives each to a reader thread (gunzip, split, validate); one writer
//! thread takes their chunks in plan order, orders each hour partition, formats
//! and hashes; this task streams the output to the sink and reports progress.
//! Readers run ahead of the writer, so hour N+1 is read while hour N is
//! written, by at most `EngineOptions::read_ahead_bytes` (see `ahead`), and
//! below its priority (see `reader_threads`).
use super::ahead::ReadAhead;
use super::reader::{ChunkPool, IdHasher};
use super::stage::StageClock;
use super::writer::{WriterSetup, Written, write_export};
use super::{
    ArtifactSink, ExportError, ExportOutcome, LakeSource, Progress, ProgressObserver, SourceObject,
};
use crate::formatter::{ExportContext, Formatter, SourceInventory};
use crate::resume::{Resume, RunEnd};
use bytes::Bytes;
use chrono::{DateTime, Duration as TimeDelta, DurationRound, NaiveDate, Utc};
use drive::{Readers, drive_readers};
use kt_domain::{TenantId, Window};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

mod drive;

/// Tuning knobs; defaults fit a 1,024 MB Lambda.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Objects fetched and decoded at once.
    pub concurrency: usize,
    /// Bytes of events read but not yet taken by the writer past which no
    /// further object is opened (see `ahead`).
    pub read_ahead_bytes: usize,
    /// Memory for ordering one hour partition before sorted runs spill to `spill_dir`.
    pub sort_budget_bytes: usize,
    pub spill_dir: PathBuf,
    /// A malformed line fails the export instead of being counted.
    pub strict: bool,
    /// How often the progress observer is called.
    pub progress_interval: Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            read_ahead_bytes: 8 << 20,
            sort_budget_bytes: 256 << 20,
            spill_dir: std::env::temp_dir(),
            strict: false,
            progress_interval: Duration::from_secs(5),
        }
    }
}

/// The frozen list of objects an export reads, grouped by hour partition in time order.
#[derive(Debug, Clone)]
pub struct ExportPlan {
    pub tenant: TenantId,
    pub window: Window,
    /// (hour start in UTC, that hour's objects sorted by key)
    pub hours: Vec<(DateTime<Utc>, Vec<SourceObject>)>,
    /// Objects under the listed prefixes that are neither `.ndjson.gz` nor `.ndjson`.
    pub skipped_objects: u64,
    pub inventory: SourceInventory,
}

/// Lists the tenant's hour partitions that overlap the window: one LIST per
/// day prefix, keys grouped by hour.
pub async fn plan(
    source: &dyn LakeSource,
    tenant: &TenantId,
    window: &Window,
) -> Result<ExportPlan, ExportError> {
    let mut hours: BTreeMap<DateTime<Utc>, Vec<SourceObject>> = BTreeMap::new();
    let first = window
        .start
        .duration_trunc(TimeDelta::hours(1))
        .map_err(|e| ExportError::Internal(format!("window start: {e}")))?;
    let mut hour = first;
    while hour < window.end {
        hours.insert(hour, Vec::new());
        hour += TimeDelta::hours(1);
    }
    let days: Vec<NaiveDate> = {
        let mut d: Vec<NaiveDate> = hours.keys().map(|h| h.date_naive()).collect();
        d.dedup();
        d
    };
    let mut skipped_objects = 0u64;
    for day in days {
        let prefix = format!(
            "events/tenant={}/dt={}/",
            tenant.as_str(),
            day.format("%Y-%m-%d")
        );
        for object in source.list(&prefix).await? {
            let rest = &object.key[prefix.len().min(object.key.len())..];
            let hour_of_key = rest
                .strip_prefix("hour=")
                .and_then(|r| r.get(..3))
                .and_then(|h| h.strip_suffix('/'))
                .and_then(|h| h.parse::<u32>().ok())
                .and_then(|h| day.and_hms_opt(h, 0, 0))
                .map(|t| t.and_utc());
            let Some(objects) = hour_of_key.and_then(|h| hours.get_mut(&h)) else {
                if hour_of_key.is_none() {
                    skipped_objects += 1; // not in an hour partition at all
                }
                continue;
            };
            if object.key.ends_with(".ndjson.gz") || object.key.ends_with(".ndjson") {
                objects.push(object);
            } else {
                skipped_objects += 1;
            }
        }
    }
    let mut listing: Vec<String> = Vec::new();
    let mut bytes = 0u64;
    for objects in hours.values_mut() {
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        for o in objects.iter() {
            bytes += o.size;
            listing.push(format!("{}|{}|{}\n", o.key, o.etag, o.size));
        }
    }
    listing.sort();
    let mut digest = Sha256::new();
    for line in &listing {
        digest.update(line.as_bytes());
    }
    Ok(ExportPlan {
        tenant: tenant.clone(),
        window: *window,
        hours: hours.into_iter().collect(),
        skipped_objects,
        inventory: SourceInventory {
            objects: listing.len() as u64,
            bytes,
            listing_digest: format!("sha256:{}", hex::encode(digest.finalize())),
            listed_at: Some(chrono::Utc::now()),
        },
    })
}

/// Runs a planned export: every accepted event inside the window, ordered by
/// (`ts`, `event_id`), each `event_id` once, through `formatter` into `sink`.
/// On error the sink is aborted; on success it is finished.
pub async fn run(
    source: Arc<dyn LakeSource>,
    plan: &ExportPlan,
    ctx: &ExportContext,
    formatter: Box<dyn Formatter>,
    sink: Box<dyn ArtifactSink>,
    options: &EngineOptions,
    progress: &dyn ProgressObserver,
) -> Result<ExportOutcome, ExportError> {
    let end = run_resumable(
        source,
        plan,
        ctx,
        formatter,
        sink,
        options,
        progress,
        Resume::default(),
    )
    .await?;
    Ok(end.outcome)
}

/// [`run`], able to stop at an hour boundary and to continue an
/// earlier run's hash. The sink is finished either way.
#[allow(clippy::too_many_arguments)]
pub async fn run_resumable(
    source: Arc<dyn LakeSource>,
    plan: &ExportPlan,
    ctx: &ExportContext,
    formatter: Box<dyn Formatter>,
    mut sink: Box<dyn ArtifactSink>,
    options: &EngineOptions,
    progress: &dyn ProgressObserver,
    resume: Resume,
) -> Result<RunEnd, ExportError> {
    let concurrency = options.concurrency.max(1);
    let cancel = Arc::new(AtomicBool::new(false));
    let bytes_read = Arc::new(AtomicU64::new(0));
    let events = Arc::new(AtomicU64::new(0));
    let pool = Arc::new(ChunkPool::default());
    let ahead = Arc::new(ReadAhead::new(options.read_ahead_bytes));
    let clock = Arc::new(StageClock::default());
    let (feed_tx, feed_rx) = tokio::sync::mpsc::channel(concurrency);
    let (out_tx, mut out_rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    let driver = tokio::spawn(drive_readers(
        Readers {
            source,
            plan: plan.clone(),
            options: options.clone(),
            renderer: formatter.renderer(),
            pool: pool.clone(),
            ahead: ahead.clone(),
            clock: clock.clone(),
            id_hasher: IdHasher::random(),
            bytes_read: bytes_read.clone(),
            cancel: cancel.clone(),
        },
        feed_tx,
    ));
    // Dropped with this future (the worker's deadline, a canceled task): the
    // readers and the writer stop instead of reading on in the background.
    let _stop_on_drop = StopOnDrop {
        cancel: cancel.clone(),
        driver: driver.abort_handle(),
    };
    let writer = spawn_writer(WriterSetup {
        ctx: ctx.clone(),
        formatter,
        // Two hours can be in memory at once (one ordered, one read).
        hour_budget: (options.sort_budget_bytes / 2).max(1),
        spill_dir: options.spill_dir.clone(),
        objects_skipped: plan.skipped_objects,
        feeds: feed_rx,
        out: out_tx,
        events: events.clone(),
        cancel: cancel.clone(),
        pool,
        ahead,
        clock: clock.clone(),
        stop: resume.stop.flag(),
        hasher: resume.hasher,
    });
    let total = plan.inventory.bytes.max(1) as f64;
    let mut ticker = tokio::time::interval(options.progress_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    let streamed: Result<(), ExportError> = loop {
        tokio::select! {
            chunk = out_rx.recv() => match chunk {
                Some(chunk) => {
                    let started = std::time::Instant::now();
                    let written = sink.write(chunk).await;
                    clock.sink.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
                    if let Err(e) = written { break Err(e.into()) }
                }
                None => break Ok(()),
            },
            _ = ticker.tick() => {
                let now = Progress {
                    fraction: (bytes_read.load(Ordering::Relaxed) as f64 / total).min(1.0),
                    event_count: events.load(Ordering::Relaxed),
                };
                if let Err(e) = progress.on_progress(&now).await { break Err(e) }
            }
        }
    };
    drop(out_rx);
    driver.abort();
    let written: Result<Written, ExportError> = match streamed {
        // Stop at once: the writer and readers see `cancel` (or a closed
        // channel) and wind down by themselves; waiting for them could hang
        // on a stalled source.
        Err(e) => Err(e),
        Ok(()) => writer.await.unwrap_or_else(|_| {
            Err(ExportError::Internal(
                "the export writer could not start".into(),
            ))
        }),
    };
    match written {
        Ok(w) => {
            sink.finish().await?;
            Ok(RunEnd {
                outcome: ExportOutcome {
                    event_count: w.event_count,
                    size_bytes: w.size_bytes,
                    sha256: w.sha256,
                    stats: w.stats,
                    timings: clock.times(),
                },
                stopped_before: w.stopped_before,
                hash_state: w.hash_state,
            })
        }
        Err(e) => {
            cancel.store(true, Ordering::Relaxed);
            sink.abort().await;
            Err(e)
        }
    }
}

/// Starts the writer on a thread of its own: a thread of the runtime's
/// blocking pool may have been started from a reader's thread (a blocking
/// call while opening an object) and kept its lower priority (`reader_threads`).
/// It runs in the runtime's context, as a blocking thread does (a bundle's
/// signer and timestamp authority are reached through it). Its answer, or
/// its panic's message, comes through the channel; none (the sender
/// dropped) means it never started.
fn spawn_writer(
    setup: WriterSetup,
) -> tokio::sync::oneshot::Receiver<Result<Written, ExportError>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let runtime = tokio::runtime::Handle::current();
    let _detached = std::thread::Builder::new()
        .name("kt-export-writer".into())
        .spawn(move || {
            let _in_runtime = runtime.enter();
            let written =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write_export(setup)));
            let _ = tx.send(written.unwrap_or_else(|panic| {
                Err(ExportError::Internal(format!(
                    "the export writer panicked: {}",
                    crate::digest_beside::panic_message(&*panic)
                )))
            }));
        });
    rx
}

/// Tells the readers and the writer to stop, and stops opening objects.
struct StopOnDrop {
    cancel: Arc<AtomicBool>,
    driver: tokio::task::AbortHandle,
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        self.driver.abort();
    }
}
