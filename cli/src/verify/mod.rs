//! `kt export-jobs verify`: check a downloaded artifact offline.
//!
//! A compliance-all bundle is checked against itself (SHA256SUMS, manifest,
//! report ids and digests); any file is checked against an expected size and
//! SHA-256, given with `--size`/`--sha256` or taken from the job record
//! (`--job-id`, fetched by the caller's API client). The exit status tells the
//! result: 0 verified, 5 a mismatch (each one is printed with its file name;
//! a bundle that is not a readable tar.gz is one), 1 a file that cannot be read.
//! `--manifest` and `--chain` check signed manifests (`kt_engine::formats::reports::custody_verify`).
mod openssl_anchor;

use crate::exit::Failure;
use anyhow::{Context, bail};
use clap::Args;
use kt_domain::{ExportFormat, JobId, JobView};
use kt_engine::custody::PublishedKey;
use kt_engine::custody::trusted_pem;
use kt_engine::formats::reports::custody_verify::{verify_chain, verify_job_manifest_with};
use kt_engine::formats::reports::verify::timestamp::TokenAnchor;
use kt_engine::formats::reports::verify::{
    Mismatch, VerifyError, VerifyReport, verify_bundle_published, verify_bundle_with, verify_file,
};
use openssl_anchor::OpensslAnchor;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The downloaded artifact (csv, json, a report, or a compliance-all .tar.gz).
    #[arg(required_unless_present_any = ["chain", "manifest"])]
    pub file: Option<PathBuf>,
    /// The job's signed manifest (its signature beside it as FILE.sig): checks
    /// the signature and key id, and the artifact's size and SHA-256 against it.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Walk a folder of manifests (`*.json`, signatures as `*.json.sig`) and
    /// report the first break of each tenant's and schedule's chain.
    #[arg(long, value_name = "DIR", conflicts_with = "manifest")]
    pub chain: Option<PathBuf>,
    /// Trust this public key (PEM); repeatable. Without one, the keys are
    /// fetched from the API's `GET /v1/keys` (no token needed).
    #[arg(long = "key", value_name = "PEM")]
    pub keys: Vec<PathBuf>,
    /// Compare with the size and SHA-256 recorded on this job.
    #[arg(long, value_parser = crate::args::parse_job_id)]
    pub job_id: Option<JobId>,
    /// Expected SHA-256 (hex, `sha256:` prefix allowed); overrides the job's.
    #[arg(long)]
    pub sha256: Option<String>,
    /// Expected size in bytes; overrides the job's.
    #[arg(long)]
    pub size: Option<u64>,
    /// Also check the TSA's signature and certificate chain of trusted
    /// timestamps (`manifest.tsr`) against this CA certificate (PEM), with
    /// `openssl ts -verify`; a manifest without a token then fails.
    #[arg(long, value_name = "FILE")]
    pub tsa_ca: Option<PathBuf>,
    /// Check the file as a compliance-all bundle (default: when its name ends in .tar.gz).
    #[arg(long)]
    pub bundle: bool,
    /// Print the verification as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

fn is_bundle(args: &VerifyArgs) -> bool {
    args.bundle
        || args
            .file
            .as_ref()
            .is_some_and(|f| f.to_string_lossy().ends_with(".tar.gz"))
}

fn anchor(args: &VerifyArgs) -> anyhow::Result<Option<OpensslAnchor>> {
    match &args.tsa_ca {
        None => Ok(None),
        Some(ca) if ca.is_file() => Ok(Some(OpensslAnchor { ca: ca.clone() })),
        Some(ca) => Err(Failure::Usage(format!("--tsa-ca {}: no such file", ca.display())).into()),
    }
}

