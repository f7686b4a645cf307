//! Tracing set-up shared by every binary.
//!
//! Lambda's advanced logging controls drive it, as
//! `lambda_runtime::tracing::init_default_subscriber` reads them:
//! `AWS_LAMBDA_LOG_LEVEL` (else `RUST_LOG`, else `info`) is the level, and
//! `AWS_LAMBDA_LOG_FORMAT=JSON` gives JSON lines. Unlike that function, every
//! line keeps its timestamp (an exported job's log is read long after, often
//! outside CloudWatch). Locally, readable lines on stderr.

use tracing_subscriber::filter::{EnvFilter, LevelFilter};
use tracing_subscriber::fmt;

/// Installs the subscriber once; later calls (tests) keep the first.
pub fn init() {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let settings = Settings::from_vars(var);
    let filter = EnvFilter::builder()
        .with_default_directive(settings.level.into())
        .parse_lossy(settings.directives.unwrap_or_default());
    let builder = fmt().with_env_filter(filter).with_target(false);
    let _already_set = if settings.json {
        builder.json().try_init()
    } else {
        builder.with_writer(std::io::stderr).try_init()
    };
}

/// What the environment asks of the logs.
#[derive(Debug, PartialEq)]
struct Settings {
    level: LevelFilter,
    /// Per-target directives (`RUST_LOG=kt_service=debug,aws_smithy=warn`).
    directives: Option<String>,
    json: bool,
}

impl Settings {
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let lambda_level = var("AWS_LAMBDA_LOG_LEVEL");
        let rust_log = var("RUST_LOG");
        // A bare level (`debug`) sets the default; anything else is directives.
        let (level, directives) = match (lambda_level, rust_log) {
            (Some(level), rust_log) => (level.parse().ok(), rust_log),
            (None, Some(rust_log)) => match rust_log.parse::<LevelFilter>() {
                Ok(level) => (Some(level), None),
                Err(_) => (None, Some(rust_log)),
            },
            (None, None) => (None, None),
        };
        Self {
            level: level.unwrap_or(LevelFilter::INFO),
            directives,
            json: var("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        Settings::from_vars(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn lambdas_log_level_and_format_drive_the_logs() {
        let s = settings(&[
            ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ]);
        assert_eq!(s.level, LevelFilter::DEBUG);
        assert!(s.json);
    }

    #[test]
    fn rust_log_is_a_level_or_directives_and_info_is_the_default() {
        assert_eq!(settings(&[("RUST_LOG", "warn")]).level, LevelFilter::WARN);
        let directives = settings(&[("RUST_LOG", "kt_service=debug")]);
        assert_eq!(directives.level, LevelFilter::INFO);
        assert_eq!(directives.directives.as_deref(), Some("kt_service=debug"));
        let none = settings(&[]);
        assert_eq!((none.level, none.json), (LevelFilter::INFO, false));
    }
}
