//! Local-directory lake source and file sink (offline exports, benchmarks, tests),
//! and [`export_dir`], an offline export from a copy of the lake.
use super::{
    ArtifactSink, EngineOptions, ExportError, ExportOutcome, LakeSource, Progress,
    ProgressObserver, SinkError, SourceError, SourceObject,
};
use crate::formats;
use crate::formatter::{ExportContext, ReportInputs};
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
/// so a half-written file never carries the final name. A `path` that is a
/// device or a pipe (`--output /dev/null`, `/dev/stdout`) is written in
/// place: renaming a file over it would replace the device with the export
/// (it once did, with /dev/null).
pub struct FileSink {
    path: PathBuf,
    part: PathBuf,
    /// `path` is written in place (`part` is `path`): no rename, nothing to remove.
    in_place: bool,
    /// A std file written on the blocking pool, handed the engine's chunk
    /// itself (tokio's `File` would copy every chunk into its own buffer).
    file: Arc<std::fs::File>,
}

fn sink_error(context: &str, e: &std::io::Error) -> SinkError {
    SinkError::new(format!("{context}: {e}"), false)
}

impl FileSink {
    pub async fn create(path: impl Into<PathBuf>) -> Result<Self, SinkError> {
        let path = path.into();
        let in_place = tokio::fs::metadata(&path)
            .await
            .is_ok_and(|m| !m.is_file() && !m.is_dir());
        let part = if in_place {
            path.clone()
        } else {
            let mut part = path.clone().into_os_string();
            part.push(".part");
            PathBuf::from(part)
        };
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create(!in_place)
            .truncate(!in_place)
            .open(&part)
            .await
            .map_err(|e| sink_error(&format!("creating {}", part.display()), &e))?
            .into_std()
            .await;
        Ok(Self {
            path,
            part,
            in_place,
            file: Arc::new(file),
        })
    }
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
        file_name: output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
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
mod tests {
    use super::*;
    use crate::formats::{ExportSummary, Formatter, csv::CsvFormatter};
    use chrono::{TimeZone, Utc};
    use kt_domain::ParsedEvent;
    use kt_lakegen::{LakeSpec, write_dir};

    fn spec() -> LakeSpec {
        LakeSpec {
            days: 2,
            events_total: 20_000,
            objects_per_hour: 3,
            duplicate_rate: 0.03,
            malformed_rate: 0.01,
            seed: 7,
            ..Default::default()
        }
    }

    fn window() -> Window {
        Window {
            start: Utc.with_ymd_and_hms(2026, 5, 1, 5, 30, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 5, 2, 13, 15, 0).unwrap(),
            timezone: chrono_tz::UTC,
        }
    }