/// How long fetching `/v1/keys` may take to connect, and in all.
const KEYS_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
const KEYS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The keys to trust: `--key` files, else the API's `/v1/keys`.
async fn trusted_keys(args: &VerifyArgs, api_url: &str) -> anyhow::Result<Vec<PublishedKey>> {
    if !args.keys.is_empty() {
        return args
            .keys
            .iter()
            .map(|p| {
                let pem =
                    std::fs::read_to_string(p).with_context(|| format!("--key {}", p.display()))?;
                trusted_pem(&pem).map_err(|e| anyhow::anyhow!("--key {}: {e}", p.display()))
            })
            .collect();
    }
    let url = format!("{}/v1/keys", api_url.trim_end_matches('/'));
    // Bounded: a bundle is verified offline too, and an API address that
    // answers nothing must not hold the verdict for minutes.
    let client = reqwest::Client::builder()
        .connect_timeout(KEYS_CONNECT_TIMEOUT)
        .timeout(KEYS_TIMEOUT)
        .build()
        .context("an HTTP client")?;
    let body: serde_json::Value = client
        .get(&url)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .with_context(|| format!("fetching the signing keys from {url} (or give --key)"))?
        .json()
        .await?;
    serde_json::from_value(body["keys"].clone()).context("the keys of /v1/keys")
}

/// Runs the checks and prints them; exit status 0 when everything matches, 5 otherwise.
/// `fetch_job` is called only when `--job-id` is given.
pub async fn run<F, Fut>(args: VerifyArgs, api_url: &str, fetch_job: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce(JobId) -> Fut,
    Fut: Future<Output = anyhow::Result<JobView>>,
{
    let json = args.json;
    let report = if args.chain.is_some() || args.manifest.is_some() {
        custody(args, api_url).await?
    } else {
        verify(args, api_url, fetch_job).await?
    };
    if json {
        crate::output::print_json(&report);
        // A script reads the JSON; a person at the pipe's end still learns the verdict.
        if !report.is_ok() {
            eprintln!(
                "error: not verified: {} check(s) failed (the JSON's \"mismatches\")",
                report.mismatches.len()
            );
        }
    } else {
        crate::output::print_text(&report.to_string());
    }
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(5)
    })
}

/// `--chain DIR` or `--manifest FILE [artifact]`: signatures, key ids, hashes, claims, chains.
pub async fn custody(args: VerifyArgs, api_url: &str) -> anyhow::Result<VerifyReport> {
    let keys = match (&args.chain, args.keys.is_empty()) {
        // A chain walk without keys still checks the links.
        (Some(_), true) => trusted_keys(&args, api_url).await.ok(),
        _ => Some(trusted_keys(&args, api_url).await?),
    };
    let anchor = anchor(&args)?;
    tokio::task::spawn_blocking(move || match (&args.chain, &args.manifest) {
        (Some(dir), _) => Ok(verify_chain(dir, keys.as_deref())?),
        (None, Some(manifest)) => Ok(verify_job_manifest_with(
            manifest,
            keys.as_deref().unwrap_or_default(),
            args.file.as_deref(),
            anchor.as_ref().map(|a| a as &dyn TokenAnchor),
        )?),
        (None, None) => unreachable!("run checks one is given"),
    })
    .await
    .context("verification task")?
}

/// Whose keys a bundle's signature is checked against.
enum BundleTrust {
    /// `--key`: the bundle must be signed by one of them.
    Given(Vec<PublishedKey>),
    /// The API's `/v1/keys`, fetched because none was given: a signed bundle
    /// must be signed by one of them, an unsigned one is said to be unsigned.
    Published(Vec<PublishedKey>),
    /// The API could not be reached (why): only the key the bundle carries.
    Unreachable(String),
}

/// The keys for a bundle: `--key`, else the API's (the README's plain
/// `verify bundle.tar.gz` must check who signed, not only that the files
/// match the key they came with: a forger brings their own key).
async fn bundle_trust(args: &VerifyArgs, api_url: &str) -> anyhow::Result<BundleTrust> {
    if !args.keys.is_empty() {
        return Ok(BundleTrust::Given(trusted_keys(args, api_url).await?));
    }
    Ok(match trusted_keys(args, api_url).await {
        Ok(keys) => BundleTrust::Published(keys),
        Err(e) => BundleTrust::Unreachable(format!("{e:#}")),
    })
}

