//! `kt export-jobs ...` and `kt dev token`.
use crate::client::{ApiArgs, ApiClient};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use futures::StreamExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

#[derive(Subcommand)]
pub enum JobsCommand {
    /// Request an export; prints the job (202) or the replayed job (200).
    Create(CreateArgs),
    /// Show one job.
    Get(IdArgs),
    /// List jobs, newest first.
    List(ListArgs),
    /// Download a completed job's artifact and check its size and SHA-256.
    Download(DownloadArgs),
    /// Cancel a queued or processing job.
    Cancel(IdArgs),
    /// Check a downloaded artifact offline (bundle: every hash and the manifest).
    Verify(VerifyCommand),
}

#[derive(Args)]
pub struct CreateArgs {
    #[command(flatten)]
    api: ApiArgs,
    #[arg(long = "type", default_value = "events")]
    export_type: String,
    /// csv, json, compliance-aesia, compliance-aepd, compliance-ens, compliance-all
    #[arg(long)]
    format: String,
    /// A date (start of that day) or an RFC 3339 instant.
    #[arg(long)]
    date_from: String,
    /// A date (inclusive: the end of that day) or an RFC 3339 instant (exclusive).
    #[arg(long)]
    date_to: String,
    /// IANA zone the dates are read in (default UTC).
    #[arg(long)]
    timezone: Option<String>,
    #[arg(long)]
    label: Option<String>,
    /// Days the artifact stays downloadable after completion (1..30, default 7).
    #[arg(long)]
    expires_in_days: Option<u32>,
    /// Same key + same request returns the same job instead of a new one.
    #[arg(long)]
    idempotency_key: Option<String>,
    /// Wait until the job ends and print it then; exit non-zero unless completed.
    #[arg(long)]
    wait: bool,
}

#[derive(Args)]
pub struct IdArgs {
    #[command(flatten)]
    api: ApiArgs,
    #[arg(long)]
    id: String,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    api: ApiArgs,
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    limit: Option<u32>,
    #[arg(long)]
    cursor: Option<String>,
}

#[derive(Args)]
pub struct DownloadArgs {
    #[command(flatten)]
    api: ApiArgs,
    #[arg(long)]
    id: String,
    /// Where to write the file (default: the job's file name, here).
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Args)]
pub struct VerifyCommand {
    #[command(flatten)]
    api: ApiArgs,
    #[command(flatten)]
    verify: crate::verify::VerifyArgs,
}

#[derive(Args)]
pub struct DevTokenArgs {
    #[arg(long)]
    tenant: String,
    #[arg(long, default_value = "u_dev")]
    sub: String,
    #[arg(long, default_value = "exports:read exports:write")]
    scope: String,
    #[arg(long, default_value_t = 12)]
    ttl_hours: u64,
    #[arg(
        long,
        env = "KT_DEV_JWT_SECRET",
        default_value = "kt-local-dev-secret",
        hide_env_values = true
    )]
    secret: String,
}

pub async fn run(cmd: JobsCommand) -> Result<ExitCode> {
    match cmd {
        JobsCommand::Create(args) => create(args).await,
        JobsCommand::Get(args) => {
            let client = ApiClient::new(&args.api)?;
            print(
                &client
                    .get(&format!("/v1/export-jobs/{}", args.id), &[])
                    .await?,
            );
            Ok(ExitCode::SUCCESS)
        }
        JobsCommand::List(args) => {
            let client = ApiClient::new(&args.api)?;
            let mut query = vec![];
            if let Some(s) = args.status {
                query.push(("status", s));
            }
            if let Some(l) = args.limit {
                query.push(("limit", l.to_string()));
            }
            if let Some(c) = args.cursor {
                query.push(("cursor", c));
            }
            print(&client.get("/v1/export-jobs", &query).await?);
            Ok(ExitCode::SUCCESS)
        }
        JobsCommand::Download(args) => download(args).await,
        JobsCommand::Cancel(args) => {
            let client = ApiClient::new(&args.api)?;
            let path = format!("/v1/export-jobs/{}/cancel", args.id);
            print(&client.post(&path, &json!({}), None).await?);
            Ok(ExitCode::SUCCESS)
        }
        JobsCommand::Verify(VerifyCommand { api, verify }) => {
            crate::verify::run(verify, |id| async move {
                let client = ApiClient::new(&api)?;
                let job = client.get(&format!("/v1/export-jobs/{id}"), &[]).await?;
                Ok(serde_json::from_value(job)?)
            })
            .await
        }
    }
}

