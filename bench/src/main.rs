//! kt-bench: generate a deterministic lake, and time offline exports of it.
//!
//!     kt-bench gen --dir D --events N [--days 31 --objects-per-hour 4 --seed 1]
//!     kt-bench run --lake D --tenant acme --date-from 2026-05-01 --date-to 2026-05-31 --format csv [--check]
//!
//! `run` prints a line of measurements (format, events, events/s, MB/s of
//! uncompressed input, wall and CPU seconds, peak RSS), a line of CPU seconds
//! per pipeline stage, and with `--floor` the inflate floor measured first in
//! the same process (read + inflate only, same decoder and thread count) and
//! the export's ratio to it. `--check` compares the artifact with a reference
//! export that holds the whole lake in memory (small lakes only).
use anyhow::{Context, bail, ensure};
use chrono::{NaiveDate, TimeDelta};
use clap::{Parser, Subcommand};
use kt_domain::ParsedEvent;
use kt_domain::{ExportFormat, TenantId, Window};
use kt_engine::floor::inflate_floor;
use kt_engine::formats::csv::CsvFormatter;
use kt_engine::formats::{ExportContext, ExportSummary, Formatter, SourceInventory};
use kt_engine::local_dir::{DirLakeSource, export_dir};
use kt_engine::{EngineOptions, LakeSource, process_cpu_s, reference};
use kt_lakegen::{LakeSpec, LakeSummary, write_dir};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Written beside `events/` by `gen`, read by `run` for the input size.
const SUMMARY_FILE: &str = "kt-bench-lake.json";

/// Benchmarks write csv and json, which do not pseudonymise.
const PSEUDONYM_KEY: &str = "kt-bench-pseudonym-key";

/// A line to stdout; a reader that went away (`kt-bench run ... | head -1`)
/// stops the printing, not the run (the export and its clean-up go on).
macro_rules! say {
    ($($arg:tt)*) => {
        say_line(format_args!($($arg)*))
    };
}

fn say_line(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if let Err(e) = writeln!(std::io::stdout().lock(), "{line}")
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("kt-bench: writing to stdout: {e}");
    }
}

