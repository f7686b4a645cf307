//! `kt export run`: an export from a local copy of the lake (as `aws s3 sync`
//! leaves it), without the service. Same plan, engine and formatters as a job;
//! prints the stats a job records (JSON in a pipe, a table on a terminal).
use crate::exit::Failure;
use crate::output::{OutputFormat, human_bytes, print_text};
use anyhow::Context;
use clap::Args;
use kt_domain::profile::parse_profile_view;
use kt_domain::{DateBound, ExportFormat, JobId, TenantId, Window};
use kt_engine::formats::reports::pseudonym::{self, Pseudonymizer};
use kt_engine::local_dir::{OfflineJob, READER_WENT_AWAY, export_dir_as};
use kt_engine::output_place::{OutputPlace, is_stdout};
use kt_engine::{EngineOptions, ExportError, ReportInputs};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExportRunArgs {
    /// Directory mirroring the events bucket (keys as relative paths).
    #[arg(long, value_name = "DIR")]
    pub lake: PathBuf,
    /// The tenant whose events are exported (the lake's `tenant=<id>`).
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
    /// csv, json, compliance-aesia, compliance-aepd, compliance-ens or
    /// compliance-all (the bundle, unsigned offline).
    #[arg(long)]
    pub format: String,
    /// Where the export goes: a file (written as FILE.part, then renamed; a
    /// symlink's file is replaced, not the link), or a device, a pipe or
    /// /dev/stdout, written in place (the summary then goes to stderr).
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
    /// Replace the file if it already exists (a device, a pipe or
    /// /dev/stdout is written in place either way).
    #[arg(long)]
    pub force: bool,
    /// Fail on the first malformed line instead of counting it.
    #[arg(long)]
    pub strict: bool,
    /// Objects read at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Key from which reports' per-tenant pseudonyms are derived: the
    /// deployment's key, or the tenant's own (tk_..., `kt export
    /// pseudonym-key`); either reproduces a job's report. csv and json ignore it.
    #[arg(
        long,
        env = "KT_PSEUDONYM_KEY",
        hide_env_values = true,
        default_value = "kt-local-pseudonym-key"
    )]
    pub pseudonym_key: String,
    /// The tenant's compliance profile, as `GET
    /// /v1/compliance-profile?version=N` answers it for the version the job's
    /// report cites (its `version`, `updated_at` and `profile`).
    /// (`--profile` names the CLI's own configuration profile.)
    #[arg(long, value_name = "FILE")]
    pub compliance_profile: Option<PathBuf>,
    /// Reproduce a job's report: the job's id ...
    #[arg(long)]
    pub job_id: Option<String>,
    /// ... its label ...
    #[arg(long)]
    pub label: Option<String>,
    /// ... who asked (the token's `sub`; the bundle shows it as a pseudonym) ...
    #[arg(long)]
    pub requested_by: Option<String>,
    /// ... when it ran (the report's `generated_at`, RFC 3339) ...
    #[arg(long, value_name = "RFC3339")]
    pub generated_at: Option<String>,
    /// ... and its listing cut-off (the report's `listing_cutoff`): stated,
    /// not applied; a copy holding objects written after it exports them
    /// too, and its `objects_listed` and `listing_digest` then differ.
    #[arg(long, value_name = "RFC3339")]
    pub listing_cutoff: Option<String>,
    /// The file name the export states (a json export's first line names
    /// its file): the job's `file_name`, when --output is another name or
    /// /dev/stdout. Default: --output's own name.
    #[arg(long, value_name = "NAME")]
    pub file_name: Option<String>,
    /// Tag objects by their MD5 as S3 does, so the listing digest of a synced
    /// copy of the lake equals the job's (reads the lake twice).
    #[arg(long)]
    pub s3_etags: bool,
}

/// A flag's value the command cannot use: a usage error (exit 2).
fn usage<E: std::fmt::Display>(flag: &'static str) -> impl Fn(E) -> Failure {
    move |e| Failure::Usage(format!("{flag}: {e}"))
}

fn instant(
    flag: &str,
    value: &Option<String>,
) -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
    value
        .as_deref()
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|_| Failure::Usage(format!("{flag} {t:?}: expected an RFC 3339 instant")))
        })
        .transpose()
        .map_err(Into::into)
}

/// The job's values the flags give (defaults: an offline export of now).
fn offline_job(args: &ExportRunArgs) -> anyhow::Result<OfflineJob> {
    let job_id = args
        .job_id
        .as_deref()
        .map(|id| {
            JobId::parse(id)
                .map_err(|_| Failure::Usage(format!("--job-id {id:?}: expected job_<ulid>")))
        })
        .transpose()?;
    let profile = match &args.compliance_profile {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            parse_profile_view(&bytes).map_err(|e| {
                Failure::Usage(format!("--compliance-profile {}: {e}", path.display()))
            })?
        }
        None => None,
    };
    Ok(OfflineJob {
        file_name: args.file_name.clone(),
        job_id,
        generated_at: instant("--generated-at", &args.generated_at)?,
        requested_by: args.requested_by.clone(),
        listed_at: instant("--listing-cutoff", &args.listing_cutoff)?,
        report: ReportInputs {
            label: args.label.clone(),
            profile,
        },
        s3_etags: args.s3_etags,
    })
}

