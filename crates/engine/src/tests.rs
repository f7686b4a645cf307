//! Engine behaviour over an in-memory lake (`mem_lake`): reading, rejecting,
//! ordering, de-duplicating, spilling, reading ahead, strict mode, cancellation.
use super::*;
use crate::formats::{ExportContext, SourceInventory, formatter_for};
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{TimeZone, Utc};
use flate2::{Compression, write::GzEncoder};
use kt_domain::{ExportFormat, TenantId, Window};
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod digest_beside;
mod mem_lake;
use mem_lake::{MemLake, generated_lake};

#[derive(Clone, Default)]
struct MemSink {
    bytes: Arc<Mutex<Vec<u8>>>,
    state: Arc<Mutex<&'static str>>,
}

#[async_trait]
impl ArtifactSink for MemSink {
    async fn write(&mut self, chunk: Bytes) -> Result<(), SinkError> {
        self.bytes.lock().unwrap().extend_from_slice(&chunk);
        Ok(())
    }
    async fn finish(self: Box<Self>) -> Result<(), SinkError> {
        *self.state.lock().unwrap() = "finished";
        Ok(())
    }
    async fn abort(self: Box<Self>) {
        *self.state.lock().unwrap() = "aborted";
    }
}

struct Quiet;
#[async_trait]
impl ProgressObserver for Quiet {
    async fn on_progress(&self, _: &Progress) -> Result<(), ExportError> {
        Ok(())
    }
}

struct CancelAtOnce;
#[async_trait]
impl ProgressObserver for CancelAtOnce {
    async fn on_progress(&self, _: &Progress) -> Result<(), ExportError> {
        Err(ExportError::Canceled)
    }
}

fn gzip_members(members: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members {
        let mut enc = GzEncoder::new(&mut out, Compression::fast());
        enc.write_all(m.as_bytes()).unwrap();
        enc.finish().unwrap();
    }
    out
}

fn ev(id: &str, ts: &str) -> String {
    format!(
        r#"{{"event_id":"{id}","ts":"2026-05-01T{ts}Z","tenant_id":"acme","event_type":"gateway.request","x":1}}"#
    )
}

const H08: &str = "events/tenant=acme/dt=2026-05-01/hour=08/";
const H09: &str = "events/tenant=acme/dt=2026-05-01/hour=09/";

fn window(from: (u32, u32), to: (u32, u32)) -> Window {
    Window {
        start: Utc.with_ymd_and_hms(2026, 5, 1, from.0, from.1, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 5, 1, to.0, to.1, 0).unwrap(),
        timezone: chrono_tz::UTC,
    }
}

fn context(format: ExportFormat, window: Window, plan: &ExportPlan) -> ExportContext {
    ExportContext {
        job_id: None,
        tenant_id: TenantId::parse("acme").unwrap(),
        format,
        window,
        file_name: "kt_test".into(),
        generated_at: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
        requested_by: "test".into(),
        pseudonym_key: "k".into(),
        // The listing's instant fixed, so that two exports of a lake compare.
        sources: SourceInventory {
            listed_at: Some(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()),
            ..plan.inventory.clone()
        },
        signer: None,
        timestamper: None,
        report: Default::default(),
    }
}

async fn export(
    lake: MemLake,
    window: Window,
    options: EngineOptions,
    observer: &dyn ProgressObserver,
) -> (Result<ExportOutcome, ExportError>, MemSink, ExportPlan) {
    export_as(ExportFormat::Json, lake, window, options, observer).await
}

async fn export_as(
    format: ExportFormat,
    lake: MemLake,
    window: Window,
    options: EngineOptions,
    observer: &dyn ProgressObserver,
) -> (Result<ExportOutcome, ExportError>, MemSink, ExportPlan) {
    export_through(format, lake, window, options, observer, formatter_for).await
}

/// [`export_as`] with the formatter `formatter` makes of the job's context.
async fn export_through(
    format: ExportFormat,
    lake: MemLake,
    window: Window,
    options: EngineOptions,
    observer: &dyn ProgressObserver,
    formatter: impl FnOnce(&ExportContext) -> Box<dyn crate::formatter::Formatter>,
) -> (Result<ExportOutcome, ExportError>, MemSink, ExportPlan) {
    let lake: Arc<dyn LakeSource> = Arc::new(lake);
    let tenant = TenantId::parse("acme").unwrap();
    let plan = plan(lake.as_ref(), &tenant, &window).await.unwrap();
    let ctx = context(format, window, &plan);
    let sink = MemSink::default();
    let result = run(
        lake,
        &plan,
        &ctx,
        formatter(&ctx),
        Box::new(sink.clone()),
        &options,
        observer,
    )
    .await;
    (result, sink, plan)
}

