//! What every handler needs: the ports, the active-job limit and a clock.
use crate::job_creation::JobCreator;
use chrono::{DateTime, Utc};
use kt_store::{ArtifactStore, JobQueue, JobStore};
use std::sync::Arc;

/// Where "now" comes from; tests pin it, production reads the system clock.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

impl<F: Fn() -> DateTime<Utc> + Send + Sync> Clock for F {
    fn now(&self) -> DateTime<Utc> {
        self()
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[derive(Clone)]
pub struct AppState {
    pub jobs: Arc<dyn JobStore>,
    pub queue: Arc<dyn JobQueue>,
    pub artifacts: Arc<dyn ArtifactStore>,
    /// `KT_MAX_ACTIVE_JOBS`: jobs queued or processing per tenant.
    pub max_active_jobs: u32,
    pub clock: Arc<dyn Clock>,
    /// Signing keys and manifests; `None` where custody is not wired (some unit tests).
    pub custody: Option<crate::custody::Custody>,
    /// `KT_PUBLIC_BASE_URL` (the local stack: its listen address): where
    /// the URLs the API hands out point; `None`: see `share::PublicBase`.
    pub public_base_url: Option<String>,
}

impl AppState {
    /// State on the system clock.
    pub fn new(
        jobs: Arc<dyn JobStore>,
        queue: Arc<dyn JobQueue>,
        artifacts: Arc<dyn ArtifactStore>,
        max_active_jobs: u32,
    ) -> Self {
        Self {
            jobs,
            queue,
            artifacts,
            max_active_jobs,
            clock: Arc::new(SystemClock),
            custody: None,
            public_base_url: None,
        }
    }

    /// The same state, building the URLs it hands out on `base`
    /// (`https://exports.example.com`, no trailing slash).
    pub fn with_public_base_url(self, base: Option<String>) -> Self {
        Self {
            public_base_url: base,
            ..self
        }
    }

    /// The same state, publishing keys and serving manifests from `custody`.
    pub fn with_custody(self, custody: crate::custody::Custody) -> Self {
        Self {
            custody: Some(custody),
            ..self
        }
    }

    /// The same state on another clock.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Job creation over this state's stores and limit.
    pub fn job_creator(&self) -> JobCreator<'_> {
        JobCreator::new(&*self.jobs, &*self.queue, self.max_active_jobs)
    }
}
