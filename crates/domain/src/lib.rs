//! The domain of kt-exports: plain data that parses (a valid value cannot be
//! built wrong), the lake's event, and the job state machine
//! ([`Job::claim`], [`Job::heartbeat`], [`Job::complete`], [`Job::fail`],
//! [`Job::cancel`]). No I/O, no AWS, no HTTP.
mod event;
mod format;
mod ids;
mod job;
pub mod profile;
pub mod share;
pub mod sweep;
mod transitions;
mod window;

pub use event::{Actor, Event, KNOWN_EVENT_TYPES, Model, ParsedEvent, Tokens};
pub use transitions::Completion;

pub use format::ExportFormat;
pub use ids::{IdError, JobId, TenantId};
pub use job::{
    Action, ExportType, Job, JobError, JobStats, JobStatus, JobView, MAX_REJECTED_REASON_BYTES,
    MAX_REJECTED_SAMPLES, MAX_RETENTION_DAYS, RejectedSample,
};
pub use profile::{ComplianceProfile, VersionedProfile};
pub use window::{DateBound, Window, WindowError, file_name};

/// The version every artifact, report and `/healthz` names.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