pub async fn run(args: ExportRunArgs, chosen: Option<OutputFormat>) -> anyhow::Result<()> {
    // A mistyped --lake used to give an empty export and exit 0: a file
    // that looks like "no events" when nothing was read.
    if !args.lake.is_dir() {
        return Err(Failure::Usage(format!(
            "--lake {}: no such directory (the copy of the events bucket, the one holding events/)",
            args.lake.display()
        ))
        .into());
    }
    // As `download`: an existing file is kept unless asked (exit 8). A
    // symlink's file is the one replaced; a device, a pipe or `/dev/stdout`
    // is written in place (the shell opened it).
    let place = OutputPlace::of(&args.output);
    if !args.force && place.replaces_a_file() {
        return Err(Failure::WouldOverwrite(place.path().display().to_string()).into());
    }
    let tenant = TenantId::parse(&args.tenant).map_err(usage("--tenant"))?;
    let format = ExportFormat::parse(&args.format).ok_or_else(|| {
        let known: Vec<&str> = ExportFormat::ALL.iter().map(|f| f.as_str()).collect();
        Failure::Usage(format!(
            "--format {:?}: expected one of {}",
            args.format,
            known.join(", ")
        ))
    })?;
    let job = offline_job(&args)?;
    if let Some(why) = pseudonym::unusable_key(&args.pseudonym_key) {
        return Err(Failure::Usage(format!("--pseudonym-key (KT_PSEUDONYM_KEY): {why}")).into());
    }
    let from = DateBound::parse(&args.date_from).map_err(usage("--date-from"))?;
    let to = DateBound::parse(&args.date_to).map_err(usage("--date-to"))?;
    let window = Window::resolve(from, to, &args.timezone, chrono::Utc::now())
        .map_err(|e| Failure::Usage(format!("the export window: {e}")))?;
    let prefix = args.lake.join("events").join(format!("tenant={tenant}"));
    if !prefix.is_dir() {
        // Not an error: a synced copy of a tenant without events has no
        // prefix, and the job it reproduces is empty too.
        eprintln!(
            "warning: no {} in {}: the export will be empty (--lake names the directory holding events/)",
            std::path::Path::new("events")
                .join(format!("tenant={tenant}"))
                .display(),
            args.lake.display()
        );
    }
    let options = EngineOptions {
        concurrency: args.concurrency.max(1),
        strict: args.strict,
        ..EngineOptions::default()
    };
    let outcome = export_dir_as(
        &args.lake,
        &tenant,
        &window,
        format,
        &args.output,
        &args.pseudonym_key,
        &options,
        &job,
    )
    .await;
    // `--output /dev/stdout | head`: the reader took what it wanted; end
    // quietly, as `kt man | head` does.
    if let Err(ExportError::Sink(e)) = &outcome
        && e.message == READER_WENT_AWAY
    {
        return Ok(());
    }
    let outcome = outcome.with_context(|| format!("exporting to {}", args.output.display()))?;
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
    let summary = match OutputFormat::or_auto(chosen) {
        OutputFormat::Json => serde_json::to_string_pretty(&report)?,
        OutputFormat::Table => summary_table(&args, format, &window, &outcome),
    };
    // The export went to stdout: the summary must not follow it there.
    if is_stdout(&args.output) {
        eprintln!("{}", summary.trim_end());
    } else {
        print_text(&summary);
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

#[derive(Debug, Args)]
pub struct PseudonymKeyArgs {
    /// The tenant whose key is printed.
    #[arg(long)]
    pub tenant: String,
    /// The deployment's pseudonym key (its secret), from which every
    /// tenant's key is derived. Required: a default would print a key that
    /// looks right and recomputes nothing (the local stack's is
    /// kt-local-pseudonym-key).
    #[arg(long, env = "KT_PSEUDONYM_KEY", hide_env_values = true)]
    pub pseudonym_key: String,
}

/// `kt export pseudonym-key`: the tenant's key and the id its reports cite
/// (`provenance.pseudonymisation.key_id`), so the holder can check they match.
pub fn pseudonym_key(args: &PseudonymKeyArgs, chosen: Option<OutputFormat>) -> anyhow::Result<()> {
    let tenant = TenantId::parse(&args.tenant).map_err(usage("--tenant"))?;
    if let Some(why) = pseudonym::unusable_key(&args.pseudonym_key) {
        return Err(Failure::Usage(format!("--pseudonym-key (KT_PSEUDONYM_KEY): {why}")).into());
    }
    let tenant_key = Pseudonymizer::tenant_key(&args.pseudonym_key, tenant.as_str());
    let key_id = Pseudonymizer::new(&tenant_key, tenant.as_str()).key_id();
    match OutputFormat::or_auto(chosen) {
        OutputFormat::Json => print_text(&serde_json::to_string_pretty(&serde_json::json!({
            "tenant_id": tenant.as_str(),
            "key_id": key_id,
            "tenant_key": tenant_key,
        }))?),
        OutputFormat::Table => print_text(&format!(
            "tenant      {tenant}\nkey id      {key_id}\ntenant key  {tenant_key}"
        )),
    }
    Ok(())
}
