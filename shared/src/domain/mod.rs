//! The domain: plain data that parses (a valid value cannot be built wrong).
mod format;
mod ids;
mod job;
pub mod profile;
mod window;

pub use format::ExportFormat;
pub use ids::{IdError, JobId, TenantId};
pub use job::{
    Action, ExportType, Job, JobError, JobStats, JobStatus, JobView, MAX_REJECTED_SAMPLES,
    RejectedSample,
};
pub use profile::{ComplianceProfile, VersionedProfile};
pub use window::{DateBound, Window, WindowError, file_name};
