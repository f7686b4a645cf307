//! Planning (which objects) and running (read, order, format, hash, write) an export.
//!
//! OWNER: engine helper. The signatures are the contract with the worker and the CLI.
use super::{ArtifactSink, ExportError, ExportOutcome, LakeSource, ProgressObserver, SourceObject};
use crate::domain::{TenantId, Window};
use crate::formats::{ExportContext, Formatter, SourceInventory};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Tuning knobs; defaults fit a 1,024 MB Lambda.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Objects fetched and decoded at once.
    pub concurrency: usize,
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

/// Lists the tenant's hour partitions that overlap the window.
pub async fn plan(
    _source: &dyn LakeSource,
    _tenant: &TenantId,
    _window: &Window,
) -> Result<ExportPlan, ExportError> {
    todo!("engine helper")
}

/// Runs a planned export: every accepted event inside the window, ordered by
/// (`ts`, `event_id`), each `event_id` once, through `formatter` into `sink`.
/// On error the sink is aborted; on success it is finished.
pub async fn run(
    _source: Arc<dyn LakeSource>,
    _plan: &ExportPlan,
    _ctx: &ExportContext,
    _formatter: Box<dyn Formatter>,
    _sink: Box<dyn ArtifactSink>,
    _options: &EngineOptions,
    _progress: &dyn ProgressObserver,
) -> Result<ExportOutcome, ExportError> {
    todo!("engine helper")
}
