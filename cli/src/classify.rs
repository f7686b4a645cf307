//! Which exit code an error means: the first cause in its chain that says
//! what kind of failure it was (a [`Failure`], an API answer, a transport error).
use crate::client::{ApiError, Unreachable};
use crate::exit::{ExitKind, Failure};

pub fn exit_kind(error: &anyhow::Error) -> ExitKind {
    for cause in error.chain() {
        if let Some(failure) = cause.downcast_ref::<Failure>() {
            return failure.kind();
        }
        if let Some(api) = cause.downcast_ref::<ApiError>() {
            return api.exit_kind();
        }
        if cause.downcast_ref::<Unreachable>().is_some() {
            return ExitKind::Network;
        }
        if let Some(e) = cause.downcast_ref::<reqwest::Error>()
            && (e.is_timeout() || e.is_connect() || e.is_request() || e.is_body())
        {
            return ExitKind::Network;
        }
    }
    ExitKind::Other
}

/// The error and its causes, each said once: an error that quotes its
/// source in its own text (`writing the artifact failed: {0}`) would
/// otherwise print the source twice.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let said = cause.to_string();
        if text.contains(&said) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&said);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn the_kind_is_found_under_added_context() {
        let e = Err::<(), _>(Failure::WouldOverwrite("a.csv".into()))
            .context("downloading")
            .unwrap_err();
        assert_eq!(exit_kind(&e), ExitKind::WouldOverwrite);
        assert_eq!(exit_kind(&anyhow::anyhow!("plain")), ExitKind::Other);
    }

    #[test]
    fn a_cause_quoted_by_its_error_is_said_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("creating x.part: no such directory")]
        struct Io;
        #[derive(Debug, thiserror::Error)]
        #[error("writing the artifact failed: {0}")]
        struct Sink(#[from] Io);
        let e = anyhow::Error::new(Sink(Io)).context("exporting to x");
        assert_eq!(
            error_text(&e),
            "exporting to x: writing the artifact failed: creating x.part: no such directory"
        );
        let plain = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_text(&plain), "outer: inner");
    }
}
