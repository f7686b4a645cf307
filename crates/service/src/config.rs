//! One configuration type, read once at cold start from the environment, with
//! the local defaults of the API contract.
//!
//! Strict: a value that does not parse (`KT_MAX_ACTIVE_JOBS=ten`) is an error
//! that names the variable, never a silent default. In Lambda (where
//! `AWS_LAMBDA_FUNCTION_NAME` is set) the resource names and the pseudonym key
//! are required: the template sets them, and a function deployed without them
//! must not fall back to the local stack's names or its public key.
use kt_store::aws::{AwsSettings, ResourceNames};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub aws: AwsSettings,
    pub resources: ResourceNames,
    pub api_addr: String,
    pub dev_jwt_secret: String,
    /// Serve `/dev/sign-in` (the page's "Sign in as tenant" box). Never read
    /// from the environment: only the local stack (`kt-local up`) sets it, so
    /// no deployed function can offer it.
    pub dev_sign_in: bool,
    pub max_active_jobs: u32,
    /// How long a worker's claim on a job lasts without a heartbeat.
    pub lease: Duration,
    /// Memory budget of the ordering stage (per hour partition) before it spills to disk.
    pub sort_budget_bytes: usize,
    /// Directory for spilled sorted runs (Lambda: `/tmp`).
    pub spill_dir: PathBuf,
    /// Key for pseudonymising actors in reports (per-tenant keys are derived
    /// from it). Only the worker needs it: see [`Config::require_pseudonym_key`].
    pub pseudonym_key: Option<String>,
    /// `KT_SIGNING_KMS_KEY_ID`: the KMS key that signs manifests (AWS).
    pub signing_kms_key_id: Option<String>,
    /// `KT_SIGNING_KEY_FILE`: a PKCS#8 PEM key that signs manifests, created
    /// on first use (the local stack sets a default).
    pub signing_key_file: Option<PathBuf>,
    /// `KT_SIGNING_RETIRED_KEYS`: comma-separated KMS key ids (or PEM files,
    /// locally) of rotated-out keys, still published by `/v1/keys`.
    pub signing_retired_keys: Vec<String>,
    /// A job waiting this long with nobody on it gets a new message from the sweeper.
    pub sweep_requeue_after: Duration,
    /// New messages the sweeper sends a job before failing it.
    pub sweep_max_requeues: u32,
    /// `KT_PSEUDONYM_KEY_SECRET`: the Secrets Manager secret (ARN or name)
    /// holding the pseudonym key, which the worker reads at cold start
    /// (`kt_store::secrets`) and puts in `pseudonym_key`. Set in AWS; unset
    /// locally, where `KT_PSEUDONYM_KEY` is used.
    pub pseudonym_key_secret: Option<String>,
    /// `KT_FANOUT_SEGMENT_KB`: source bytes (compressed, as listed) one
    /// segment of a fanned-out export reads; a job with more is split into
    /// segments of whole hours that run on several workers (`docs/scale.md`).
    pub fanout_segment_bytes: u64,
    /// `KT_FANOUT_MAX_SEGMENTS`: the most segments (workers) one job fans out
    /// to; 1 turns fan-out off.
    pub fanout_max_segments: u32,
    /// `KT_TSA_URL`: an RFC 3161 timestamp authority (`http://` or
    /// `https://`) asked to countersign every manifest signature; unset, no
    /// timestamp is requested and manifests say `"timestamp": {"status": "none"}`.
    pub tsa_url: Option<String>,
    /// `KT_FANOUT_MAX_CONCURRENT`: segments of one job running at once at
    /// most (the job's share of the workers); unset or 0: no cap.
    pub fanout_max_concurrent: Option<u32>,
    /// `KT_FANOUT_CHECKPOINT_AFTER_MS`: a segment saves its place and
    /// continues in a new invocation after this long in one (besides near
    /// the invocation's deadline, which only Lambda has). Unset: only near
    /// the deadline. For tests and the local stack.
    pub fanout_checkpoint_after: Option<Duration>,
    /// `KT_API_AWS_TIMEOUT_MS`: the HTTP API's AWS calls (DynamoDB, S3,
    /// SQS, KMS) give up after this long, retries included (default 20 s,
    /// at most 28 s), so a store that hangs is the API's own 503 problem
    /// before API Gateway cuts the integration at 29 s. The worker, the
    /// sweeper and the scheduler keep the long defaults
    /// ([`kt_store::aws::AwsTimeouts::default`]).
    pub api_aws_timeout: Duration,
    /// `KT_PUBLIC_BASE_URL`: the API's address as callers reach it
    /// (`https://exports.example.com`), from which the URLs the API hands out
    /// (a share link's) are built, never from the request's `Host`. Unset,
    /// API Gateway's domain and stage are used in AWS, the `Host` header
    /// only on a bare dev server (`http/share/public_base.rs`).
    pub public_base_url: Option<String>,
}

