//! Tracing set-up shared by every binary: JSON logs in Lambda, readable ones locally.
use tracing_subscriber::{EnvFilter, fmt};

/// Honours `RUST_LOG` (default `info`); JSON when running in Lambda.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let in_lambda = std::env::var("AWS_LAMBDA_FUNCTION_NAME").is_ok();
    let builder = fmt().with_env_filter(filter).with_target(false);
    let result = if in_lambda {
        builder.json().without_time().try_init()
    } else {
        builder.with_writer(std::io::stderr).try_init()
    };
    let _ = result; // already initialised (tests): keep the first subscriber
}
