//! CloudWatch metrics from the worker and the sweeper as Embedded Metric
//! Format log lines: one JSON object per finished job (or sweeper pass) on stdout, which Lambda's log pipeline turns
//! into metrics (no PutMetricData call, no extra IAM action, no latency).
//!
//! Metrics go to `KT_METRICS_NAMESPACE` (the template sets it per stack),
//! once per `Format` and once without dimensions, so the dashboard and alarms
//! can show both totals and the per-format split.
use serde_json::{Value, json};
use std::time::Duration;

/// Default namespace when `KT_METRICS_NAMESPACE` is unset (local runs).
pub const DEFAULT_NAMESPACE: &str = "KtExports";

/// How a job ended, as far as metrics care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobEnd {
    Completed,
    Failed,
}

/// What one finished job measured.
#[derive(Debug, Clone, PartialEq)]
pub struct JobMetrics {
    pub format: String,
    pub end: JobEnd,
    /// From the worker's claim to the job's end.
    pub duration: Duration,
    pub events_exported: u64,
    pub artifact_bytes: u64,
    /// Compressed bytes read from the lake.
    pub bytes_read: u64,
    pub rejected_lines: u64,
}

impl JobMetrics {
    /// The EMF document for these metrics, stamped `timestamp_ms`.
    pub fn to_emf(&self, namespace: &str, timestamp_ms: i64) -> Value {
        let seconds = self.duration.as_secs_f64();
        let per_second = if seconds > 0.0 {
            self.events_exported as f64 / seconds
        } else {
            0.0
        };
        let (completed, failed) = match self.end {
            JobEnd::Completed => (1, 0),
            JobEnd::Failed => (0, 1),
        };
        let metric = |name: &str, unit: &str| json!({"Name": name, "Unit": unit});
        json!({
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": namespace,
                    "Dimensions": [["Format"], []],
                    "Metrics": [
                        metric("ExportDuration", "Milliseconds"),
                        metric("EventsExported", "Count"),
                        metric("EventsPerSecond", "Count/Second"),
                        metric("ArtifactBytes", "Bytes"),
                        metric("BytesRead", "Bytes"),
                        metric("RejectedLines", "Count"),
                        metric("JobsCompleted", "Count"),
                        metric("JobsFailed", "Count"),
                    ],
                }],
            },
            "Format": self.format,
            "ExportDuration": self.duration.as_millis() as u64,
            "EventsExported": self.events_exported,
            "EventsPerSecond": (per_second * 10.0).round() / 10.0,
            "ArtifactBytes": self.artifact_bytes,
            "BytesRead": self.bytes_read,
            "RejectedLines": self.rejected_lines,
            "JobsCompleted": completed,
            "JobsFailed": failed,
        })
    }

    /// Prints the EMF line in Lambda (where CloudWatch picks it up); a no-op
    /// elsewhere, where nothing would read it.
    pub fn emit(&self) {
        emit_with(|namespace, now| self.to_emf(namespace, now));
    }
}

/// What one sweeper pass counted, as metrics: the jobs it failed join the
/// worker's `JobsFailed` (without a dimension, so the alarm on the total
/// sees them), beside its errors, re-enqueues and the queue's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepMetrics {
    pub jobs_failed: u32,
    pub jobs_requeued: u32,
    pub errors: u32,
    pub waiting_in_queue: u64,
}

impl SweepMetrics {
    pub fn to_emf(&self, namespace: &str, timestamp_ms: i64) -> Value {
        let metric = |name: &str| json!({"Name": name, "Unit": "Count"});
        json!({
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": namespace,
                    "Dimensions": [[]],
                    "Metrics": [
                        metric("JobsFailed"),
                        metric("JobsRequeued"),
                        metric("SweepErrors"),
                        metric("ExportQueueWaiting"),
                    ],
                }],
            },
            "JobsFailed": self.jobs_failed,
            "JobsRequeued": self.jobs_requeued,
            "SweepErrors": self.errors,
            "ExportQueueWaiting": self.waiting_in_queue,
        })
    }

    /// As [`JobMetrics::emit`].
    pub fn emit(&self) {
        emit_with(|namespace, now| self.to_emf(namespace, now));
    }
}