/// `KT_API_AWS_TIMEOUT_MS` when unset: 20 s, well under API Gateway's 29 s.
pub const DEFAULT_API_AWS_TIMEOUT_MS: u64 = 20_000;

/// The local stack's pseudonym key: public, so only for local use.
pub const LOCAL_PSEUDONYM_KEY: &str = "kt-local-pseudonym-key";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is required here (it has no default outside the local stack)")]
    Missing { name: &'static str },
    #[error("{name}={value:?}: {expected}")]
    Invalid {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
}

/// Reads variables through `var`, so tests can pass a map.
struct Vars<F> {
    var: F,
    in_lambda: bool,
}

impl<F: Fn(&str) -> Option<String>> Vars<F> {
    fn get(&self, name: &str) -> Option<String> {
        (self.var)(name).filter(|v| !v.trim().is_empty())
    }

    /// A value with a local default; required in Lambda when `required_in_lambda`.
    fn text(
        &self,
        name: &'static str,
        local_default: &str,
        required_in_lambda: bool,
    ) -> Result<String, ConfigError> {
        match self.get(name) {
            Some(v) => Ok(v),
            None if required_in_lambda && self.in_lambda => Err(ConfigError::Missing { name }),
            None => Ok(local_default.to_string()),
        }
    }

    fn number<T: std::str::FromStr>(
        &self,
        name: &'static str,
        default: T,
        expected: &'static str,
        valid: impl Fn(&T) -> bool,
    ) -> Result<T, ConfigError> {
        let Some(value) = self.get(name) else {
            return Ok(default);
        };
        value
            .trim()
            .parse::<T>()
            .ok()
            .filter(|n| valid(n))
            .ok_or(ConfigError::Invalid {
                name,
                value,
                expected,
            })
    }
}

impl Config {
    /// From the process environment; call once, in `main`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// From any variable lookup (tests pass a map).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let in_lambda = var("AWS_LAMBDA_FUNCTION_NAME").is_some_and(|v| !v.is_empty());
        let v = Vars { var, in_lambda };
        let in_lambda = v.in_lambda;
        Ok(Self {
            aws: AwsSettings {
                endpoint_url: v.get("AWS_ENDPOINT_URL"),
                region: v.text("AWS_REGION", "us-east-1", true)?,
            },
            resources: ResourceNames {
                jobs_table: v.text("KT_JOBS_TABLE", "kt-export-jobs", true)?,
                export_queue: v.text("KT_EXPORT_QUEUE", "kt-export-jobs", true)?,
                export_dlq: v.text("KT_EXPORT_DLQ", "kt-export-jobs-dlq", true)?,
                events_bucket: v.text("KT_EVENTS_BUCKET", "kt-events", true)?,
                artifacts_bucket: v.text("KT_ARTIFACTS_BUCKET", "kt-artifacts", true)?,
                event_bus: v.get("KT_EVENT_BUS"),
            },
            api_addr: v.text("KT_API_ADDR", "127.0.0.1:3000", false)?,
            dev_jwt_secret: v.text("KT_DEV_JWT_SECRET", "kt-local-dev-secret", false)?,
            dev_sign_in: false,
            max_active_jobs: v.number(
                "KT_MAX_ACTIVE_JOBS",
                10,
                "a whole number of jobs from 1",
                |n: &u32| *n >= 1,
            )?,
            lease: Duration::from_secs(v.number(
                "KT_LEASE_SECONDS",
                120,
                "a whole number of seconds from 1",
                |n: &u64| *n >= 1,
            )?),
            sort_budget_bytes: v.number(
                "KT_SORT_BUDGET_MB",
                256usize,
                "a whole number of MiB from 1 to 65536",
                |n| (1..=65536).contains(n),
            )? << 20,
            spill_dir: v
                .get("KT_SPILL_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir),
            pseudonym_key: match v.get("KT_PSEUDONYM_KEY") {
                Some(key) => Some(key),
                None if in_lambda => None,
                None => Some(LOCAL_PSEUDONYM_KEY.to_string()),
            },
            signing_kms_key_id: v.get("KT_SIGNING_KMS_KEY_ID"),
            signing_key_file: v.get("KT_SIGNING_KEY_FILE").map(PathBuf::from),
            signing_retired_keys: v
                .get("KT_SIGNING_RETIRED_KEYS")
                .map(|list| {
                    list.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            sweep_requeue_after: Duration::from_secs(v.number(
                "KT_SWEEP_REQUEUE_SECONDS",
                900,
                "a whole number of seconds from 1",
                |n: &u64| *n >= 1,
            )?),
            sweep_max_requeues: v.number(
                "KT_SWEEP_MAX_REQUEUES",
                2,
                "a whole number of re-enqueues",
                |_: &u32| true,
            )?,
            pseudonym_key_secret: v.get("KT_PSEUDONYM_KEY_SECRET"),
            fanout_segment_bytes: v.number(
                "KT_FANOUT_SEGMENT_KB",
                1u64 << 20,
                "a whole number of KiB from 1 to 104857600 (100 GiB)",
                |n| (1..=100 << 20).contains(n),
            )? << 10,
            fanout_max_segments: v.number(
                "KT_FANOUT_MAX_SEGMENTS",
                200,
                "a whole number of segments from 1 to 2000",
                |n: &u32| (1..=2000).contains(n),
            )?,
            tsa_url: match v.get("KT_TSA_URL") {
                Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                    Some(url.trim().to_string())
                }
                Some(value) => {
                    return Err(ConfigError::Invalid {
                        name: "KT_TSA_URL",
                        value,
                        expected: "an http:// or https:// URL of an RFC 3161 timestamp authority",
                    });
                }
                None => None,
            },
            fanout_max_concurrent: Some(v.number(
                "KT_FANOUT_MAX_CONCURRENT",
                0u32,
                "a whole number of segments (0: no cap)",
                |_| true,
            )?)
            .filter(|n| *n > 0),
            fanout_checkpoint_after: v
                .get("KT_FANOUT_CHECKPOINT_AFTER_MS")
                .map(|_| {
                    v.number(
                        "KT_FANOUT_CHECKPOINT_AFTER_MS",
                        0u64,
                        "a whole number of milliseconds",
                        |_| true,
                    )
                })
                .transpose()?
                .map(Duration::from_millis),
            api_aws_timeout: Duration::from_millis(v.number(
                "KT_API_AWS_TIMEOUT_MS",
                DEFAULT_API_AWS_TIMEOUT_MS,
                "a whole number of milliseconds from 100 to 28000 (under API Gateway's 29 s)",
                |n: &u64| (100..=28_000).contains(n),
            )?),
            public_base_url: match v.get("KT_PUBLIC_BASE_URL") {
                None => None,
                Some(value) => Some(public_base_url(&value).ok_or(ConfigError::Invalid {
                    name: "KT_PUBLIC_BASE_URL",
                    value,
                    expected: "an http:// or https:// URL with a host and nothing after the path (e.g. https://exports.example.com)",
                })?),
            },
        })
    }

    /// The timeouts of the HTTP API's AWS clients (`KT_API_AWS_TIMEOUT_MS`
    /// for an operation, half of it for an attempt); the functions that do
    /// not answer a waiting caller use [`kt_store::aws::AwsTimeouts::default`].
    pub fn api_aws_timeouts(&self) -> kt_store::aws::AwsTimeouts {
        kt_store::aws::AwsTimeouts::within(self.api_aws_timeout)
    }

    /// The pseudonym key, for the functions that write reports: unset in
    /// Lambda is an error at cold start, never the local stack's public key.
    pub fn require_pseudonym_key(&self) -> Result<String, ConfigError> {
        self.pseudonym_key.clone().ok_or(ConfigError::Missing {
            name: "KT_PSEUDONYM_KEY",
        })
    }
}

/// `raw` as a base URL (scheme, host, optional path; no query or fragment),
/// without a trailing slash.
fn public_base_url(raw: &str) -> Option<String> {
    let base = raw.trim().trim_end_matches('/');
    let uri = base.parse::<axum::http::Uri>().ok()?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    let host_ok = uri.host().is_some_and(|h| !h.is_empty());
    let plain = uri.query().is_none() && !base.contains('#') && !base.contains('@');
    (scheme_ok && host_ok && plain).then(|| base.to_string())
}

#[cfg(test)]
mod tests;
