//! Tracing set-up shared by every binary.
//!
//! Lambda's advanced logging controls drive it, as
//! `lambda_runtime::tracing::init_default_subscriber` reads them: the level
//! is `AWS_LAMBDA_LOG_LEVEL` (else `RUST_LOG`, else `info`; see
//! [`level_setting`]), and JSON lines when `AWS_LAMBDA_LOG_FORMAT=JSON` (the
//! template's `LoggingConfig`) or in Lambda. Unlike that function, every line
//! keeps its timestamp (a job's log is read long after, often outside
//! CloudWatch), and libraries that can print a request (and so a bearer
//! token) never log below `info`, whatever the level. Text lines carry
//! colour codes only on a terminal, and never with `NO_COLOR` set.
pub mod emf;
mod log_filter;

pub use log_filter::{level_setting, log_filter};
use std::io::IsTerminal;
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
        let colour = wants_colour(std::io::stderr().is_terminal(), var("NO_COLOR").is_some());
        builder
            .with_ansi(colour)
            .with_writer(std::io::stderr)
            .try_init()
    };
}

/// Colour codes only for a person at a terminal: a log redirected to a
/// file or piped (`kt-local up 2> stack.log`) stays plain text, and
/// `NO_COLOR` (set and not empty, no-color.org) turns them off anyway.
fn wants_colour(stderr_is_terminal: bool, no_color: bool) -> bool {
    stderr_is_terminal && !no_color
}

#[cfg(test)]
mod tests {
    use super::wants_colour;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(wants_colour(true, false));
        assert!(!wants_colour(false, false), "a file or a pipe");
        assert!(!wants_colour(true, true), "NO_COLOR");
        assert!(!wants_colour(false, true));
    }
}
