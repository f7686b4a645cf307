//! One configuration type, read once at cold start from the environment, with
//! the local defaults of `contracts/api.md`.
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    /// `AWS_ENDPOINT_URL`: set locally (emulator), unset in AWS.
    pub aws_endpoint_url: Option<String>,
    pub aws_region: String,
    pub jobs_table: String,
    pub export_queue: String,
    pub export_dlq: String,
    pub events_bucket: String,
    pub artifacts_bucket: String,
    pub api_addr: String,
    pub dev_jwt_secret: String,
    pub max_active_jobs: u32,
    /// How long a worker's claim on a job lasts without a heartbeat.
    pub lease: Duration,
    /// Memory budget of the ordering stage (per hour partition) before it spills to disk.
    pub sort_budget_bytes: usize,
    /// Directory for spilled sorted runs (Lambda: `/tmp`).
    pub spill_dir: std::path::PathBuf,
    /// Key for pseudonymising actors in reports (per-tenant keys are derived from it).
    pub pseudonym_key: String,
    /// A job waiting this long with nobody on it gets a new message from the sweeper.
    pub sweep_requeue_after: Duration,
    /// New messages the sweeper sends a job before failing it.
    pub sweep_max_requeues: u32,
}

fn var(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

impl Config {
    pub fn from_env() -> Self {
        Self {
            aws_endpoint_url: std::env::var("AWS_ENDPOINT_URL")
                .ok()
                .filter(|v| !v.is_empty()),
            aws_region: var("AWS_REGION", "us-east-1"),
            jobs_table: var("KT_JOBS_TABLE", "kt-export-jobs"),
            export_queue: var("KT_EXPORT_QUEUE", "kt-export-jobs"),
            export_dlq: var("KT_EXPORT_DLQ", "kt-export-jobs-dlq"),
            events_bucket: var("KT_EVENTS_BUCKET", "kt-events"),
            artifacts_bucket: var("KT_ARTIFACTS_BUCKET", "kt-artifacts"),
            api_addr: var("KT_API_ADDR", "127.0.0.1:3000"),
            dev_jwt_secret: var("KT_DEV_JWT_SECRET", "kt-local-dev-secret"),
            max_active_jobs: var("KT_MAX_ACTIVE_JOBS", "10").parse().unwrap_or(10),
            lease: Duration::from_secs(var("KT_LEASE_SECONDS", "120").parse().unwrap_or(120)),
            sort_budget_bytes: var("KT_SORT_BUDGET_MB", "256")
                .parse::<usize>()
                .unwrap_or(256)
                << 20,
            spill_dir: var("KT_SPILL_DIR", &std::env::temp_dir().to_string_lossy()).into(),
            pseudonym_key: var("KT_PSEUDONYM_KEY", "kt-local-pseudonym-key"),
            sweep_requeue_after: Duration::from_secs(
                var("KT_SWEEP_REQUEUE_SECONDS", "900")
                    .parse()
                    .unwrap_or(900),
            ),
            sweep_max_requeues: var("KT_SWEEP_MAX_REQUEUES", "2").parse().unwrap_or(2),
        }
    }
}
