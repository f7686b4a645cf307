//! Local-directory lake source and file sink (offline exports, benchmarks, tests),
//! and [`export_dir`], an offline export from a copy of the lake.
use super::{
    ArtifactSink, EngineOptions, ExportError, ExportOutcome, LakeSource, Progress,
    ProgressObserver, SinkError, SourceError, SourceObject,
};
use crate::formats;
use crate::formatter::{ExportContext, ReportInputs};
use crate::output_place::OutputPlace;
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use kt_domain::{ExportFormat, JobId, TenantId, Window};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncRead;

/// A directory that mirrors the events bucket as `aws s3 sync` leaves it:
/// an object's key is its path relative to the root, with `/` separators.
#[derive(Debug, Clone)]
pub struct DirLakeSource {
    root: PathBuf,
    s3_etags: bool,
}

impl DirLakeSource {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            s3_etags: false,
        }
    }

    /// Tags each file as S3 tags a single-part upload (`"<md5 hex>"`) instead
    /// of by modification time and size, so the listing digest of a synced copy
    /// equals the job's (lake objects are small: one part each). Reads every
    /// listed file once more.
    pub fn with_s3_etags(mut self) -> Self {
        self.s3_etags = true;
        self
    }
}

/// S3's ETag of a single-part object: its MD5, hex, in double quotes.
fn s3_etag(path: &Path) -> std::io::Result<String> {
    use md5::Digest;
    let digest = md5::Md5::digest(std::fs::read(path)?);
    Ok(format!("\"{}\"", hex::encode(digest)))
}

fn source_error(key: &str, e: &std::io::Error) -> SourceError {
    let retryable = !matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
    );
    SourceError::new(key, e.to_string(), retryable)
}

/// Every file under `dir` (recursively) with its key, size and a change tag.
fn walk(root: &Path, dir: &Path, found: &mut Vec<SourceObject>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let meta = entry.metadata()?;
        let path = entry.path();
        if meta.is_dir() {
            walk(root, &path, found)?;
        } else if meta.is_file() {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let key = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            found.push(SourceObject {
                key,
                size: meta.len(),
                etag: format!("{modified:x}-{:x}", meta.len()),
            });
        }
    }
    Ok(())
}

#[async_trait]
impl LakeSource for DirLakeSource {
    async fn list(&self, prefix: &str) -> Result<Vec<SourceObject>, SourceError> {
        let root = self.root.clone();
        let s3_etags = self.s3_etags;
        let prefix = prefix.to_string();
        tokio::task::spawn_blocking(move || {
            let dir = root.join(&prefix[..prefix.rfind('/').map_or(0, |i| i + 1)]);
            let mut found = Vec::new();
            walk(&root, &dir, &mut found).map_err(|e| source_error(&prefix, &e))?;
            found.retain(|o| o.key.starts_with(&prefix));
            found.sort_by(|a, b| a.key.cmp(&b.key));
            if s3_etags {
                for object in &mut found {
                    object.etag = s3_etag(&root.join(&object.key))
                        .map_err(|e| source_error(&object.key, &e))?;
                }
            }
            Ok(found)
        })
        .await
        .map_err(|e| SourceError::new("", "listing the lake failed", false).caused_by(e))?
    }

    async fn open(
        &self,
        object: &SourceObject,
    ) -> Result<Box<dyn AsyncRead + Send + Unpin>, SourceError> {
        let file = tokio::fs::File::open(self.root.join(&object.key))
            .await
            .map_err(|e| source_error(&object.key, &e))?;
        Ok(Box::new(file))
    }

    fn open_blocking(
        &self,
        object: &SourceObject,
    ) -> Option<Result<Box<dyn std::io::Read + Send>, SourceError>> {
        let file = std::fs::File::open(self.root.join(&object.key));
        Some(match file {
            Ok(file) => Ok(Box::new(file)),
            Err(e) => Err(source_error(&object.key, &e)),
        })
    }
}

fn flatten<T>(joined: Result<std::io::Result<T>, tokio::task::JoinError>) -> std::io::Result<T> {
    joined.unwrap_or_else(|e| Err(std::io::Error::other(e)))
}

/// Writes the artifact to `<path>.part` and renames it to `path` on finish,
/// so a half-written file never carries the final name. A device, a pipe or
/// a descriptor alias is written in place, and a symlink's file is replaced,
/// not the link ([`OutputPlace`]).
pub struct FileSink {
    path: PathBuf,
    part: PathBuf,
    /// `path` is written in place (`part` is `path`): no rename, nothing to remove.
    in_place: bool,
    /// A std file written on the blocking pool, handed the engine's chunk
    /// itself (tokio's `File` would copy every chunk into its own buffer).
    file: Arc<std::fs::File>,
}

/// What a sink written in place says when its reader closed the pipe
/// (`kt export run --output /dev/stdout | head`): not a failure of the
/// export, the reader took what it wanted.
pub const READER_WENT_AWAY: &str = "the reader of the output went away";

fn sink_error(context: &str, e: &std::io::Error) -> SinkError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return SinkError::new(READER_WENT_AWAY, false);
    }
    SinkError::new(format!("{context}: {e}"), false)
}

impl FileSink {
    pub async fn create(path: impl Into<PathBuf>) -> Result<Self, SinkError> {
        let named = path.into();
        let (path, part, in_place) = match OutputPlace::of(&named) {
            OutputPlace::InPlace(p) => (p.clone(), p, true),
            OutputPlace::Replace(p) => {
                let mut part = p.clone().into_os_string();
                part.push(".part");
                (p, PathBuf::from(part), false)
            }
        };
        let opened = if in_place {
            open_in_place(&part)
        } else {
            std::fs::File::create(&part)
        };
        let file = opened.map_err(|e| sink_error(&format!("creating {}", part.display()), &e))?;
        Ok(Self {
            path,
            part,
            in_place,
            file: Arc::new(file),
        })
    }
}

