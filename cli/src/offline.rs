//! `kt export run`: an export from a local copy of the lake (as `aws s3 sync`
//! leaves it), without the service. Same plan, engine and formatters as a job;
//! prints the stats a job records (JSON in a pipe, a table on a terminal).
use crate::output::{OutputFormat, human_bytes, print_json, print_text};
use anyhow::{Context, bail};
use clap::Args;
use kt_domain::{DateBound, ExportFormat, TenantId, Window};
use kt_engine::EngineOptions;
use kt_engine::local_dir::export_dir;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExportRunArgs {
    /// Directory mirroring the events bucket (keys as relative paths).
    #[arg(long, value_name = "DIR")]
    pub lake: PathBuf,
    #[arg(long)]
    pub tenant: String,
    /// A date (start of that day) or an RFC 3339 instant.
    #[arg(long)]
    pub date_from: String,
    /// A date (end of that day, inclusive) or an RFC 3339 instant (exclusive).
    #[arg(long)]
    pub date_to: String,
    /// IANA zone in which the dates are read.
    #[arg(long, default_value = "UTC")]
    pub timezone: String,
    /// csv or json.
    #[arg(long)]
    pub format: String,
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
    /// Fail on the first malformed line instead of counting it.
    #[arg(long)]
    pub strict: bool,
    /// Objects read at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Key from which reports' per-tenant pseudonyms are derived (the
    /// deployment's key reproduces a job's report; csv and json ignore it).
    #[arg(
        long,
        env = "KT_PSEUDONYM_KEY",
        hide_env_values = true,
        default_value = "kt-local-pseudonym-key"
    )]
    pub pseudonym_key: String,
}

pub async fn run(args: ExportRunArgs, chosen: Option<OutputFormat>) -> anyhow::Result<()> {
    let tenant = TenantId::parse(&args.tenant).context("--tenant")?;
    let format = ExportFormat::parse(&args.format)
        .with_context(|| format!("--format {:?}: expected csv or json", args.format))?;
    if !matches!(format, ExportFormat::Csv | ExportFormat::Json) {
        bail!("--format {format}: offline exports write csv or json");
    }
    let from = DateBound::parse(&args.date_from).context("--date-from")?;
    let to = DateBound::parse(&args.date_to).context("--date-to")?;
    let window = Window::resolve(from, to, &args.timezone, chrono::Utc::now())
        .context("the export window")?;
    let options = EngineOptions {
        concurrency: args.concurrency.max(1),
        strict: args.strict,
        ..EngineOptions::default()
    };
    let outcome = export_dir(
        &args.lake,
        &tenant,
        &window,
        format,
        &args.output,
        &args.pseudonym_key,
        &options,
    )
    .await
    .with_context(|| format!("exporting to {}", args.output.display()))?;
    let report = serde_json::json!({
        "file": args.output,
        "format": format.as_str(),
        "window_start": window.start,
        "window_end": window.end,
        "event_count": outcome.event_count,
        "size_bytes": outcome.size_bytes,
        "sha256": outcome.sha256,
        "stats": outcome.stats,
    });
    match OutputFormat::or_auto(chosen) {
        OutputFormat::Json => print_json(&report),
        OutputFormat::Table => print_text(&summary_table(&args, format, &window, &outcome)),
    }
    Ok(())
}

/// The export's outcome as `key: value` lines, for a person at a terminal.
fn summary_table(
    args: &ExportRunArgs,
    format: ExportFormat,
    window: &Window,
    outcome: &kt_engine::ExportOutcome,
) -> String {
    let stats = &outcome.stats;
    let rows = [
        ("file", args.output.display().to_string()),
        ("format", format.to_string()),
        (
            "window",
            format!("{} .. {} (UTC, end exclusive)", window.start, window.end),
        ),
        ("events", outcome.event_count.to_string()),
        ("size", human_bytes(outcome.size_bytes)),
        ("sha256", outcome.sha256.clone()),
        ("lines read", stats.lines_read.to_string()),
        ("rejected lines", stats.rejected_lines.to_string()),
        ("duplicates removed", stats.duplicates_removed.to_string()),
    ];
    rows.iter()
        .map(|(k, v)| format!("{k:<19}{v}"))
        .collect::<Vec<_>>()
        .join("\n")
}
