//! The log filter: one setting, and a floor for libraries that log requests.
//!
//! In Lambda the setting is the function's `LoggingConfig.ApplicationLogLevel`
//! (the template's `LogLevel` parameter), which Lambda hands to the code as
//! `AWS_LAMBDA_LOG_LEVEL`; Lambda drops lines below it too, so the two always
//! agree. Locally it is `RUST_LOG` (a level or a full filter), default `info`.
use tracing_subscriber::EnvFilter;

/// Crates that log whole requests or events below `info`: at `trace`,
/// `lambda_runtime` prints the raw invocation event, which for the API holds
/// the caller's `Authorization` header. They never go below `info`.
const REQUEST_LOGGING_CRATES: &[&str] = &[
    "lambda_runtime",
    "lambda_runtime_api_client",
    "lambda_http",
    "hyper",
    "hyper_util",
    "h2",
    "tower_http",
    "axum",
    "reqwest",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http_client",
    "aws_smithy_http",
    "aws_sigv4",
    "aws_config",
    "rustls",
];

/// The log-level setting in force: `AWS_LAMBDA_LOG_LEVEL` (Lambda), else
/// `RUST_LOG`, else `info`.
pub fn level_setting() -> String {
    ["AWS_LAMBDA_LOG_LEVEL", "RUST_LOG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "info".to_string())
}

/// The filter for `setting`: a level (any case; Lambda's `FATAL` is `error`)
/// or an `EnvFilter` directive list. Targets it does not name log at `info`;
/// an unparsable setting means `info`.
pub fn log_filter(setting: &str) -> EnvFilter {
    let setting = setting.trim();
    let directives = match setting.to_ascii_lowercase().as_str() {
        "fatal" => "error".to_string(),
        level @ ("trace" | "debug" | "info" | "warn" | "error" | "off") => level.to_string(),
        _ => setting.to_string(),
    };
    // Later directives for the same target replace earlier ones, so the floor
    // holds even against `RUST_LOG=hyper=trace`.
    let floor: Vec<String> = REQUEST_LOGGING_CRATES
        .iter()
        .map(|krate| format!("{krate}={}", floor_level(&directives)))
        .collect();
    // `info` first: a setting that names only targets leaves the rest at `info`.
    let full = format!("info,{directives},{}", floor.join(","));
    EnvFilter::try_new(&full)
        .unwrap_or_else(|_| EnvFilter::new(format!("info,{}", floor.join(","))))
}

/// `info`, or the setting itself when it is a plain level quieter than that.
fn floor_level(directives: &str) -> &str {
    match directives {
        "warn" | "error" | "off" => directives,
        _ => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;
    use tracing_subscriber::prelude::*;

    /// Which of (target, level) the filter for `setting` lets through.
    fn enabled(setting: &str, target_level: &[(&str, Level)]) -> Vec<bool> {
        let subscriber = tracing_subscriber::registry().with(log_filter(setting));
        tracing::subscriber::with_default(subscriber, || {
            target_level
                .iter()
                .map(|(target, level)| probe(target, *level))
                .collect()
        })
    }

    /// `enabled!` needs a literal target; ask the dispatcher with a built metadata instead.
    fn probe(target: &str, level: Level) -> bool {
        use tracing::callsite::{Callsite, Identifier};
        use tracing::metadata::{Kind, Metadata};
        struct Site;
        static SITE: Site = Site;
        impl Callsite for Site {
            fn set_interest(&self, _: tracing::subscriber::Interest) {}
            fn metadata(&self) -> &Metadata<'_> {
                unreachable!("only the dispatcher's enabled() is asked")
            }
        }
        let target: &'static str = Box::leak(target.to_string().into_boxed_str());
        let meta: &'static Metadata<'static> = Box::leak(Box::new(Metadata::new(
            "probe",
            target,
            level,
            None,
            None,
            None,
            tracing::field::FieldSet::new(&[], Identifier(&SITE)),
            Kind::EVENT,
        )));
        tracing::dispatcher::get_default(|d| d.enabled(meta))
    }

    const RAW_EVENT: &str = "lambda_runtime::layers::api_response";

    #[test]
    fn trace_reaches_our_code_but_never_the_raw_lambda_event() {
        for setting in [
            "trace",
            "TRACE",
            "debug",
            "trace,hyper=trace,lambda_runtime=trace",
        ] {
            let got = enabled(
                setting,
                &[
                    ("kt_shared::worker", Level::DEBUG),
                    (RAW_EVENT, Level::TRACE),
                    ("lambda_http", Level::DEBUG),
                    ("hyper::proto", Level::TRACE),
                    (RAW_EVENT, Level::INFO),
                ],
            );
            assert_eq!(got, [true, false, false, false, true], "{setting}");
        }
    }

    #[test]
    fn a_quiet_level_stays_quiet_for_the_libraries_too() {
        let got = enabled(
            "WARN",
            &[
                ("kt_shared::worker", Level::INFO),
                ("kt_shared::worker", Level::WARN),
                (RAW_EVENT, Level::INFO),
            ],
        );
        assert_eq!(got, [false, true, false]);
        // Lambda's FATAL is error; garbage is info.
        assert_eq!(enabled("FATAL", &[("kt_api", Level::WARN)]), [false]);
        assert_eq!(enabled("loud!!", &[("kt_api", Level::INFO)]), [true]);
        assert_eq!(enabled("loud!!", &[("kt_api", Level::DEBUG)]), [false]);
    }
}
