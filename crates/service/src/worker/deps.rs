//! The worker and what it runs with: its stores, engine options, lease and
//! custody; where a job's artifact goes and how long it is kept.
use crate::config::{Config, ConfigError};
use crate::custody::Custody;
use kt_domain::{ComplianceProfile, Job};
use kt_engine::{EngineOptions, LakeSource};
use kt_store::aws::{AwsClients, AwsStores};
use kt_store::resources;
use kt_store::{ArtifactStore, JobStore};
use std::sync::Arc;
use std::time::Duration;

/// Receives of one message before a retryable failure fails the job; equal to
/// the queue's redrive `maxReceiveCount`, so the job is failed (with a reason)
/// on the last delivery instead of the message silently reaching the DLQ.
pub const MAX_ATTEMPTS: u32 = 3;

/// How long before the invocation's deadline a running export is given up,
/// so that releasing or failing the job still has time to reach the store.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(20);

/// What to do with the message that carried a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Done with it (finished, failed for good, or not ours to run): delete it.
    Done,
    /// Give it back to SQS: it becomes visible again after the visibility timeout.
    Retry,
}

/// What a worker needs; built once at cold start.
pub struct WorkerDeps {
    pub jobs: Arc<dyn JobStore>,
    pub artifacts: Arc<dyn ArtifactStore>,
    pub lake: Arc<dyn LakeSource>,
    pub engine: EngineOptions,
    /// How long a claim lasts without a heartbeat.
    pub lease: Duration,
    /// The last receive that may still retry; past it a retryable error fails the job.
    pub max_attempts: u32,
    pub pseudonym_key: String,
    /// Signs each completed job's manifest (and a bundle's own manifest);
    /// `None` in tests that do not look at custody.
    pub custody: Option<Custody>,
}

pub struct Worker {
    pub(super) deps: WorkerDeps,
    /// Splits large csv/json exports over several workers (`docs/scale.md`);
    /// `None`: every job runs on one worker.
    pub(super) fan_out: Option<Arc<super::fanout_deps::FanOut>>,
}

/// Where a claim's artifact lives in the artifacts bucket (see
/// [`resources::artifact_key`]; the attempt fences two workers apart): under
/// [`resources::RETAINED_PREFIX`] when retained for `retention_days`.
pub fn artifact_key_for(job: &Job, retention_days: Option<u32>) -> String {
    let (tenant, id) = (job.tenant_id.as_str(), job.id.as_str());
    match retention_days {
        Some(days) => {
            resources::retained_artifact_key(days, tenant, id, job.attempts, &job.file_name)
        }
        None => resources::artifact_key(
            job.expires_in_days,
            tenant,
            id,
            job.attempts,
            &job.file_name,
        ),
    }
}

/// How long a job's artifact is kept under Object Lock, if at all: the
/// request's `retention_days`, else the tenant's `retention.evidence_days`
/// (as the profile is when the export runs); only compliance formats, never 0.
pub fn effective_retention(job: &Job, profile: Option<&ComplianceProfile>) -> Option<u32> {
    if !job.format.can_be_retained() {
        return None;
    }
    let tenant_default = profile
        .and_then(|p| p.retention.as_ref())
        .and_then(|r| r.evidence_days);
    job.retention_days
        .or(tenant_default)
        .filter(|d| *d > 0)
        .map(|d| d.min(kt_domain::MAX_RETENTION_DAYS))
}

impl Worker {
    pub fn new(deps: WorkerDeps) -> Self {
        Self {
            deps,
            fan_out: None,
        }
    }

    /// The worker as Lambda and the local stack run it: AWS stores, engine
    /// options and lease from the configuration. Fails without a pseudonym key.
    pub fn from_config(clients: &AwsClients, config: &Config) -> Result<Self, ConfigError> {
        let stores = AwsStores::new(clients, &config.resources);
        Ok(Self::new(WorkerDeps {
            jobs: stores.jobs,
            artifacts: stores.artifacts,
            lake: stores.lake,
            engine: EngineOptions {
                sort_budget_bytes: config.sort_budget_bytes,
                spill_dir: config.spill_dir.clone(),
                ..EngineOptions::default()
            },
            lease: config.lease,
            max_attempts: MAX_ATTEMPTS,
            pseudonym_key: config.require_pseudonym_key()?,
            custody: None,
        })
        .with_fan_out(super::fanout_deps::FanOut::from_config(clients, config)))
    }

    /// The same worker, sealing every completed job with `custody`.
    pub fn with_custody(mut self, custody: Custody) -> Self {
        self.deps.custody = Some(custody);
        self
    }
}