#[derive(Parser)]
#[command(name = "kt-bench", about = "Lake generator and export benchmark")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes a deterministic lake under --dir.
    Gen {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        events: u64,
        #[arg(long, default_value = "acme")]
        tenant: String,
        #[arg(long, default_value = "2026-05-01")]
        start_day: NaiveDate,
        #[arg(long, default_value_t = 31)]
        days: u32,
        #[arg(long, default_value_t = 4)]
        objects_per_hour: u32,
        #[arg(long, default_value_t = 0.01)]
        duplicate_rate: f64,
        #[arg(long, default_value_t = 0.001)]
        malformed_rate: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Plain `.ndjson` objects instead of gzip.
        #[arg(long)]
        plain: bool,
    },
    /// Exports the lake offline and prints one line of measurements.
    Run {
        #[arg(long)]
        lake: PathBuf,
        #[arg(long, default_value = "acme")]
        tenant: String,
        /// First UTC day.
        #[arg(long)]
        date_from: NaiveDate,
        /// Last UTC day (inclusive).
        #[arg(long)]
        date_to: NaiveDate,
        #[arg(long)]
        format: String,
        /// Where the artifact goes (default: a temporary file, removed).
        #[arg(long)]
        output: Option<PathBuf>,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long, default_value_t = 256)]
        sort_budget_mb: usize,
        /// Events read but not yet taken by the writer past which no further
        /// object is opened (default: the engine's).
        #[arg(long)]
        read_ahead_mb: Option<usize>,
        /// Compare with the in-memory reference export (small lakes only).
        #[arg(long)]
        check: bool,
        /// Also time the inflate floor first (read + inflate only, the engine's
        /// decoder, `--concurrency` threads, this process) and print the ratio.
        #[arg(long)]
        floor: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Gen {
            dir,
            events,
            tenant,
            start_day,
            days,
            objects_per_hour,
            duplicate_rate,
            malformed_rate,
            seed,
            plain,
        } => {
            let spec = LakeSpec {
                tenant,
                start_day,
                days,
                events_total: events,
                objects_per_hour,
                duplicate_rate,
                malformed_rate,
                seed,
                gzip: !plain,
            };
            let started = Instant::now();
            let summary = write_dir(&spec, &dir)
                .with_context(|| format!("writing the lake under {}", dir.display()))?;
            let json = serde_json::json!({
                "objects": summary.objects, "bytes": summary.bytes, "raw_bytes": summary.raw_bytes,
                "events": summary.events, "duplicates": summary.duplicates, "malformed": summary.malformed,
            });
            std::fs::write(dir.join(SUMMARY_FILE), serde_json::to_vec_pretty(&json)?)?;
            say!(
                "generated {} events ({} duplicates, {} malformed) in {} objects: {:.1} MB stored, {:.1} MB uncompressed, {:.1} s",
                summary.events,
                summary.duplicates,
                summary.malformed,
                summary.objects,
                summary.bytes as f64 / 1e6,
                summary.raw_bytes as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Run {
            lake,
            tenant,
            date_from,
            date_to,
            format,
            output,
            concurrency,
            sort_budget_mb,
            read_ahead_mb,
            check,
            floor,
        } => {
            let tenant = TenantId::parse(&tenant)?;
            let Some(format) = ExportFormat::parse(&format) else {
                bail!("--format {format:?}: not an export format");
            };
            if check && !matches!(format, ExportFormat::Csv | ExportFormat::Json) {
                bail!("--check compares csv and json only");
            }
            let window = Window {
                start: date_from.and_hms_opt(0, 0, 0).expect("midnight").and_utc(),
                end: date_to.and_hms_opt(0, 0, 0).expect("midnight").and_utc() + TimeDelta::days(1),
                timezone: chrono_tz::UTC,
            };
            let (path, temporary) = match output {
                Some(p) => (p, false),
                None => (
                    std::env::temp_dir().join(format!(
                        "kt-bench-{}.{}",
                        std::process::id(),
                        format.as_str()
                    )),
                    true,
                ),
            };
            let defaults = EngineOptions::default();
            let options = EngineOptions {
                concurrency,
                sort_budget_bytes: sort_budget_mb << 20,
                read_ahead_bytes: read_ahead_mb.map_or(defaults.read_ahead_bytes, |mb| mb << 20),
                ..defaults
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let floor = if floor {
                let source: Arc<dyn LakeSource> = Arc::new(DirLakeSource::new(&lake));
                let plan = runtime.block_on(kt_engine::plan(source.as_ref(), &tenant, &window))?;
                Some(inflate_floor(source, &plan, concurrency)?)
            } else {
                None
            };
            let cpu_before = process_cpu_s();
            let started = Instant::now();
            let outcome = runtime.block_on(export_dir(
                &lake,
                &tenant,
                &window,
                format,
                &path,
                PSEUDONYM_KEY,
                &options,
            ))?;
            let wall = started.elapsed().as_secs_f64();
            let cpu = process_cpu_s() - cpu_before;
            let raw_bytes = lake_summary(&lake).map(|s| s.raw_bytes);
            say!(
                "format={} events={} events_per_s={:.0} input_mb_per_s={} wall_s={:.3} cpu_s={:.3} peak_rss_mib={:.1} output_mb={:.1} objects={} rejected={} duplicates={} sha256={}",
                format,
                outcome.event_count,
                outcome.event_count as f64 / wall,
                raw_bytes.map_or("?".into(), |b| format!("{:.1}", b as f64 / 1e6 / wall)),
                wall,
                cpu,
                peak_rss_mib().unwrap_or(f64::NAN),
                outcome.size_bytes as f64 / 1e6,
                outcome.stats.objects_read,
                outcome.stats.rejected_lines,
                outcome.stats.duplicates_removed,
                outcome.sha256,
            );
            let t = &outcome.timings;
            say!(
                "stages_cpu_s read={:.3} inflate={:.3} lines={:.3} streamed={:.3} order_format={:.3} hash={:.3} sink_wall={:.3}",
                t.read_s,
                t.inflate_s,
                t.lines_s,
                t.streamed_s,
                t.order_format_s,
                t.hash_s,
                t.sink_wall_s
            );
            if let Some(f) = floor {
                say!(
                    "floor threads={} objects={} inflated_mb={:.1} wall_s={:.3} cpu_s={:.3} ratio_wall={:.2} ratio_cpu={:.2}",
                    f.threads,
                    f.objects,
                    f.inflated_bytes as f64 / 1e6,
                    f.wall_s,
                    f.cpu_s,
                    wall / f.wall_s,
                    cpu / f.cpu_s
                );
            }
            if check {
                check_output(&lake, &tenant, &window, format, &path)?;
                say!("check: output matches the reference export");
            }
            if temporary {
                std::fs::remove_file(&path)?;
            }
            Ok(())
        }
    }
}

fn lake_summary(lake: &Path) -> Option<LakeSummary> {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lake.join(SUMMARY_FILE)).ok()?).ok()?;
    Some(LakeSummary {
        raw_bytes: v["raw_bytes"].as_u64()?,
        ..Default::default()
    })
}

/// Peak resident set size (VmHWM) of this process.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn check_output(
    lake: &Path,
    tenant: &TenantId,
    window: &Window,
    format: ExportFormat,
    path: &Path,
) -> anyhow::Result<()> {
    let expected = reference::expected_lines(lake, tenant, window)?;
    let bytes = std::fs::read(path)?;
    match format {
        ExportFormat::Json => {
            #[derive(serde::Deserialize)]
            struct Doc<'a> {
                #[serde(borrow)]
                events: Vec<&'a serde_json::value::RawValue>,
            }
            let doc: Doc =
                serde_json::from_slice(&bytes).context("the json artifact does not parse")?;
            ensure!(
                doc.events.len() == expected.len(),
                "{} events, the reference has {}",
                doc.events.len(),
                expected.len()
            );
            for (i, (got, want)) in doc.events.iter().zip(&expected).enumerate() {
                ensure!(
                    got.get() == want,
                    "event {i} differs:\n got  {}\n want {want}",
                    got.get()
                );
            }
        }
        _ => {
            let ctx = ExportContext {
                job_id: None,
                tenant_id: tenant.clone(),
                format,
                window: *window,
                file_name: String::new(),
                generated_at: chrono::Utc::now(),
                requested_by: String::new(),
                pseudonym_key: String::new(),
                sources: SourceInventory::default(),
                signer: None,
                timestamper: None,
                report: Default::default(),
            };
            let mut want = Vec::new();
            let mut csv = CsvFormatter::new();
            csv.begin(&ctx, &mut want)?;
            for line in &expected {
                csv.event(
                    &ParsedEvent {
                        raw: line,
                        fields: serde_json::from_str(line)?,
                        ts_ms: 0,
                    },
                    &mut want,
                )?;
            }
            csv.finish(
                &ctx,
                &ExportSummary {
                    event_count: 0,
                    stats: Default::default(),
                },
                &mut want,
            )?;
            ensure!(
                bytes == want,
                "the csv artifact differs from the reference ({} vs {} bytes)",
                bytes.len(),
                want.len()
            );
        }
    }
    Ok(())
}
