//! Audit-trail entries that several parts of the service write: a job's
//! `failed` entry (the worker, the sweeper, and job creation when a job
//! cannot be queued all fail jobs). Like every trail write, one that fails
//! is logged and never changes the job (`docs/custody.md`, "The download trail").
use kt_domain::Job;
use kt_domain::share::AuditEntry;
use kt_store::JobStore;
use tracing::error;

/// Appends the `failed` entry of `job` (just failed) by the service part `by`.
pub async fn record_failed(jobs: &dyn JobStore, job: &Job, by: &str) {
    let Some(entry) = AuditEntry::failed(job, by) else {
        return;
    };
    if let Err(e) = jobs.append_audit(&job.tenant_id, &job.id, &entry).await {
        error!(
            job_id = %job.id,
            tenant = %job.tenant_id,
            by,
            error = %e,
            "could not record the failure in the audit trail"
        );
    }
}