fn exported_ids(sink: &MemSink) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_slice(&sink.bytes.lock().unwrap()).unwrap();
    doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap().to_string())
        .collect()
}

fn mixed_lake() -> MemLake {
    let mut lake = MemLake::default();
    let a = format!("{}\n{}\n", ev("c", "08:40:00.000"), ev("a", "08:30:00.000"));
    let b = format!(
        "{}\n{}\nnot json\n",
        ev("b", "08:29:59.999"),
        ev("d", "08:31:00.000")
    );
    lake.objects
        .insert(format!("{H08}a.ndjson.gz"), gzip_members(&[&a, &b]));
    // Same ts as "c" and sorting before it by id; "a" again (a duplicate); no trailing newline.
    let plain = format!(
        "{}\n{}\n{}",
        ev("bb", "08:40:00.000"),
        ev("a", "08:30:00.000"),
        ev("e", "09:00:00.000")
    );
    lake.objects
        .insert(format!("{H08}b.ndjson"), plain.into_bytes());
    lake.objects.insert(format!("{H08}c.json"), b"{}".to_vec());
    lake.objects.insert(
        format!("{H09}a.ndjson.gz"),
        gzip_members(&[&format!("{}\n", ev("f", "09:00:00.000"))]),
    );
    lake
}

#[tokio::test]
async fn reads_every_member_and_plain_objects_orders_dedupes_and_rejects() {
    let (result, sink, plan) = export(
        mixed_lake(),
        window((8, 30), (9, 0)),
        EngineOptions::default(),
        &Quiet,
    )
    .await;
    let outcome = result.unwrap();
    assert_eq!(exported_ids(&sink), ["a", "d", "bb", "c"]);
    assert_eq!(*sink.state.lock().unwrap(), "finished");
    let s = &outcome.stats;
    assert_eq!((s.objects_read, s.objects_skipped, s.lines_read), (2, 1, 8));
    assert_eq!((s.rejected_lines, s.duplicates_removed), (2, 1));
    let samples: Vec<(&str, u64)> = s
        .rejected_samples
        .iter()
        .map(|r| (r.object.as_str(), r.line))
        .collect();
    assert_eq!(
        samples,
        [
            (format!("{H08}a.ndjson.gz").as_str(), 5),
            (format!("{H08}b.ndjson").as_str(), 3)
        ]
    );
    assert!(s.rejected_samples[0].reason.starts_with("not valid JSON"));
    assert!(
        s.rejected_samples[1]
            .reason
            .contains("outside its partition's hour")
    );
    assert_eq!(outcome.event_count, 4);
    let bytes = sink.bytes.lock().unwrap().clone();
    assert_eq!(outcome.size_bytes, bytes.len() as u64);
    assert_eq!(outcome.sha256, {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    });
    assert_eq!(
        plan.hours.len(),
        1,
        "only the hour overlapping [08:30, 09:00)"
    );
}

#[tokio::test]
async fn plan_lists_each_day_once_and_freezes_a_sorted_inventory() {
    let mut lake = mixed_lake();
    lake.objects.insert(
        "events/tenant=acme/dt=2026-05-02/hour=00/z.ndjson".into(),
        ev("z", "00:00:00.000").into_bytes(),
    );
    lake.objects.insert(
        "events/tenant=acme-other/dt=2026-05-01/hour=08/x.ndjson".into(),
        b"x".to_vec(),
    );
    let lake = Arc::new(lake);
    let window = Window {
        end: Utc.with_ymd_and_hms(2026, 5, 2, 1, 0, 0).unwrap(),
        ..window((8, 0), (9, 0))
    };
    let plan = plan(lake.as_ref(), &TenantId::parse("acme").unwrap(), &window)
        .await
        .unwrap();
    assert_eq!(lake.lists.load(Ordering::SeqCst), 2, "one LIST per day");
    assert_eq!(plan.hours.len(), 17);
    assert_eq!(
        plan.hours[0]
            .1
            .iter()
            .map(|o| o.key.rsplit('/').next().unwrap())
            .collect::<Vec<_>>(),
        ["a.ndjson.gz", "b.ndjson"]
    );
    assert_eq!(plan.hours[16].1.len(), 1);
    assert_eq!((plan.inventory.objects, plan.skipped_objects), (4, 1));
    assert!(
        plan.inventory.listing_digest.starts_with("sha256:")
            && plan.inventory.listing_digest.len() == 71
    );
}

