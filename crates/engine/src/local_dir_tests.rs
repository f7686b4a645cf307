use super::*;
use crate::formats::{ExportSummary, Formatter, csv::CsvFormatter};
use chrono::{TimeZone, Utc};
use kt_domain::ParsedEvent;
use kt_lakegen::{LakeSpec, write_dir};

fn spec() -> LakeSpec {
    LakeSpec {
        days: 2,
        events_total: 20_000,
        objects_per_hour: 3,
        duplicate_rate: 0.03,
        malformed_rate: 0.01,
        seed: 7,
        ..Default::default()
    }
}

fn window() -> Window {
    Window {
        start: Utc.with_ymd_and_hms(2026, 5, 1, 5, 30, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 5, 2, 13, 15, 0).unwrap(),
        timezone: chrono_tz::UTC,
    }
}

/// `--output /dev/null` (or a pipe) is written to, not replaced: a pipe
/// here, so that a failing test cannot take the machine's /dev/null.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipe_or_device_given_as_output_is_written_in_place_not_replaced() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    // The reading end, opened first without waiting for a writer.
    let mut reader = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap()
    };
    let mut sink = Box::new(FileSink::create(&fifo).await.unwrap());
    sink.write(Bytes::from_static(b"a,b\n1,2\n")).await.unwrap();
    sink.finish().await.unwrap();
    assert!(
        std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
        "still a pipe"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no .part left"
    );
    let mut got = Vec::new();
    reader.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"a,b\n1,2\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_given_as_output_keeps_the_link_and_gets_its_file_replaced() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let real = dir.path().join("real/may.csv");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("may.csv");
    std::os::unix::fs::symlink("real/may.csv", &link).unwrap();
    let mut sink = Box::new(FileSink::create(&link).await.unwrap());
    sink.write(Bytes::from_static(b"a,b\n")).await.unwrap();
    sink.finish().await.unwrap();
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_symlink(), "the link is still a link");
    assert_eq!(std::fs::read(&real).unwrap(), b"a,b\n");
    assert!(!dir.path().join("real/may.csv.part").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_exports_of_a_generated_lake_match_the_reference() {
    let lake = tempfile::tempdir().unwrap();
    let generated = write_dir(&spec(), lake.path()).unwrap();
    std::fs::write(
        lake.path()
            .join("events/tenant=acme/dt=2026-05-01/hour=06/_SUCCESS"),
        b"",
    )
    .unwrap();
    let tenant = TenantId::parse("acme").unwrap();
    let expected = crate::reference::expected_lines(lake.path(), &tenant, &window()).unwrap();
    assert!(expected.len() > 10_000);
    let out = tempfile::tempdir().unwrap();
    let options = EngineOptions {
        concurrency: 3,
        ..Default::default()
    };

    let json_path = out.path().join("export.json");
    let outcome = export_dir(
        lake.path(),
        &tenant,
        &window(),
        ExportFormat::Json,
        &json_path,
        "k",
        &options,
    )
    .await
    .unwrap();
    let bytes = std::fs::read(&json_path).unwrap();
    #[derive(serde::Deserialize)]
    struct Doc<'a> {
        #[serde(borrow)]
        events: Vec<&'a serde_json::value::RawValue>,
    }
    let doc: Doc = serde_json::from_slice(&bytes).unwrap();
    let got: Vec<&str> = doc.events.iter().map(|e| e.get()).collect();
    assert_eq!(got, expected);
    assert_eq!(outcome.event_count, expected.len() as u64);
    assert_eq!(outcome.size_bytes, bytes.len() as u64);
    assert_eq!(outcome.stats.objects_skipped, 1);
    assert!(outcome.stats.duplicates_removed > 0 && outcome.stats.rejected_lines > 0);
    assert!(outcome.stats.rejected_lines <= generated.malformed);

    let csv_path = out.path().join("export.csv");
    let outcome = export_dir(
        lake.path(),
        &tenant,
        &window(),
        ExportFormat::Csv,
        &csv_path,
        "k",
        &options,
    )
    .await
    .unwrap();
    let mut reference = Vec::new();
    let mut csv = CsvFormatter::new();
    let ctx = crate::formats::test_support::context(ExportFormat::Csv);
    csv.begin(&ctx, &mut reference).unwrap();
    for line in &expected {
        let event = ParsedEvent {
            raw: line,
            fields: serde_json::from_str(line).unwrap(),
            ts_ms: 0,
        };
        csv.event(&event, &mut reference).unwrap();
    }
    let summary = ExportSummary {
        event_count: 0,
        stats: Default::default(),
    };
    csv.finish(&ctx, &summary, &mut reference).unwrap();
    assert!(
        std::fs::read(&csv_path).unwrap() == reference,
        "csv differs from the reference"
    );
    assert_eq!(outcome.event_count, expected.len() as u64);
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no .part files remain: {leftovers:?}");
}

