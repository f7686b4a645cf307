//! What the run tests share (segments joined, runs resumed piece by piece):
//! a sink that keeps the bytes, an observer that ignores progress, and the
//! context of a plan.
use crate::{
    ArtifactSink, ExportContext, ExportError, ExportPlan, Progress, ProgressObserver, SinkError,
};
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{TimeZone, Utc};
use kt_domain::ExportFormat;
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
