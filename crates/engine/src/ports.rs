//! The engine's edges: where events come from, where the artifact goes, who
//! hears about progress. Domain types only: no SDK types cross these traits.
use async_trait::async_trait;
use bytes::Bytes;
use kt_domain::JobStats;
use tokio::io::AsyncRead;

/// One object of the lake, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceObject {
    pub key: String,
    pub size: u64,
    pub etag: String,
}

/// The error underneath one of ours (an SDK or I/O error): kept for the log,
/// never shown to tenants. Shared, so that errors stay `Clone`.
pub type Cause = std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>;

/// A lake object could not be listed or read. `message` says what was being
/// done, in our words; the SDK's or the OS's error is the `source`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{key}: {message}")]
pub struct SourceError {
    pub key: String,
    pub message: String,
    /// Throttling, timeouts, 5xx: worth another attempt.
    pub retryable: bool,
    /// The object was read but its bytes are not valid gzip (or are
    /// truncated): the lake's content, not the service, is at fault.
    pub corrupt: bool,
    /// The object was deleted or replaced since the lake was listed: worth
    /// another attempt only where that attempt lists the lake again
    /// ([`ExportError::is_retryable_with_a_new_listing`]); `retryable` stays
    /// about the same inputs, so a fan-out's segment (a frozen listing)
    /// fails at once.
    pub lake_changed: bool,
    #[source]
    pub source: Option<Cause>,
}

impl SourceError {
    pub fn new(key: impl Into<String>, message: impl Into<String>, retryable: bool) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
            retryable,
            corrupt: false,
            lake_changed: false,
            source: None,
        }
    }

    /// Marks the object as gone or replaced since the listing (see
    /// [`Self::lake_changed`]).
    pub fn lake_changed(mut self) -> Self {
        self.lake_changed = true;
        self
    }

    /// Marks the object's content as corrupt (see [`Self::corrupt`]).
    pub fn corrupt(mut self) -> Self {
        self.corrupt = true;
        self
    }

    pub fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(std::sync::Arc::new(cause));
        self
    }
}

/// Where the lake's objects come from: S3 in Lambda, a directory offline.
#[async_trait]
pub trait LakeSource: Send + Sync {
    /// Every object whose key starts with `prefix`, sorted by key.
    async fn list(&self, prefix: &str) -> Result<Vec<SourceObject>, SourceError>;
    /// The object's bytes as stored (still compressed), streamed.
    async fn open(
        &self,
        object: &SourceObject,
    ) -> Result<Box<dyn AsyncRead + Send + Unpin>, SourceError>;
    /// For sources that are plain files: the object through blocking reads,
    /// called on the reader's own thread, which spares every read a trip
    /// through the async runtime. `None` (the default): use [`Self::open`].
    fn open_blocking(
        &self,
        _object: &SourceObject,
    ) -> Option<Result<Box<dyn std::io::Read + Send>, SourceError>> {
        None
    }
}

/// The artifact could not be written. `message` says what was being done,
/// in our words; the SDK's or the OS's error is the `source`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SinkError {
    pub message: String,
    pub retryable: bool,
    #[source]
    pub source: Option<Cause>,
}

impl SinkError {
    pub fn new(message: impl Into<String>, retryable: bool) -> Self {
        Self {
            message: message.into(),
            retryable,
            source: None,
        }
    }

    pub fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(std::sync::Arc::new(cause));
        self
    }
}

/// Displays an error with its whole cause chain (`a: b: c`), for logs. A
/// cause whose text the previous one already shows is not repeated.
pub struct ErrorChain<'a>(pub &'a dyn std::error::Error);

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = self.0.to_string();
        f.write_str(&shown)?;
        let mut next = self.0.source();
        while let Some(cause) = next {
            let text = cause.to_string();
            if !shown.contains(&text) {
                write!(f, ": {text}")?;
                shown = text;
            }
            next = cause.source();
        }
        Ok(())
    }
}

/// Where the artifact goes: S3 multipart upload in Lambda, a file offline.
/// The engine hashes and counts what it writes; the sink only stores it.
#[async_trait]
pub trait ArtifactSink: Send {
    async fn write(&mut self, chunk: Bytes) -> Result<(), SinkError>;
    /// Makes the artifact visible. Nothing is visible before this returns.
    async fn finish(self: Box<Self>) -> Result<(), SinkError>;
    /// Discards what was written (aborts the multipart upload).
    async fn abort(self: Box<Self>);
}

/// Progress so far, reported every few seconds while an export runs.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// 0..1, by source bytes read.
    pub fraction: f64,
    pub event_count: u64,
}

/// Hears about progress; returning `Err` (e.g. [`ExportError::Canceled`]) stops the export.
#[async_trait]
pub trait ProgressObserver: Send + Sync {
    async fn on_progress(&self, progress: &Progress) -> Result<(), ExportError>;
}

/// What a finished export produced.
#[derive(Debug, Clone)]
pub struct ExportOutcome {
    pub event_count: u64,
    pub size_bytes: u64,
    /// Lowercase hex SHA-256 of the whole artifact.
    pub sha256: String,
    pub stats: JobStats,
    /// Where the CPU time went (benchmarks; not part of the job record).
    pub timings: crate::StageTimes,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ExportError {
    #[error("reading the event lake failed: {0}")]
    Source(#[from] SourceError),
    #[error("writing the artifact failed: {0}")]
    Sink(#[from] SinkError),
    #[error("the job was canceled")]
    Canceled,
    /// Strict mode: a malformed line aborts the export.
    #[error("strict mode: {object} line {line}: {reason}")]
    Strict {
        object: String,
        line: u64,
        reason: String,
    },
    #[error("{0}")]
    Internal(String),
}

impl ExportError {
    /// Whether another attempt could succeed (the worker returns the message to SQS).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Source(e) => e.retryable,
            Self::Sink(e) => e.retryable,
            Self::Canceled | Self::Strict { .. } | Self::Internal(_) => false,
        }
    }

    /// Worth another attempt that lists the lake again: retryable, or the
    /// lake changed under this one (an object deleted or replaced).
    pub fn is_retryable_with_a_new_listing(&self) -> bool {
        self.is_retryable() || matches!(self, Self::Source(e) if e.lake_changed)
    }
    /// Stable code for the job's `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Source(_) => "source_unreadable",
            Self::Sink(_) => "artifact_write_failed",
            Self::Canceled => "canceled",
            Self::Strict { .. } => "malformed_line_strict",
            Self::Internal(_) => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_chain_shows_every_cause_once() {
        let io = std::io::Error::other("SlowDown: reduce your request rate");
        let sink = SinkError::new("uploading part 3", true).caused_by(io);
        let export = ExportError::Sink(sink);
        assert_eq!(
            ErrorChain(&export).to_string(),
            "writing the artifact failed: uploading part 3: SlowDown: reduce your request rate"
        );
    }
}
