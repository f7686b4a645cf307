//! Exit codes: one number per kind of outcome, so a runbook can branch on
//! `$?` without parsing messages. The table is printed by `kt --help` and
//! repeated in the README; `classify::exit_kind` is the one place errors are sorted.
use std::process::ExitCode;

/// Shown under `kt --help` (and every subcommand's help).
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  ok
  1  other error
  2  usage: bad arguments, or a request the API rejected as invalid (400, 422)
  3  the job failed or was canceled
  4  not found (no such job for this tenant)
  5  verification failed (size, SHA-256 or bundle check)
  6  authentication or permission (no token, 401, 403)
  7  network error or timeout (including `--timeout` while waiting), or no kt-exports API at --api-url
  8  refused to overwrite an existing file (pass --force)
  9  busy: another kt is downloading the same file (try again when it ends)
130  interrupted (Ctrl-C) while waiting; the job keeps running";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    Ok = 0,
    Other = 1,
    Usage = 2,
    JobUnsuccessful = 3,
    NotFound = 4,
    VerificationFailed = 5,
    Auth = 6,
    Network = 7,
    WouldOverwrite = 8,
    Busy = 9,
    /// 128 + SIGINT, as a shell reports a process Ctrl-C ended.
    Interrupted = 130,
}

impl From<ExitKind> for ExitCode {
    fn from(kind: ExitKind) -> Self {
        ExitCode::from(kind as u8)
    }
}

/// Failures the CLI itself detects, each with its exit code and a message
/// that says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Auth(String),
    #[error("{0}")]
    Network(String),
    #[error("{0}")]
    Verification(String),
    #[error("{0} already exists: pass --force to replace it, or --output to choose another name")]
    WouldOverwrite(String),
    /// Another process holds the file this one would write.
    #[error("{0}")]
    Busy(String),
    #[error("{0}")]
    Interrupted(String),
}

impl Failure {
    pub fn kind(&self) -> ExitKind {
        match self {
            Self::Usage(_) => ExitKind::Usage,
            Self::Auth(_) => ExitKind::Auth,
            Self::Network(_) => ExitKind::Network,
            Self::Verification(_) => ExitKind::VerificationFailed,
            Self::WouldOverwrite(_) => ExitKind::WouldOverwrite,
            Self::Busy(_) => ExitKind::Busy,
            Self::Interrupted(_) => ExitKind::Interrupted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_lists_every_code_once() {
        for code in (0..=9).chain([130]) {
            let line = format!("\n{code:>3}  ");
            assert_eq!(EXIT_CODES_HELP.matches(&line).count(), 1, "code {code}");
        }
    }
}