async fn create(args: CreateArgs) -> Result<ExitCode> {
    let client = ApiClient::new(&args.api)?;
    let mut body = json!({
        "type": args.export_type, "format": args.format,
        "date_from": args.date_from, "date_to": args.date_to,
    });
    if let Some(tz) = args.timezone {
        body["timezone"] = json!(tz);
    }
    if let Some(label) = args.label {
        body["label"] = json!(label);
    }
    if let Some(days) = args.expires_in_days {
        body["expires_in_days"] = json!(days);
    }
    let job = client
        .post("/v1/export-jobs", &body, args.idempotency_key.as_deref())
        .await?;
    if !args.wait {
        print(&job);
        return Ok(ExitCode::SUCCESS);
    }
    let id = job["id"]
        .as_str()
        .context("the API returned a job without an id")?
        .to_string();
    eprintln!("created {id}; waiting for it to finish");
    let job = wait_until_done(&client, &id).await?;
    print(&job);
    Ok(if job["status"] == "completed" {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn wait_until_done(client: &ApiClient, id: &str) -> Result<Value> {
    loop {
        let job = client.get(&format!("/v1/export-jobs/{id}"), &[]).await?;
        match job["status"].as_str() {
            Some("queued" | "processing") => tokio::time::sleep(Duration::from_millis(500)).await,
            _ => return Ok(job),
        }
    }
}

async fn download(args: DownloadArgs) -> Result<ExitCode> {
    let client = ApiClient::new(&args.api)?;
    let link = client
        .get(
            &format!("/v1/export-jobs/{}/download", args.id),
            &[("redirect", "false".into())],
        )
        .await?;
    let url = link["url"]
        .as_str()
        .context("no url in the download answer")?;
    let file_name = link["file_name"].as_str().unwrap_or("export.bin");
    let expected_sha = link["sha256"].as_str().unwrap_or_default().to_string();
    let expected_size = link["size_bytes"].as_u64();
    let output = args.output.unwrap_or_else(|| PathBuf::from(file_name));
    let partial = output.with_extension("part");

    let response = client
        .http()
        .get(url)
        .send()
        .await
        .context("cannot fetch the artifact")?;
    if !response.status().is_success() {
        bail!(
            "the artifact link answered {} (it may have expired: ask for a new one)",
            response.status()
        );
    }
    let mut file = tokio::fs::File::create(&partial)
        .await
        .with_context(|| format!("cannot write {}", partial.display()))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.context("the download was interrupted")?;
        hasher.update(&chunk);
        size += chunk.len() as u64;
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    let sha = hex::encode(hasher.finalize());
    if sha != expected_sha || expected_size.is_some_and(|s| s != size) {
        tokio::fs::remove_file(&partial).await.ok();
        bail!(
            "download does not match the job: got {size} bytes sha256 {sha}, the job says {expected_size:?} bytes sha256 {expected_sha}"
        );
    }
    tokio::fs::rename(&partial, &output).await?;
    eprintln!(
        "saved {} ({size} bytes, sha256 {sha} verified)",
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn dev_token(args: DevTokenArgs) -> Result<()> {
    let scopes: Vec<&str> = args.scope.split_whitespace().collect();
    let token = kt_devtoken::mint(
        &args.secret,
        &args.sub,
        &args.tenant,
        &scopes,
        Duration::from_secs(args.ttl_hours * 3600),
    );
    println!("{token}");
    Ok(())
}

/// Prints JSON to stdout; a closed pipe (`kt ... | head`) is not an error.
fn print(value: &Value) {
    use std::io::Write;
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let _ = writeln!(std::io::stdout(), "{text}");
}
