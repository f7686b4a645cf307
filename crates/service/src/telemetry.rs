//! Tracing set-up shared by every binary.
//!
//! Lambda's advanced logging controls drive it, as
//! `lambda_runtime::tracing::init_default_subscriber` reads them: the level
//! is `AWS_LAMBDA_LOG_LEVEL` (else `RUST_LOG`, else `info`; see
//! [`level_setting`]), and JSON lines when `AWS_LAMBDA_LOG_FORMAT=JSON` (the
//! template's `LoggingConfig`) or in Lambda. Unlike that function, every line
//! keeps its timestamp (a job's log is read long after, often outside
//! CloudWatch), and libraries that can print a request (and so a bearer
//! token) never log below `info`, whatever the level.
pub mod emf;
mod log_filter;

pub use log_filter::{level_setting, log_filter};
use tracing_subscriber::fmt;

/// Installs the subscriber once; later calls (tests) keep the first.
pub fn init() {
    let filter = log_filter(&level_setting());
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let json = var("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json"))
        || var("AWS_LAMBDA_FUNCTION_NAME").is_some();
    let builder = fmt().with_env_filter(filter).with_target(false);
    let _already_set = if json {
        builder.json().try_init()
    } else {
        builder.with_writer(std::io::stderr).try_init()
    };
}