#[tokio::test]
async fn events_just_outside_the_window_are_left_out() {
    let (result, sink, _) = export(
        mixed_lake(),
        window((8, 30), (9, 0)),
        EngineOptions::default(),
        &Quiet,
    )
    .await;
    result.unwrap();
    let ids = exported_ids(&sink);
    assert!(
        !ids.contains(&"b".to_string()),
        "08:29:59.999 is before the window"
    );
    assert!(
        !ids.contains(&"f".to_string()),
        "09:00:00.000 is the exclusive end"
    );
    let (result, sink, _) = export(
        mixed_lake(),
        window((8, 0), (10, 0)),
        EngineOptions::default(),
        &Quiet,
    )
    .await;
    result.unwrap();
    assert_eq!(exported_ids(&sink), ["b", "a", "d", "bb", "c", "f"]);
}

#[tokio::test]
async fn strict_mode_fails_on_the_first_malformed_line_and_aborts_the_sink() {
    let options = EngineOptions {
        strict: true,
        ..Default::default()
    };
    let (result, sink, _) = export(mixed_lake(), window((8, 0), (10, 0)), options, &Quiet).await;
    match result {
        Err(ExportError::Strict { object, line, .. }) => assert_eq!(
            (object.as_str(), line),
            (format!("{H08}a.ndjson.gz").as_str(), 5)
        ),
        other => panic!("expected a strict-mode error, got {other:?}"),
    }
    assert_eq!(*sink.state.lock().unwrap(), "aborted");
}

#[tokio::test]
async fn a_progress_observer_error_cancels_the_export() {
    let mut lake = mixed_lake();
    lake.open_delay = Some(Duration::from_millis(200));
    let options = EngineOptions {
        progress_interval: Duration::from_millis(10),
        ..Default::default()
    };
    let (result, sink, _) = export(lake, window((8, 0), (10, 0)), options, &CancelAtOnce).await;
    assert!(matches!(result, Err(ExportError::Canceled)), "{result:?}");
    assert_eq!(*sink.state.lock().unwrap(), "aborted");
}

