//! Completion events: an EventBridge event each time a job completes, fails
//! or is canceled, whoever ended it (worker, API, sweeper), so a compliance
//! team can be told that a scheduled quarterly export is ready.
//!
//! [`Publishing`] wraps a job store and publishes after each transition that
//! ended a job. Publishing never changes the outcome: a failed `PutEvents` is
//! logged and counted (`CompletionEventsFailed`), the job stays as recorded.
use crate::sweep_rules::SweepPolicy;
use crate::{CreateOutcome, JobStore, StoreError, Transition};
use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use chrono::{DateTime, Utc};
use kt_domain::{Completion, Job, JobError, JobId, JobStats, JobStatus, TenantId};
use serde_json::{Value, json};
use std::sync::Arc;

/// `source` of every event.
pub const EVENT_SOURCE: &str = "kt-exports";

/// `detail-type` of the event for a job that ended in `status`.
pub fn detail_type(status: JobStatus) -> Option<&'static str> {
    match status {
        JobStatus::Completed => Some("Export job completed"),
        JobStatus::Failed => Some("Export job failed"),
        JobStatus::Canceled => Some("Export job canceled"),
        _ => None,
    }
}

/// The event's `detail`: what a rule can match on and a notification can say.
/// No artifact key, bucket or link: the job id leads to them through the API.
pub fn event_detail(job: &Job) -> Value {
    json!({
        "job_id": job.id.as_str(),
        "tenant_id": job.tenant_id.as_str(),
        "format": job.format.as_str(),
        "status": job.status.as_str(),
        "sha256": job.sha256,
        "label": job.label,
        "origin": job.origin,
        "file_name": job.file_name,
        "size_bytes": job.size_bytes,
        "window_start": job.window_start,
        "window_end": job.window_end,
        "completed_at": job.completed_at,
        "expires_at": job.expires_at,
        "retained_until": job.retained_until,
        "error_code": job.error.as_ref().map(|e| e.code.as_str()),
    })
}

/// Where events go.
#[async_trait]
pub trait JobEventSink: Send + Sync {
    async fn publish(&self, job: &Job) -> Result<(), StoreError>;
}

/// `PutEvents` on one bus (name or ARN).
pub struct EventBridgeSink {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

impl EventBridgeSink {
    pub fn new(client: aws_sdk_eventbridge::Client, bus: &str) -> Self {
        Self {
            client,
            bus: bus.to_string(),
        }
    }
}

#[async_trait]
impl JobEventSink for EventBridgeSink {
    async fn publish(&self, job: &Job) -> Result<(), StoreError> {
        let Some(detail_type) = detail_type(job.status) else {
            return Ok(());
        };
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(EVENT_SOURCE)
            .detail_type(detail_type)
            .resources(format!("kt-exports:job/{}", job.id))
            .detail(event_detail(job).to_string())
            .build();
        let out = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| crate::aws_error::store_error("publishing a job event", e))?;
        if out.failed_entry_count() > 0 {
            let code = out
                .entries()
                .iter()
                .find_map(|e| e.error_code())
                .unwrap_or("unknown");
            return Err(StoreError::Transient(
                format!("EventBridge refused the event ({code})").into(),
            ));
        }
        Ok(())
    }
}

/// A job store that publishes an event after each transition that ended a job.
pub struct Publishing {
    inner: Arc<dyn JobStore>,
    sink: Arc<dyn JobEventSink>,
}

impl Publishing {
    pub fn new(inner: Arc<dyn JobStore>, sink: Arc<dyn JobEventSink>) -> Self {
        Self { inner, sink }
    }

    /// Publishes if `transition` ended a job; never turns it into an error.
    async fn after(&self, transition: Transition) -> Transition {
        if let Transition::Done(job) = &transition
            && detail_type(job.status).is_some()
            && let Err(e) = self.sink.publish(job).await
        {
            tracing::warn!(
                job_id = %job.id,
                status = job.status.as_str(),
                error = %e,
                "could not publish the job's completion event"
            );
            failed_publish_metric();
        }
        transition
    }
}

/// One `CompletionEventsFailed` count, as an Embedded Metric Format line.
fn failed_publish_metric() {
    let namespace =
        std::env::var("KT_METRICS_NAMESPACE").unwrap_or_else(|_| "KtExports".to_string());
    let line = json!({
        "_aws": {
            "Timestamp": Utc::now().timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [[]],
                "Metrics": [{"Name": "CompletionEventsFailed", "Unit": "Count"}],
            }],
        },
        "CompletionEventsFailed": 1,
    });
    println!("{line}");
}

crate::pass_through_profiles_and_links!(Publishing);

#[async_trait]
impl JobStore for Publishing {
    async fn create(
        &self,
        job: &Job,
        key: Option<&str>,
        max_active: u32,
    ) -> Result<CreateOutcome, StoreError> {
        self.inner.create(job, key, max_active).await
    }
    async fn get(&self, tenant: &TenantId, id: &JobId) -> Result<Option<Job>, StoreError> {
        self.inner.get(tenant, id).await
    }
    async fn list(
        &self,
        tenant: &TenantId,
        after: Option<&JobId>,
        limit: u32,
    ) -> Result<(Vec<Job>, Option<JobId>), StoreError> {
        self.inner.list(tenant, after, limit).await
    }
    async fn claim(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.inner.claim(tenant, id, now, lease_until).await
    }
    async fn heartbeat(
        &self,
        tenant: &TenantId,
        id: &JobId,
        attempt: u32,
        progress: f64,
        event_count: u64,
        lease_until: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        self.inner
            .heartbeat(tenant, id, attempt, progress, event_count, lease_until)
            .await
    }
    async fn complete(
        &self,
        tenant: &TenantId,
        id: &JobId,
        attempt: u32,
        completion: &Completion,
    ) -> Result<Transition, StoreError> {
        let t = self.inner.complete(tenant, id, attempt, completion).await?;
        Ok(self.after(t).await)
    }
    async fn ended_elsewhere(&self, job: &Job) {
        self.inner.ended_elsewhere(job).await;
        self.after(Transition::Done(job.clone())).await;
    }
    async fn fail(
        &self,
        tenant: &TenantId,
        id: &JobId,
        attempt: Option<u32>,
        error: &JobError,
        stats: Option<&JobStats>,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        let t = self
            .inner
            .fail(tenant, id, attempt, error, stats, now)
            .await?;
        Ok(self.after(t).await)
    }
    async fn cancel(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        let t = self.inner.cancel(tenant, id, now).await?;
        Ok(self.after(t).await)
    }
    async fn stranded(
        &self,
        now: DateTime<Utc>,
        queued_before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<(TenantId, JobId)>, StoreError> {
        self.inner.stranded(now, queued_before, limit).await
    }
    /// A sweep that fails a stranded job publishes; a re-enqueue does not.
    async fn sweep(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
        policy: &SweepPolicy,
    ) -> Result<Transition, StoreError> {
        let t = self.inner.sweep(tenant, id, now, policy).await?;
        Ok(self.after(t).await)
    }
    async fn fail_dead_lettered(
        &self,
        tenant: &TenantId,
        id: &JobId,
        now: DateTime<Utc>,
    ) -> Result<Transition, StoreError> {
        let t = self.inner.fail_dead_lettered(tenant, id, now).await?;
        Ok(self.after(t).await)
    }
}

#[cfg(test)]
#[path = "job_events_tests.rs"]
mod tests;
