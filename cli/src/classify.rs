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
}
