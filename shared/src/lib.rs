//! kt-exports library.
//!
//! - [`domain`]: jobs, ids, windows, formats: plain data, no AWS or HTTP types.
//! - [`engine`]: the export engine, bytes in, bytes out: lake reading, ordering,
//!   de-duplication, hashing; sources and sinks are traits ([`engine::LakeSource`],
//!   [`engine::ArtifactSink`]).
//! - [`formats`]: what the engine writes: csv, json, compliance reports, bundle.
//! - [`store`]: the ports ([`store::JobStore`], [`store::JobQueue`],
//!   [`store::ArtifactStore`]) and their AWS and in-memory implementations.
//! - [`jobs`]: creating export jobs, the one path the API and the scheduler share.
//! - [`schedule`]: scheduled exports (the previous quarter, per configured tenant).
//! - [`http`]: the axum router of the export-jobs API (Lambda and local dev server).
//! - [`worker`]: the SQS handler that runs jobs, and the local queue poller.
//! - [`local`]: emulator bootstrap and demo-lake seeding.
//! - [`lakegen`]: deterministic lake generator (demo data, tests, benchmarks).
pub mod config;
pub mod custody;
pub mod domain;
pub mod engine;
pub mod formats;
pub mod http;
pub mod jobs;
pub mod lakegen;
pub mod local;
pub mod schedule;
pub mod store;
pub mod telemetry;
pub mod worker;

/// The version every artifact, report and `/healthz` names.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