    /// `--output /dev/null` (or a pipe) is written to, not replaced: a pipe
    /// here, so that a failing test cannot take the machine's /dev/null.
    #[cfg(unix)]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_pipe_or_device_given_as_output_is_written_in_place_not_replaced() {
        use std::io::Read;
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("out");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        // The reading end, opened first without waiting for a writer.
        let mut reader = {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&fifo)
                .unwrap()
        };
        let mut sink = Box::new(FileSink::create(&fifo).await.unwrap());
        sink.write(Bytes::from_static(b"a,b\n1,2\n")).await.unwrap();
        sink.finish().await.unwrap();
        assert!(
            std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
            "still a pipe"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no .part left"
        );
        let mut got = Vec::new();
        reader.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"a,b\n1,2\n");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn offline_exports_of_a_generated_lake_match_the_reference() {
        let lake = tempfile::tempdir().unwrap();
        let generated = write_dir(&spec(), lake.path()).unwrap();
        std::fs::write(
            lake.path()
                .join("events/tenant=acme/dt=2026-05-01/hour=06/_SUCCESS"),
            b"",
        )
        .unwrap();
        let tenant = TenantId::parse("acme").unwrap();
        let expected = crate::reference::expected_lines(lake.path(), &tenant, &window()).unwrap();
        assert!(expected.len() > 10_000);
        let out = tempfile::tempdir().unwrap();
        let options = EngineOptions {
            concurrency: 3,
            ..Default::default()
        };

        let json_path = out.path().join("export.json");
        let outcome = export_dir(
            lake.path(),
            &tenant,
            &window(),
            ExportFormat::Json,
            &json_path,
            "k",
            &options,
        )
        .await
        .unwrap();
        let bytes = std::fs::read(&json_path).unwrap();
        #[derive(serde::Deserialize)]
        struct Doc<'a> {
            #[serde(borrow)]
            events: Vec<&'a serde_json::value::RawValue>,
        }
        let doc: Doc = serde_json::from_slice(&bytes).unwrap();
        let got: Vec<&str> = doc.events.iter().map(|e| e.get()).collect();
        assert_eq!(got, expected);
        assert_eq!(outcome.event_count, expected.len() as u64);
        assert_eq!(outcome.size_bytes, bytes.len() as u64);
        assert_eq!(outcome.stats.objects_skipped, 1);
        assert!(outcome.stats.duplicates_removed > 0 && outcome.stats.rejected_lines > 0);
        assert!(outcome.stats.rejected_lines <= generated.malformed);

        let csv_path = out.path().join("export.csv");
        let outcome = export_dir(
            lake.path(),
            &tenant,
            &window(),
            ExportFormat::Csv,
            &csv_path,
            "k",
            &options,
        )
        .await
        .unwrap();
        let mut reference = Vec::new();
        let mut csv = CsvFormatter::new();
        let ctx = crate::formats::test_support::context(ExportFormat::Csv);
        csv.begin(&ctx, &mut reference).unwrap();
        for line in &expected {
            let event = ParsedEvent {
                raw: line,
                fields: serde_json::from_str(line).unwrap(),
                ts_ms: 0,
            };
            csv.event(&event, &mut reference).unwrap();
        }
        let summary = ExportSummary {
            event_count: 0,
            stats: Default::default(),
        };
        csv.finish(&ctx, &summary, &mut reference).unwrap();
        assert!(
            std::fs::read(&csv_path).unwrap() == reference,
            "csv differs from the reference"
        );
        assert_eq!(outcome.event_count, expected.len() as u64);
        let leftovers: Vec<_> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 2, "no .part files remain: {leftovers:?}");
    }

    #[tokio::test]
    async fn an_object_removed_after_planning_fails_the_export_naming_it() {
        let lake = tempfile::tempdir().unwrap();
        write_dir(&spec(), lake.path()).unwrap();
        let source: Arc<dyn LakeSource> = Arc::new(DirLakeSource::new(lake.path()));
        let tenant = TenantId::parse("acme").unwrap();
        let plan = crate::plan(source.as_ref(), &tenant, &window())
            .await
            .unwrap();
        let gone = &plan.hours[3].1[0].key;
        std::fs::remove_file(lake.path().join(gone)).unwrap();
        let out = tempfile::tempdir().unwrap();
        let ctx = ExportContext {
            job_id: None,
            tenant_id: tenant,
            format: ExportFormat::Csv,
            window: window(),
            file_name: "x.csv".into(),
            generated_at: Utc::now(),
            requested_by: "test".into(),
            pseudonym_key: "k".into(),
            sources: plan.inventory.clone(),
            signer: None,
            timestamper: None,
            report: Default::default(),
        };
        let sink = Box::new(FileSink::create(out.path().join("x.csv")).await.unwrap());
        let formatter = formats::formatter_for(&ctx);
        let failed = crate::run(
            source,
            &plan,
            &ctx,
            formatter,
            sink,
            &EngineOptions::default(),
            &LogProgress,
        )
        .await;
        match failed {
            Err(ExportError::Source(e)) => {
                assert_eq!(&e.key, gone);
                assert!(!e.retryable, "a missing file does not come back");
            }
            other => panic!("expected the missing object to fail the export: {other:?}"),
        }
        assert_eq!(
            std::fs::read_dir(out.path()).unwrap().count(),
            0,
            "no artifact left"
        );
    }

    #[tokio::test]
    async fn an_aborted_file_sink_leaves_nothing_behind() {
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("a.csv");
        let mut sink = Box::new(FileSink::create(&path).await.unwrap());
        sink.write(Bytes::from_static(b"partial")).await.unwrap();
        assert!(out.path().join("a.csv.part").exists());
        sink.abort().await;
        assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn the_directory_source_lists_keys_like_s3() {
        let lake = tempfile::tempdir().unwrap();
        for key in [
            "events/tenant=acme/dt=2026-05-01/hour=08/b.ndjson",
            "events/tenant=acme/dt=2026-05-01/hour=08/a.ndjson.gz",
            "events/tenant=acme-2/dt=2026-05-01/hour=08/c.ndjson",
        ] {
            let path = lake.path().join(key);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, key).unwrap();
        }
        let source = DirLakeSource::new(lake.path());
        let listed = source.list("events/tenant=acme/").await.unwrap();
        let keys: Vec<&str> = listed.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "events/tenant=acme/dt=2026-05-01/hour=08/a.ndjson.gz",
                "events/tenant=acme/dt=2026-05-01/hour=08/b.ndjson"
            ]
        );
        assert!(
            source
                .list("events/tenant=nobody/")
                .await
                .unwrap()
                .is_empty()
        );
        let err = source
            .open(&SourceObject {
                key: "missing".into(),
                size: 0,
                etag: String::new(),
            })
            .await
            .err()
            .unwrap();
        assert!(!err.retryable);
    }
}
