//! The export engine: lake objects in, one ordered, de-duplicated artifact out.
//!
//! It knows neither S3 nor Lambda: it reads through a [`LakeSource`] and writes
//! through an [`ArtifactSink`]; [`crate::store`] has the S3 implementations,
//! [`local_dir`] the local-directory ones.
mod check;
mod event;
pub mod local_dir;
mod order;
mod ports;
mod reader;
pub mod reference;
mod run;
mod scan;
#[cfg(test)]
mod tests;
mod validate;
mod writer;

pub use event::{Actor, Event, Model, ParsedEvent, Tokens};
pub use ports::{
    ArtifactSink, ExportError, ExportOutcome, LakeSource, Progress, ProgressObserver, SinkError,
    SourceError, SourceObject,
};
pub use run::{EngineOptions, ExportPlan, plan, run};
