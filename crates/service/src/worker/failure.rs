//! How a job fails: the words a tenant sees for what went wrong, and the
//! failed record (with its trail entry and metrics).
use super::completion::job_metrics;
use super::deps::{Disposition, Worker};
use crate::telemetry::emf::JobEnd;
use chrono::Utc;
use kt_domain::{Job, JobError};
use kt_engine::{ErrorChain, ExportError};
use kt_store::{StoreError, Transition};
use tracing::error;

/// The source a compliance export's profile read fails as (not the lake).
pub(super) const PROFILE_SOURCE: &str = "compliance-profile";

impl Worker {
    pub(super) async fn record_failure(
        &self,
        job: &Job,
        attempt: u32,
        error: &JobError,
    ) -> Disposition {
        error!(code = %error.code, message = %error.message, "export failed");
        match self
            .deps
            .jobs
            .fail(
                &job.tenant_id,
                &job.id,
                Some(attempt),
                error,
                None,
                Utc::now(),
            )
            .await
        {
            Ok(t) => {
                if let Transition::Done(failed) = &t {
                    crate::trail::record_failed(self.deps.jobs.as_ref(), failed, "worker").await;
                }
                job_metrics(job, JobEnd::Failed, Utc::now()).emit();
                Disposition::Done
            }
            Err(e) => self.store_trouble("fail", &e),
        }
    }

    /// The job store itself is in trouble: retry while that can help.
    pub(super) fn store_trouble(&self, step: &str, e: &StoreError) -> Disposition {
        error!(step, error = %ErrorChain(e), "job store error");
        if e.is_retryable() {
            Disposition::Retry
        } else {
            Disposition::Done
        }
    }
}

/// [`failure_for`], with the whole cause chain logged first: the job's words
/// leave the cause out, so the log is the only place an operator finds it.
pub(super) fn failure_logged(e: &ExportError, receive_count: u32) -> JobError {
    error!(error = %ErrorChain(e), "export failed for good");
    failure_for(e, receive_count)
}

/// The job's `error`: a fixed message a person can act on. It names no AWS
/// error, bucket or ARN (the log has the whole cause chain), and asks the
/// tenant for nothing only an operator can do; only strict mode and a
/// damaged object quote the tenant's own object key (and line).
pub(super) fn failure_for(e: &ExportError, receive_count: u32) -> JobError {
    let message = match e {
        ExportError::Source(s) if s.key == PROFILE_SOURCE => {
            "The tenant's compliance profile could not be read, so the report could not \
             cite it. Create the export again later; if it fails again, contact support \
             with the job id."
                .to_string()
        }
        ExportError::Source(s) if s.retryable => format!(
            "Reading the event lake kept failing after {receive_count} attempts. \
             The lake may be throttled or unavailable; create the export again later."
        ),
        // The tenant's own object key, as strict mode quotes it: the bytes
        // there are at fault, not the bucket or the service's access.
        ExportError::Source(s) if s.corrupt => format!(
            "Part of the event log for this window is damaged: the object {} is not valid \
             gzip or is truncated, and the export stopped there rather than leave its events \
             out. Contact support with the job id; the object has to be delivered again or \
             removed before this window can be exported.",
            s.key
        ),
        ExportError::Source(_) => "The service could not read the event log for this window \
             (the cause is in its logs). Create the export again later; if it fails again, \
             contact support with the job id."
            .to_string(),
        ExportError::Sink(_) => "The export's file could not be stored (the cause is in the \
             service's logs). Create the export again later; if it fails again, contact \
             support with the job id."
            .to_string(),
        ExportError::Strict {
            object,
            line,
            reason,
        } => format!(
            "Strict mode: line {line} of {object} is malformed ({reason}); the export stopped there."
        ),
        ExportError::Canceled => "The export was canceled.".to_string(),
        ExportError::Internal(_) => {
            "The export failed because of an internal error. Create it again; if it fails \
             again, contact support with the job id."
                .to_string()
        }
    };
    JobError {
        code: e.code().to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kt_engine::SourceError;

    #[test]
    fn a_profile_that_cannot_be_read_is_not_blamed_on_the_lake() {
        for retryable in [false, true] {
            let e = ExportError::Source(SourceError::new(PROFILE_SOURCE, "read", retryable));
            let said = failure_for(&e, 3);
            assert!(said.message.contains("compliance profile"), "{said:?}");
            assert!(!said.message.contains("lake"), "{said:?}");
            assert!(!said.message.contains("bucket"), "{said:?}");
        }
        let lake = ExportError::Source(SourceError::new("events/x.gz", "read", false));
        assert!(failure_for(&lake, 3).message.contains("event log"));
    }

    /// A tenant cannot check a bucket or re-deliver an object: no message
    /// asks it to, and none names the service's buckets.
    #[test]
    fn no_message_asks_the_tenant_for_an_operators_work() {
        let mut corrupt = SourceError::new("events/tenant=acme/x.gz", "inflate", false);
        corrupt.corrupt = true;
        for e in [
            ExportError::Source(SourceError::new("events/x.gz", "read", false)),
            ExportError::Source(corrupt),
            ExportError::Sink(kt_engine::SinkError::new("upload", false)),
        ] {
            let said = failure_for(&e, 3).message;
            for operator in ["bucket", "Check the", "Have it re-delivered", "may read it"] {
                assert!(!said.contains(operator), "{said}");
            }
            assert!(said.contains("job id"), "{said}");
        }
    }
}