/// Prints `doc(namespace, now)` as one line in Lambda; nothing elsewhere.
fn emit_with(doc: impl FnOnce(&str, i64) -> Value) {
    if std::env::var("AWS_LAMBDA_FUNCTION_NAME").is_err() {
        return;
    }
    let namespace = std::env::var("KT_METRICS_NAMESPACE")
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
    println!("{}", doc(&namespace, chrono::Utc::now().timestamp_millis()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_job() -> JobMetrics {
        JobMetrics {
            format: "csv".into(),
            end: JobEnd::Completed,
            duration: Duration::from_millis(2_500),
            events_exported: 30_000,
            artifact_bytes: 7_340_032,
            bytes_read: 1_048_576,
            rejected_lines: 3,
        }
    }

    #[test]
    fn every_declared_metric_has_a_value_and_the_dimension_is_set() {
        let doc = csv_job().to_emf("KtExports/prod", 1_780_000_000_000);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "KtExports/prod");
        assert_eq!(doc["_aws"]["Timestamp"], 1_780_000_000_000_i64);
        for dimension_set in directive["Dimensions"].as_array().unwrap() {
            for dimension in dimension_set.as_array().unwrap() {
                let name = dimension.as_str().unwrap();
                assert!(doc[name].is_string(), "dimension {name} has no value");
            }
        }
        let metrics = directive["Metrics"].as_array().unwrap();
        assert_eq!(metrics.len(), 8);
        for metric in metrics {
            let name = metric["Name"].as_str().unwrap();
            assert!(doc[name].is_number(), "metric {name} has no value");
        }
        assert_eq!(doc["Format"], "csv");
    }

    #[test]
    fn values_are_the_jobs_measurements() {
        let doc = csv_job().to_emf("KtExports", 0);
        assert_eq!(doc["ExportDuration"], 2_500);
        assert_eq!(doc["EventsExported"], 30_000);
        assert_eq!(doc["EventsPerSecond"], 12_000.0);
        assert_eq!(doc["ArtifactBytes"], 7_340_032);
        assert_eq!(doc["BytesRead"], 1_048_576);
        assert_eq!(doc["RejectedLines"], 3);
        assert_eq!(
            (doc["JobsCompleted"].clone(), doc["JobsFailed"].clone()),
            (json!(1), json!(0))
        );
        // One line: CloudWatch reads EMF only from a single-line JSON object.
        assert!(!doc.to_string().contains('\n'));
    }

    #[test]
    fn a_failed_job_counts_as_failed_and_an_instant_one_divides_by_nothing() {
        let mut failed = csv_job();
        failed.end = JobEnd::Failed;
        failed.duration = Duration::ZERO;
        failed.events_exported = 0;
        let doc = failed.to_emf("KtExports", 0);
        assert_eq!(
            (doc["JobsCompleted"].clone(), doc["JobsFailed"].clone()),
            (json!(0), json!(1))
        );
        assert_eq!(doc["EventsPerSecond"], 0.0);
    }

    #[test]
    fn a_sweep_pass_counts_its_failed_jobs_as_jobs_failed_without_a_dimension() {
        let doc = SweepMetrics {
            jobs_failed: 2,
            jobs_requeued: 1,
            errors: 3,
            waiting_in_queue: 40,
        }
        .to_emf("KtExports/prod", 1_700_000_000_000);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "KtExports/prod");
        assert_eq!(directive["Dimensions"], json!([[]]));
        let names: Vec<&str> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        for name in names {
            assert!(doc[name].is_u64(), "{name} has a value");
        }
        assert_eq!(doc["JobsFailed"], 2);
        assert_eq!(doc["SweepErrors"], 3);
        assert_eq!(doc["ExportQueueWaiting"], 40);
    }
}
