//! The kt-exports service: what the functions run, on top of the domain
//! (`kt-domain`), the engine (`kt-engine`) and the stores (`kt-store`).
//!
//! - [`config`]: the one configuration, read once at cold start.
//! - [`job_creation`]: creating export jobs, the one path the API and the scheduler share.
//! - [`http`]: the axum router of the export-jobs API (Lambda and local dev server).
//! - [`worker`]: the SQS handler that runs jobs, and the local queue poller.
//! - [`schedule`]: scheduled exports (the previous quarter, per configured tenant).
//! - [`telemetry`]: tracing initialisation.
//! - [`trail`]: audit-trail entries written from several places (a job's failure).
//! - [`tsa`]: the RFC 3161 timestamp authority that countersigns manifest signatures.
pub mod config;
pub mod custody;
pub mod http;
pub mod job_creation;
pub mod schedule;
pub mod telemetry;
pub mod trail;
pub mod tsa;
pub mod worker;