/// The checks `run` prints.
pub async fn verify<F, Fut>(
    args: VerifyArgs,
    api_url: &str,
    fetch_job: F,
) -> anyhow::Result<VerifyReport>
where
    F: FnOnce(JobId) -> Fut,
    Fut: Future<Output = anyhow::Result<JobView>>,
{
    let (mut size, mut sha256) = (args.size, args.sha256.clone());
    let mut job_format = None;
    if let Some(id) = &args.job_id {
        let job = fetch_job(id.clone()).await?;
        if job.sha256.is_none() && job.size_bytes.is_none() {
            bail!(
                "job {id} has no recorded artifact (status {})",
                job.status.as_str()
            );
        }
        size = size.or(job.size_bytes);
        sha256 = sha256.or(job.sha256);
        job_format = Some(job.format);
    }
    let bundle = is_bundle(&args);
    let file = args.file.clone().context("no file to verify")?;
    if !bundle && size.is_none() && sha256.is_none() {
        return Err(Failure::Usage(format!(
            "nothing to compare {} with: give --job-id, --sha256, --size or --manifest",
            file.display()
        ))
        .into());
    }
    let trust = if bundle {
        Some(bundle_trust(&args, api_url).await?)
    } else {
        None
    };
    let anchor = anchor(&args)?;
    let mut report = tokio::task::spawn_blocking(move || {
        let anchor = anchor.as_ref().map(|a| a as &dyn TokenAnchor);
        check(&file, size, sha256.as_deref(), trust, anchor)
    })
    .await
    .context("verification task")??;
    // A size and hash that differ because the file is another job's kind
    // of artifact: say so, beside the mismatches.
    if let Some(format) = job_format
        && (format == ExportFormat::ComplianceAll) != bundle
    {
        report.notes.push(format!(
            "the job is a {format} export, and the file was checked as {}",
            if bundle {
                "a compliance-all bundle"
            } else {
                "a single file"
            }
        ));
    }
    Ok(report)
}

fn check(
    file: &Path,
    size: Option<u64>,
    sha256: Option<&str>,
    bundle: Option<BundleTrust>,
    anchor: Option<&dyn TokenAnchor>,
) -> anyhow::Result<VerifyReport> {
    let mut report = if size.is_some() || sha256.is_some() {
        verify_file(file, size, sha256)?
    } else {
        VerifyReport::default()
    };
    let checked = match bundle {
        None => return Ok(report),
        Some(BundleTrust::Given(keys)) => verify_bundle_with(file, &keys, anchor),
        Some(BundleTrust::Published(keys)) => verify_bundle_published(file, &keys, anchor),
        Some(BundleTrust::Unreachable(why)) => {
            verify_bundle_with(file, &[], anchor).map(|mut inner| {
                inner
                    .notes
                    .push(format!("the service's keys were not fetched: {why}"));
                inner
            })
        }
    };
    report.extend(unreadable_bundle_fails(file, checked)?);
    Ok(report)
}

/// A file that is not a readable tar.gz (corrupt, truncated, another kind of
/// file) fails the bundle check, as a mismatch (exit 5), beside any size or
/// SHA-256 mismatch; a file that cannot be opened at all stays an error.
fn unreadable_bundle_fails(
    file: &Path,
    checked: Result<VerifyReport, VerifyError>,
) -> Result<VerifyReport, VerifyError> {
    match checked {
        Err(VerifyError::NotABundle { reason, .. }) => Ok(VerifyReport {
            mismatches: vec![Mismatch {
                file: file.file_name().map_or_else(
                    || file.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                ),
                check: "readable tar.gz bundle".into(),
                expected: "a gzip-compressed tar archive".into(),
                actual: reason,
            }],
            ..VerifyReport::default()
        }),
        other => other,
    }
}

#[cfg(test)]
mod tests;