#[tokio::test]
async fn an_object_removed_after_planning_fails_the_export_naming_it() {
    let lake = tempfile::tempdir().unwrap();
    write_dir(&spec(), lake.path()).unwrap();
    let source: Arc<dyn LakeSource> = Arc::new(DirLakeSource::new(lake.path()));
    let tenant = TenantId::parse("acme").unwrap();
    let plan = crate::plan(source.as_ref(), &tenant, &window())
        .await
        .unwrap();
    let gone = &plan.hours[3].1[0].key;
    std::fs::remove_file(lake.path().join(gone)).unwrap();
    let out = tempfile::tempdir().unwrap();
    let ctx = ExportContext {
        job_id: None,
        tenant_id: tenant,
        format: ExportFormat::Csv,
        window: window(),
        file_name: "x.csv".into(),
        generated_at: Utc::now(),
        requested_by: "test".into(),
        pseudonym_key: "k".into(),
        sources: plan.inventory.clone(),
        signer: None,
        timestamper: None,
        report: Default::default(),
    };
    let sink = Box::new(FileSink::create(out.path().join("x.csv")).await.unwrap());
    let formatter = formats::formatter_for(&ctx);
    let failed = crate::run(
        source,
        &plan,
        &ctx,
        formatter,
        sink,
        &EngineOptions::default(),
        &LogProgress,
    )
    .await;
    match failed {
        Err(ExportError::Source(e)) => {
            assert_eq!(&e.key, gone);
            assert!(!e.retryable, "a missing file does not come back");
        }
        other => panic!("expected the missing object to fail the export: {other:?}"),
    }
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "no artifact left"
    );
}

#[tokio::test]
async fn an_aborted_file_sink_leaves_nothing_behind() {
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("a.csv");
    let mut sink = Box::new(FileSink::create(&path).await.unwrap());
    sink.write(Bytes::from_static(b"partial")).await.unwrap();
    assert!(out.path().join("a.csv.part").exists());
    sink.abort().await;
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn the_directory_source_lists_keys_like_s3() {
    let lake = tempfile::tempdir().unwrap();
    for key in [
        "events/tenant=acme/dt=2026-05-01/hour=08/b.ndjson",
        "events/tenant=acme/dt=2026-05-01/hour=08/a.ndjson.gz",
        "events/tenant=acme-2/dt=2026-05-01/hour=08/c.ndjson",
    ] {
        let path = lake.path().join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, key).unwrap();
    }
    let source = DirLakeSource::new(lake.path());
    let listed = source.list("events/tenant=acme/").await.unwrap();
    let keys: Vec<&str> = listed.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "events/tenant=acme/dt=2026-05-01/hour=08/a.ndjson.gz",
            "events/tenant=acme/dt=2026-05-01/hour=08/b.ndjson"
        ]
    );
    assert!(
        source
            .list("events/tenant=nobody/")
            .await
            .unwrap()
            .is_empty()
    );
    let err = source
        .open(&SourceObject {
            key: "missing".into(),
            size: 0,
            etag: String::new(),
        })
        .await
        .err()
        .unwrap();
    assert!(!err.retryable);
}
