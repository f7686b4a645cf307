//! `kt export-jobs ...` and `kt dev token`.
use crate::api::JobList;
use crate::args::{FormatArg, JobRef, StatusArg, TypeArg};
use crate::client::{ApiClient, transient};
use crate::config::GlobalArgs;
use crate::download::{DownloadArgs, download, summary};
use crate::exit::{ExitKind, Failure};
use crate::output::{OutputFormat, job_details, jobs_table, print_json, print_text};
use crate::quick_range::QuickRange;
use crate::wait::{Unfinished, outcome, parse_duration, wait_for};
use anyhow::Result;
use clap::{Args, Subcommand};
use kt_domain::{JobId, JobView};
use serde_json::json;
use std::time::Duration;

#[derive(Subcommand)]
pub enum JobsCommand {
    /// Request an export; prints the job (and the Idempotency-Key it used)
    Create(CreateArgs),
    /// Show one job
    Get(IdArgs),
    /// List jobs, newest first
    List(ListArgs),
    /// Wait until a job ends, showing its progress; exits with its outcome
    Wait(WaitArgs),
    /// Download a completed job's artifact, resumably, and check its size and SHA-256
    Download(DownloadArgs),
    /// Cancel a queued or processing job
    Cancel(IdArgs),
    /// Check a downloaded artifact offline (bundle: every hash and the manifest)
    Verify(VerifyCommand),
    /// Create a share link an auditor opens without an account; prints its URL (once)
    Share(crate::share::ShareArgs),
    /// List a job's share links (never their URLs)
    Links(IdArgs),
    /// Revoke a share link: it answers 410 from then on
    RevokeLink(crate::share::RevokeArgs),
    /// Show a job's audit trail: created, completed, downloads, links, canceled, expired
    Audit(IdArgs),
}

#[derive(Args)]
pub struct CreateArgs {
    /// What to export
    #[arg(long = "type", value_enum, default_value = "events")]
    export_type: TypeArg,
    /// What the artifact is
    #[arg(long, value_enum)]
    format: FormatArg,
    /// A date (start of that day) or an RFC 3339 instant
    #[arg(
        long,
        required_unless_present = "quick_range",
        value_name = "DATE|INSTANT"
    )]
    date_from: Option<String>,
    /// A date (inclusive: the end of that day) or an RFC 3339 instant (exclusive)
    #[arg(
        long,
        required_unless_present = "quick_range",
        value_name = "DATE|INSTANT"
    )]
    date_to: Option<String>,
    /// A common window instead of --date-from/--date-to, computed in --timezone
    #[arg(long, value_enum, conflicts_with_all = ["date_from", "date_to"])]
    quick_range: Option<QuickRange>,
    /// IANA zone the dates are read in, e.g. Europe/Madrid [default: UTC]
    #[arg(long, value_name = "ZONE")]
    timezone: Option<String>,
    /// A note shown in the history (at most 200 characters)
    #[arg(long)]
    label: Option<String>,
    /// Days the artifact stays downloadable after completion [API default: 7]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=30), value_name = "1..30")]
    expires_in_days: Option<u32>,
    /// Same key + same request returns the same job instead of a new one [default: generated and printed]
    #[arg(long, value_name = "KEY")]
    idempotency_key: Option<String>,
    /// Wait until the job ends (progress on stderr); exit with its outcome
    #[arg(long)]
    wait: bool,
    /// With --wait: give up waiting after this long (90, 90s, 10m, 2h); exit 7
    #[arg(long, value_parser = parse_duration, requires = "wait", value_name = "DURATION")]
    timeout: Option<Duration>,
}

#[derive(Args)]
pub struct IdArgs {
    #[command(flatten)]
    job: JobRef,
}

#[derive(Args)]
pub struct WaitArgs {
    #[command(flatten)]
    job: JobRef,
    /// Give up waiting after this long (90, 90s, 10m, 2h); exit 7
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    timeout: Option<Duration>,
}

#[derive(Args)]
pub struct ListArgs {
    /// Only jobs in this status
    #[arg(long, value_enum)]
    status: Option<StatusArg>,
    /// Jobs per request [API default: 25]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100), value_name = "1..100")]
    limit: Option<u32>,
    /// Continue from a previous page's next_cursor
    #[arg(long, conflicts_with = "all")]
    cursor: Option<String>,
    /// Follow next_cursor until every job is listed
    #[arg(long)]
    all: bool,
}

#[derive(Args)]
pub struct VerifyCommand {
    #[command(flatten)]
    verify: crate::verify::VerifyArgs,
}

