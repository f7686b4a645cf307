//! `kt export-jobs verify`: check a downloaded artifact offline.
//!
//! A compliance-all bundle is checked against itself (SHA256SUMS, manifest,
//! report ids and digests); any file is checked against an expected size and
//! SHA-256, given with `--size`/`--sha256` or taken from the job record
//! (`--job-id`, fetched by the caller's API client). The exit status tells the
//! result: 0 verified, 5 a mismatch (each one is printed with its file name).
use anyhow::{Context, bail};
use clap::Args;
use kt_domain::{JobId, JobView};
use kt_engine::formats::reports::verify::{VerifyReport, verify_bundle, verify_file};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The downloaded artifact (csv, json, a report, or a compliance-all .tar.gz).
    pub file: PathBuf,
    /// Compare with the size and SHA-256 recorded on this job.
    #[arg(long)]
    pub job_id: Option<String>,
    /// Expected SHA-256 (hex, `sha256:` prefix allowed); overrides the job's.
    #[arg(long)]
    pub sha256: Option<String>,
    /// Expected size in bytes; overrides the job's.
    #[arg(long)]
    pub size: Option<u64>,
    /// Check the file as a compliance-all bundle (default: when its name ends in .tar.gz).
    #[arg(long)]
    pub bundle: bool,
    /// Print the verification as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

fn is_bundle(args: &VerifyArgs) -> bool {
    args.bundle || args.file.to_string_lossy().ends_with(".tar.gz")
}

/// Runs the checks and prints them; exit status 0 when everything matches, 5 otherwise.
/// `fetch_job` is called only when `--job-id` is given.
pub async fn run<F, Fut>(args: VerifyArgs, fetch_job: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce(JobId) -> Fut,
    Fut: Future<Output = anyhow::Result<JobView>>,
{
    let json = args.json;
    let report = verify(args, fetch_job).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(5)
    })
}

/// The checks `run` prints.
pub async fn verify<F, Fut>(args: VerifyArgs, fetch_job: F) -> anyhow::Result<VerifyReport>
where
    F: FnOnce(JobId) -> Fut,
    Fut: Future<Output = anyhow::Result<JobView>>,
{
    let (mut size, mut sha256) = (args.size, args.sha256.clone());
    if let Some(id) = &args.job_id {
        let id = JobId::parse(id).with_context(|| format!("--job-id {id}"))?;
        let job = fetch_job(id.clone()).await?;
        if job.sha256.is_none() && job.size_bytes.is_none() {
            bail!(
                "job {id} has no recorded artifact (status {})",
                job.status.as_str()
            );
        }
        size = size.or(job.size_bytes);
        sha256 = sha256.or(job.sha256);
    }
    let bundle = is_bundle(&args);
    if !bundle && size.is_none() && sha256.is_none() {
        bail!(
            "nothing to compare {} with: give --job-id, --sha256 or --size",
            args.file.display()
        );
    }
    let file = args.file.clone();
    tokio::task::spawn_blocking(move || check(&file, bundle, size, sha256.as_deref()))
        .await
        .context("verification task")?
}

fn check(
    file: &Path,
    bundle: bool,
    size: Option<u64>,
    sha256: Option<&str>,
) -> anyhow::Result<VerifyReport> {
    let mut report = if size.is_some() || sha256.is_some() {
        verify_file(file, size, sha256)?
    } else {
        VerifyReport::default()
    };
    if bundle {
        let inner = verify_bundle(file)?;
        report.checked.extend(inner.checked);
        report.mismatches.extend(inner.mismatches);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(file: PathBuf) -> VerifyArgs {
        VerifyArgs {
            file,
            job_id: None,
            sha256: None,
            size: None,
            bundle: false,
            json: false,
        }
    }

    async fn no_job(_: JobId) -> anyhow::Result<JobView> {
        bail!("no API in this test")
    }

    #[tokio::test]
    async fn compares_a_file_with_the_given_size_and_hash() {
        let file = std::env::temp_dir().join(format!("kt-verify-{}.csv", std::process::id()));
        std::fs::write(&file, b"a\n").unwrap();
        let sha = "87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7";
        let mut a = args(file.clone());
        a.sha256 = Some(sha.into());
        a.size = Some(2);
        assert!(verify(a.clone(), no_job).await.unwrap().is_ok());
        a.size = Some(3);
        let r = verify(a, no_job).await.unwrap();
        assert_eq!(r.mismatches.len(), 1);
        assert_eq!(r.mismatches[0].check, "size_bytes");
        // Nothing to compare with is an error, not a silent success.
        assert!(verify(args(file.clone()), no_job).await.is_err());
        std::fs::remove_file(file).unwrap();
    }
}
