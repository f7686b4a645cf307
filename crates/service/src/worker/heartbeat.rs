//! Progress reports from the engine become job heartbeats: they record
//! progress, renew the lease, and notice a cancel (or a lost lease).
use async_trait::async_trait;
use chrono::Utc;
use kt_domain::{JobId, TenantId};
use kt_engine::{ErrorChain, ExportError, Progress, ProgressObserver};
use kt_store::{JobStore, Transition};
use std::sync::Arc;
use std::time::Duration;
use tracing::warn;

pub(super) struct Heartbeat {
    pub jobs: Arc<dyn JobStore>,
    pub tenant: TenantId,
    pub job_id: JobId,
    pub attempt: u32,
    pub lease: Duration,
}

#[async_trait]
impl ProgressObserver for Heartbeat {
    async fn on_progress(&self, progress: &Progress) -> Result<(), ExportError> {
        let lease_until = Utc::now() + self.lease;
        let outcome = self
            .jobs
            .heartbeat(
                &self.tenant,
                &self.job_id,
                self.attempt,
                progress.fraction.clamp(0.0, 1.0),
                progress.event_count,
                lease_until,
            )
            .await;
        match outcome {
            Ok(Transition::Done(_)) => Ok(()),
            // Canceled, or another worker took the job over: stop writing.
            Ok(Transition::Conflict(_) | Transition::NotFound) => Err(ExportError::Canceled),
            // A missed heartbeat is not fatal; the lease has slack for it.
            Err(e) => {
                warn!(error = %ErrorChain(&e), "heartbeat failed");
                Ok(())
            }
        }
    }
}