#[derive(Args)]
pub struct DevTokenArgs {
    /// The tenant the token acts for (its `tenant_id` claim).
    #[arg(long)]
    tenant: String,
    /// Who the token names (its `sub`): the audit trail's and the jobs' requester.
    #[arg(long, default_value = "u_dev")]
    sub: String,
    /// Space-separated scopes: exports:read, exports:write.
    #[arg(long, default_value = "exports:read exports:write")]
    scope: String,
    /// Hours until the token expires.
    #[arg(long, default_value_t = 12)]
    ttl_hours: u64,
    /// The local stack's HS256 secret (never a production key).
    #[arg(
        long,
        env = "KT_DEV_JWT_SECRET",
        default_value = "kt-local-dev-secret",
        hide_env_values = true
    )]
    secret: String,
}

/// Attempts at creating a job when the API is briefly unavailable; safe,
/// because every attempt carries the same Idempotency-Key.
const CREATE_ATTEMPTS: u32 = 3;

pub async fn run(
    cmd: JobsCommand,
    global: &GlobalArgs,
    chosen: Option<OutputFormat>,
) -> Result<ExitKind> {
    let output = OutputFormat::or_auto(chosen);
    let client = || -> Result<ApiClient> { ApiClient::new(&global.resolve()?) };
    match cmd {
        JobsCommand::Create(args) => create(&client()?, args, output).await,
        JobsCommand::Get(args) => {
            let job: JobView = client()?.get(&job_path(args.job.id()), &[]).await?;
            print_job(&job, output);
            Ok(ExitKind::Ok)
        }
        JobsCommand::List(args) => list(&client()?, args, output).await,
        JobsCommand::Wait(args) => {
            let waited = wait_for(&client()?, args.job.id(), args.timeout).await;
            print_waited(waited, output)
        }
        JobsCommand::Download(args) => {
            let done = download(&client()?, &args).await?;
            match output {
                OutputFormat::Json => print_json(&done),
                OutputFormat::Table => print_text(&summary(&done)),
            }
            Ok(ExitKind::Ok)
        }
        JobsCommand::Cancel(args) => {
            let path = format!("{}/cancel", job_path(args.job.id()));
            let (_, job): (_, JobView) = client()?.post(&path, &json!({}), &[]).await?;
            print_job(&job, output);
            Ok(ExitKind::Ok)
        }
        JobsCommand::Share(args) => crate::share::share(&client()?, args, output).await,
        JobsCommand::Links(args) => crate::share::links(&client()?, args.job.id(), output).await,
        JobsCommand::RevokeLink(args) => crate::share::revoke(&client()?, args, output).await,
        JobsCommand::Audit(args) => crate::share::audit(&client()?, args.job.id(), output).await,
        JobsCommand::Verify(VerifyCommand { mut verify }) => {
            // JSON when asked, or by default in a pipe, as every command.
            verify.json |= output == OutputFormat::Json;
            // Signing keys come from this API's /v1/keys unless --key is given.
            let api_url = global.resolve().map(|r| r.api_url).unwrap_or_default();
            let code = crate::verify::run(verify, &api_url, |id| async move {
                client()?.get(&job_path(&id), &[]).await
            })
            .await?;
            Ok(if code == std::process::ExitCode::SUCCESS {
                ExitKind::Ok
            } else {
                ExitKind::VerificationFailed
            })
        }
    }
}

fn job_path(id: &JobId) -> String {
    format!("/v1/export-jobs/{id}")
}

fn print_job(job: &JobView, output: OutputFormat) {
    match output {
        OutputFormat::Json => print_json(job),
        OutputFormat::Table => print_text(&job_details(job)),
    }
}