#[tokio::test]
async fn a_corrupt_gzip_object_fails_with_a_permanent_source_error() {
    let mut lake = MemLake::default();
    let mut bad = gzip_members(&[&ev("a", "08:00:00.000")]);
    bad.truncate(bad.len() - 6);
    lake.objects.insert(format!("{H08}a.ndjson.gz"), bad);
    let (result, sink, _) = export(
        lake,
        window((8, 0), (9, 0)),
        EngineOptions::default(),
        &Quiet,
    )
    .await;
    let err = result.unwrap_err();
    assert!(
        matches!(&err, ExportError::Source(e) if e.key.ends_with("a.ndjson.gz") && e.corrupt),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(*sink.state.lock().unwrap(), "aborted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spilling_with_a_tiny_budget_gives_identical_output() {
    for format in [
        ExportFormat::Json,
        ExportFormat::Csv,
        ExportFormat::ComplianceAll,
    ] {
        spill_matches_in_memory(format).await;
    }
}

async fn spill_matches_in_memory(format: ExportFormat) {
    let day = Window {
        end: Utc.with_ymd_and_hms(2026, 5, 2, 0, 0, 0).unwrap(),
        ..window((0, 0), (0, 0))
    };
    let spill = tempfile::tempdir().unwrap();
    let (roomy, roomy_sink, _) = export_as(
        format,
        generated_lake(true),
        day,
        EngineOptions::default(),
        &Quiet,
    )
    .await;
    let tiny = EngineOptions {
        sort_budget_bytes: 16 << 10,
        spill_dir: spill.path().into(),
        concurrency: 3,
        ..Default::default()
    };
    let (tight, tight_sink, _) = export_as(format, generated_lake(true), day, tiny, &Quiet).await;
    let (roomy, tight) = (roomy.unwrap(), tight.unwrap());
    assert!(roomy.stats.duplicates_removed > 100);
    assert_eq!(roomy.event_count, 6_000);
    assert_eq!(roomy.sha256, tight.sha256);
    assert_eq!(
        *roomy_sink.bytes.lock().unwrap(),
        *tight_sink.bytes.lock().unwrap()
    );
    assert_eq!(roomy.stats, tight.stats);
    assert_eq!(
        std::fs::read_dir(spill.path()).unwrap().count(),
        0,
        "spill files are gone"
    );
}

/// A read-ahead limit below any object's size lets one object be read at a
/// time (each opened object is read to its end, so the writer never waits
/// on a reader that waits on it), and changes nothing in the output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_ahead_limit_below_one_object_reads_one_at_a_time_to_the_same_bytes() {
    let day = Window {
        end: Utc.with_ymd_and_hms(2026, 5, 2, 0, 0, 0).unwrap(),
        ..window((0, 0), (0, 0))
    };
    // Opening takes a moment, as from S3, so objects overlap when allowed to.
    let slow_lake = || MemLake {
        open_delay: Some(Duration::from_millis(2)),
        ..generated_lake(true)
    };
    let roomy_lake = slow_lake();
    let roomy_opens = roomy_lake.opens.clone();
    let (roomy, roomy_sink, _) = export(roomy_lake, day, EngineOptions::default(), &Quiet).await;
    let tight_lake = slow_lake();
    let tight_opens = tight_lake.opens.clone();
    let one_at_a_time = EngineOptions {
        read_ahead_bytes: 1,
        ..Default::default()
    };
    let (tight, tight_sink, _) = tokio::time::timeout(
        Duration::from_secs(60),
        export(tight_lake, day, one_at_a_time, &Quiet),
    )
    .await
    .expect("the export finishes: no reader waits on the writer forever");
    assert!(roomy_opens.most.load(Ordering::SeqCst) > 1);
    assert_eq!(tight_opens.most.load(Ordering::SeqCst), 1);
    let (roomy, tight) = (roomy.unwrap(), tight.unwrap());
    assert_eq!(roomy.event_count, 6_000);
    assert_eq!(roomy.sha256, tight.sha256);
    assert_eq!(
        *roomy_sink.bytes.lock().unwrap(),
        *tight_sink.bytes.lock().unwrap()
    );
    assert_eq!(roomy.stats, tight.stats);
}

#[tokio::test]
async fn a_line_over_the_limit_is_rejected_not_buffered_and_reading_goes_on() {
    use crate::reader::MAX_LINE_BYTES;
    let mut lake = MemLake::default();
    // An endless-looking line (3 MiB, no newline until its end), one of
    // exactly the limit plus one in a single read, then an ordinary event.
    let huge = "x".repeat(3 * MAX_LINE_BYTES);
    let just_over = format!("{{\"event_id\":\"{}\"}}", "y".repeat(MAX_LINE_BYTES));
    let text = format!(
        "{}\n{huge}\n{just_over}\n{}\n{huge}",
        ev("a", "08:00:00.000"),
        ev("b", "08:01:00.000")
    );
    lake.objects
        .insert(format!("{H08}a.ndjson"), text.into_bytes());
    let (result, sink, _) = export(
        lake,
        window((8, 0), (9, 0)),
        EngineOptions::default(),
        &Quiet,
    )
    .await;
    let outcome = result.unwrap();
    assert_eq!(exported_ids(&sink), ["a", "b"]);
    let stats = outcome.stats;
    assert_eq!((stats.lines_read, stats.rejected_lines), (5, 3));
    let lines: Vec<(u64, &str)> = stats
        .rejected_samples
        .iter()
        .map(|s| (s.line, s.reason.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (2, "line longer than 1 MiB"),
            (3, "line longer than 1 MiB"),
            (5, "line longer than 1 MiB")
        ]
    );
}

/// A formatter whose `begin` panics: a bug in a format.
struct PanicsAtBegin;
impl crate::formatter::Formatter for PanicsAtBegin {
    fn begin(&mut self, _: &ExportContext, _: &mut Vec<u8>) -> Result<(), FormatError> {
        panic!("a format's bug")
    }
    fn event(
        &mut self,
        _: &kt_domain::ParsedEvent<'_>,
        _: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        Ok(())
    }
    fn finish(
        &mut self,
        _: &ExportContext,
        _: &ExportSummary,
        _: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_writer_that_panics_fails_the_export_with_its_message() {
    let (result, sink, _) = export_through(
        ExportFormat::Json,
        mixed_lake(),
        window((8, 0), (10, 0)),
        EngineOptions::default(),
        &Quiet,
        |_| Box::new(PanicsAtBegin),
    )
    .await;
    match result {
        Err(ExportError::Internal(message)) => {
            assert_eq!(message, "the export writer panicked: a format's bug")
        }
        other => panic!("expected the writer's panic, got {other:?}"),
    }
    assert_eq!(*sink.state.lock().unwrap(), "aborted");
}
