//! The export engine: lake objects in, one ordered, de-duplicated artifact out.
//!
//! It knows neither S3 nor Lambda: it reads through a [`LakeSource`] and writes
//! through an [`ArtifactSink`] (the `kt-store` crate has the S3
//! implementations, [`local_dir`] the local-directory ones), and turns events
//! into bytes through a [`Formatter`] ([`formats`]: csv, json, the compliance
//! reports and their bundle, and the bundle's verifier).
//!
//! Dependencies inside the crate run one way: the pipeline (`run`, `reader`,
//! `order`, `writer`) knows only the ports ([`ports`], [`formatter`]); the
//! formats implement [`Formatter`]; [`local_dir`] wires both for offline use.
mod ahead;
mod artifact_hash;
mod check;
pub mod custody;
mod digest_beside;
pub mod floor;
pub mod formats;
pub mod formatter;
mod heap_trim;
mod inflate;
pub mod local_dir;
mod order;
pub mod output_place;
mod ports;
mod reader;
#[cfg(test)]
mod reader_tests;
mod reader_threads;
#[cfg(test)]
mod record_tests;
pub mod reference;
pub mod resume;
mod run;
mod scan;
pub mod segment;
mod stage;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
mod validate;
mod writer;

/// The commit the engine was built from: `KT_BUILD_COMMIT` at build time,
/// else `git rev-parse HEAD`, else "unknown" (see `build.rs`). Every signed
/// manifest and every report names it.
pub const BUILD_COMMIT: &str = env!("KT_BUILD_COMMIT");

pub use formatter::{
    EventRenderer, ExportContext, ExportSummary, FormatError, Formatter, LineFacts, ReportInputs,
    Required, SourceInventory,
};
pub use ports::{
    ArtifactSink, Cause, ErrorChain, ExportError, ExportOutcome, LakeSource, Progress,
    ProgressObserver, SinkError, SourceError, SourceObject,
};
pub use run::{EngineOptions, ExportPlan, plan, run, run_resumable};
pub use stage::{StageTimes, process_cpu_s};