async fn create(client: &ApiClient, args: CreateArgs, output: OutputFormat) -> Result<ExitKind> {
    let (date_from, date_to) = match args.quick_range {
        Some(range) => {
            let zone = args.timezone.as_deref().unwrap_or("UTC");
            let tz: chrono_tz::Tz = zone.parse().map_err(|_| {
                Failure::Usage(format!(
                    "--timezone {zone:?} is not an IANA zone (e.g. UTC, Europe/Madrid)"
                ))
            })?;
            range.bounds(chrono::Utc::now(), tz)
        }
        None => (
            args.date_from.unwrap_or_default(),
            args.date_to.unwrap_or_default(),
        ),
    };
    let mut body = json!({
        "type": args.export_type.0, "format": args.format.0,
        "date_from": date_from, "date_to": date_to,
    });
    if let Some(tz) = &args.timezone {
        body["timezone"] = json!(tz);
    }
    if let Some(label) = &args.label {
        body["label"] = json!(label);
    }
    if let Some(days) = args.expires_in_days {
        body["expires_in_days"] = json!(days);
    }
    let key = match args.idempotency_key {
        Some(key) => key,
        None => {
            let key = format!("kt-{}", uuid::Uuid::new_v4());
            eprintln!(
                "Idempotency-Key: {key} (to retry without a second job: --idempotency-key {key})"
            );
            key
        }
    };
    let mut attempt = 1;
    let (status, job): (_, JobView) = loop {
        match client
            .post("/v1/export-jobs", &body, &[("Idempotency-Key", &key)])
            .await
        {
            Ok(answer) => break answer,
            Err(e) => match transient(&e) {
                // 429 means "too many jobs running": retrying at once will not help.
                Some(retry_after) if attempt < CREATE_ATTEMPTS && !is_throttled(&e) => {
                    let pause = retry_after.unwrap_or(Duration::from_secs(1));
                    eprintln!(
                        "{}; retrying in {} s with the same Idempotency-Key",
                        e.to_string().lines().next().unwrap_or_default(),
                        pause.as_secs()
                    );
                    tokio::time::sleep(pause).await;
                    attempt += 1;
                }
                _ => return Err(e),
            },
        }
    };
    if status == reqwest::StatusCode::OK {
        eprintln!(
            "{} was created earlier with this Idempotency-Key; showing it",
            job.id
        );
    }
    if !args.wait {
        print_job(&job, output);
        return Ok(ExitKind::Ok);
    }
    eprintln!("created {}; waiting for it to finish", job.id);
    let waited = wait_for(client, &job.id, args.timeout).await;
    // Cut short before the first poll answered: the job as created.
    let waited = waited.map_err(|u| Unfinished {
        last_seen: u.last_seen.or(Some(job)),
        ..u
    });
    print_waited(waited, output)
}

/// Prints the job a wait ended on, or the job as last seen when the wait
/// was cut short (the README promises the job object on stdout), and
/// returns the job's outcome or the reason the wait stopped.
fn print_waited(waited: Result<JobView, Unfinished>, output: OutputFormat) -> Result<ExitKind> {
    match waited {
        Ok(job) => {
            print_job(&job, output);
            Ok(outcome(&job))
        }
        Err(Unfinished { error, last_seen }) => {
            if let Some(job) = last_seen {
                print_job(&job, output);
            }
            Err(error)
        }
    }
}

fn is_throttled(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<crate::client::ApiError>()
            .is_some_and(|a| a.status == reqwest::StatusCode::TOO_MANY_REQUESTS)
    })
}

async fn list(client: &ApiClient, args: ListArgs, output: OutputFormat) -> Result<ExitKind> {
    let mut query = vec![];
    if let Some(s) = args.status {
        query.push(("status", s.0.as_str().to_string()));
    }
    if let Some(l) = args.limit {
        query.push(("limit", l.to_string()));
    }
    let mut cursor = args.cursor;
    let mut all = JobList {
        jobs: vec![],
        next_cursor: None,
    };
    loop {
        let mut q = query.clone();
        if let Some(c) = &cursor {
            q.push(("cursor", c.clone()));
        }
        let page: JobList = client.get("/v1/export-jobs", &q).await?;
        all.jobs.extend(page.jobs);
        all.next_cursor = page.next_cursor;
        match (&all.next_cursor, args.all) {
            (Some(next), true) => cursor = Some(next.clone()),
            _ => break,
        }
    }
    match output {
        OutputFormat::Json => print_json(&all),
        OutputFormat::Table => {
            print_text(&jobs_table(&all.jobs));
            if all.jobs.is_empty() {
                eprintln!(
                    "no export jobs{}",
                    match args.status {
                        Some(s) => format!(" with status {}", s.0.as_str()),
                        None => String::new(),
                    }
                );
            }
            if let Some(next) = &all.next_cursor {
                eprintln!("more jobs: --cursor {next} for the next page, or --all");
            }
        }
    }
    Ok(ExitKind::Ok)
}

pub fn dev_token(args: DevTokenArgs, chosen: Option<OutputFormat>) -> Result<ExitKind> {
    let scopes: Vec<&str> = args.scope.split_whitespace().collect();
    let token = kt_devtoken::mint(
        &args.secret,
        &args.sub,
        &args.tenant,
        &scopes,
        Duration::from_secs(args.ttl_hours * 3600),
    );
    // A plain token unless JSON is asked for: `export KT_TOKEN=$(kt dev token ...)`.
    match chosen {
        Some(OutputFormat::Json) => print_json(&json!({ "token": token })),
        _ => print_text(&token),
    }
    Ok(ExitKind::Ok)
}