/// The process's own stdout or stderr is shared, not reopened: a reopened
/// `/dev/stdout` starts at offset 0, over what the shell appended to.
fn open_in_place(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::fd::AsFd;
    // A link to `/dev/stdout` is the descriptor too.
    let target = std::fs::read_link(path).unwrap_or_else(|_| path.to_path_buf());
    let descriptor = |names: [&str; 3]| {
        names
            .iter()
            .any(|n| path == Path::new(n) || target == Path::new(n))
    };
    if descriptor(["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]) {
        return std::io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .map(Into::into);
    }
    if descriptor(["/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"]) {
        return std::io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .map(Into::into);
    }
    std::fs::OpenOptions::new().write(true).open(path)
}

#[async_trait]
impl ArtifactSink for FileSink {
    async fn write(&mut self, chunk: Bytes) -> Result<(), SinkError> {
        let file = self.file.clone();
        let written = tokio::task::spawn_blocking(move || (&*file).write_all(&chunk)).await;
        flatten(written).map_err(|e| sink_error(&format!("writing {}", self.part.display()), &e))
    }

    async fn finish(self: Box<Self>) -> Result<(), SinkError> {
        if self.in_place {
            return Ok(());
        }
        let context = format!("finishing {}", self.path.display());
        let file = self.file.clone();
        let synced = tokio::task::spawn_blocking(move || file.sync_all()).await;
        flatten(synced).map_err(|e| sink_error(&context, &e))?;
        tokio::fs::rename(&self.part, &self.path)
            .await
            .map_err(|e| sink_error(&context, &e))
    }

    async fn abort(self: Box<Self>) {
        drop(self.file);
        if self.in_place {
            return;
        }
        if let Err(e) = tokio::fs::remove_file(&self.part).await {
            tracing::warn!(part = %self.part.display(), error = %e, "could not remove a partial artifact");
        }
    }
}

/// Logs progress of an offline export.
struct LogProgress;

#[async_trait]
impl ProgressObserver for LogProgress {
    async fn on_progress(&self, progress: &Progress) -> Result<(), ExportError> {
        tracing::info!(
            fraction = progress.fraction,
            events = progress.event_count,
            "export progress"
        );
        Ok(())
    }
}

/// Exports `tenant`'s events in `window` from a local copy of the lake into
/// `output`, exactly as a job would (same plan, engine and formatter).
pub async fn export_dir(
    lake: &Path,
    tenant: &TenantId,
    window: &Window,
    format: ExportFormat,
    output: &Path,
    pseudonym_key: &str,
    options: &EngineOptions,
) -> Result<ExportOutcome, ExportError> {
    let job = OfflineJob::default();
    export_dir_as(
        lake,
        tenant,
        window,
        format,
        output,
        pseudonym_key,
        options,
        &job,
    )
    .await
}

/// What a job's context holds beyond the lake and the key: given the job's
/// values, an offline export of the same events writes the job's report bytes
/// (`None`: offline defaults, `generated_at` now, no job id, "offline").
#[derive(Debug, Clone, Default)]
pub struct OfflineJob {
    pub job_id: Option<JobId>,
    pub generated_at: Option<DateTime<Utc>>,
    /// The token's `sub` (reports show it only as a pseudonym).
    pub requested_by: Option<String>,
    /// The listing cut-off time the job recorded.
    pub listed_at: Option<DateTime<Utc>>,
    /// The job's label and the tenant's profile at the version the job cited.
    pub report: ReportInputs,
    /// Tag objects as S3 does (see [`DirLakeSource::with_s3_etags`]).
    pub s3_etags: bool,
    /// The name the export states (a json export's first line): the job's
    /// `file_name`; `None`: the output's own name (`stdout` for /dev/stdout).
    pub file_name: Option<String>,
}

/// [`export_dir`] with a job's context, for reproducing a job's artifact:
/// any format, reports and the compliance-all bundle included, through the
/// worker's own [`formats::formatter_for`] (the bundle is unsigned offline).
#[allow(clippy::too_many_arguments)]
pub async fn export_dir_as(
    lake: &Path,
    tenant: &TenantId,
    window: &Window,
    format: ExportFormat,
    output: &Path,
    pseudonym_key: &str,
    options: &EngineOptions,
    job: &OfflineJob,
) -> Result<ExportOutcome, ExportError> {
    let mut dir = DirLakeSource::new(lake);
    if job.s3_etags {
        dir = dir.with_s3_etags();
    }
    let source: Arc<dyn LakeSource> = Arc::new(dir);
    let mut plan = super::plan(source.as_ref(), tenant, window).await?;
    if let Some(listed_at) = job.listed_at {
        plan.inventory.listed_at = Some(listed_at);
    }
    let ctx = ExportContext {
        job_id: job.job_id.clone(),
        tenant_id: tenant.clone(),
        format,
        window: *window,
        file_name: job.file_name.clone().unwrap_or_else(|| {
            output
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        }),
        generated_at: job.generated_at.unwrap_or_else(chrono::Utc::now),
        requested_by: job.requested_by.clone().unwrap_or_else(|| "offline".into()),
        pseudonym_key: pseudonym_key.to_string(),
        sources: plan.inventory.clone(),
        signer: None,
        timestamper: None,
        report: job.report.clone(),
    };
    let sink = Box::new(FileSink::create(output).await?);
    let formatter = formats::formatter_for(&ctx);
    super::run(source, &plan, &ctx, formatter, sink, options, &LogProgress).await
}

#[cfg(test)]
#[path = "local_dir_tests.rs"]
mod tests;
