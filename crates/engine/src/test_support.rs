//! What the run tests share (segments joined, runs resumed piece by piece):
//! a sink that keeps the bytes, an observer that ignores progress, a lake
//! folder's plan, its context, and its single uninterrupted run.
use crate::local_dir::DirLakeSource;
use crate::{
    ArtifactSink, EngineOptions, ExportContext, ExportError, ExportOutcome, ExportPlan, Progress,
    ProgressObserver, SinkError,
};
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{TimeZone, Utc};
use kt_domain::{ExportFormat, TenantId, Window};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Keeps what is written; clones share the bytes.
#[derive(Clone, Default)]
pub(crate) struct MemSink(pub(crate) Arc<Mutex<Vec<u8>>>);

#[async_trait]
impl ArtifactSink for MemSink {
    async fn write(&mut self, chunk: Bytes) -> Result<(), SinkError> {
        self.0.lock().unwrap().extend_from_slice(&chunk);
        Ok(())
    }
    async fn finish(self: Box<Self>) -> Result<(), SinkError> {
        Ok(())
    }
    async fn abort(self: Box<Self>) {}
}

pub(crate) struct Quiet;

#[async_trait]
impl ProgressObserver for Quiet {
    async fn on_progress(&self, _: &Progress) -> Result<(), ExportError> {
        Ok(())
    }
}

/// The context of exporting `plan` as `format`, with fixed names and times.
pub(crate) fn context(format: ExportFormat, plan: &ExportPlan) -> ExportContext {
    ExportContext {
        job_id: None,
        tenant_id: plan.tenant.clone(),
        format,
        window: plan.window,
        file_name: "kt_test".into(),
        generated_at: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
        requested_by: "test".into(),
        pseudonym_key: "k".into(),
        sources: plan.inventory.clone(),
        signer: None,
        timestamper: None,
        report: Default::default(),
    }
}

/// A generated lake of `days` from 2026-05-01 with `events` events, 2 objects
/// an hour, 2% duplicates and 1% malformed lines: what the split and resume
/// tests cut into pieces.
pub(crate) fn small_lake(days: u32, events: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let spec = kt_lakegen::LakeSpec {
        days,
        events_total: events,
        objects_per_hour: 2,
        duplicate_rate: 0.02,
        malformed_rate: 0.01,
        ..Default::default()
    };
    kt_lakegen::write_dir(&spec, dir.path()).unwrap();
    dir
}

/// The lake folder `dir` as a source, and tenant `acme`'s plan over `window`.
pub(crate) async fn planned(dir: &Path, window: &Window) -> (Arc<DirLakeSource>, ExportPlan) {
    let source = Arc::new(DirLakeSource::new(dir));
    let tenant = TenantId::parse("acme").unwrap();
    let plan = crate::plan(source.as_ref(), &tenant, window).await.unwrap();
    (source, plan)
}

/// The plan exported in one run, as one worker does: its bytes and outcome.
pub(crate) async fn single_run(
    source: Arc<DirLakeSource>,
    plan: &ExportPlan,
    ctx: &ExportContext,
) -> (Vec<u8>, ExportOutcome) {
    let formatter = crate::formats::formatter_for(ctx);
    run_in_memory(source, plan, ctx, formatter, &EngineOptions::default()).await
}

/// One run of `plan` through `formatter` with `options`, into memory.
pub(crate) async fn run_in_memory(
    source: Arc<DirLakeSource>,
    plan: &ExportPlan,
    ctx: &ExportContext,
    formatter: Box<dyn crate::Formatter>,
    options: &EngineOptions,
) -> (Vec<u8>, ExportOutcome) {
    let sink = MemSink::default();
    let outcome = crate::run(
        source,
        plan,
        ctx,
        formatter,
        Box::new(sink.clone()),
        options,
        &Quiet,
    )
    .await
    .unwrap();
    let bytes = sink.0.lock().unwrap().clone();
    (bytes, outcome)
}
