//! `kt export-jobs download`: stream a job's artifact to a temporary file next
//! to the target, resume it with `Range` after an interruption, check size and
//! SHA-256, and only then move it into place, never over an existing file
//! unless `--force`. The temporary file stays locked throughout, so a second
//! `kt` downloading the same file stops at once instead of mixing its bytes in.
mod fetch;
mod part;
mod target;

use crate::api::DownloadLink;
use crate::client::ApiClient;
use crate::exit::Failure;
use crate::output::human_bytes;
use anyhow::Result;
use fetch::{Fetched, fetch};
use kt_domain::{JobId, JobView};
use part::PartFile;
use serde::Serialize;
use std::path::PathBuf;
use target::{Destination, destination, part_path, place};

#[derive(clap::Args, Debug)]
pub struct DownloadArgs {
    #[command(flatten)]
    pub job: crate::args::JobRef,
    /// Where to write: a file, or an existing directory [default: the job's file name, here]
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the file if it already exists
    #[arg(long)]
    pub force: bool,
}

/// What a download did (the JSON of `-o json`).
#[derive(Debug, Serialize)]
pub struct Downloaded {
    pub job_id: JobId,
    pub file: PathBuf,
    pub size_bytes: u64,
    pub sha256: String,
    /// Bytes already on disk from an interrupted download (0: from scratch).
    pub resumed_from: u64,
}

/// Everything that can refuse the download (the target exists, its folder
/// is missing or unwritable, another run holds the `.part`) is checked
/// before the link is asked for: the API records each link it hands out as
/// a download in the job's audit trail.
pub async fn download(client: &ApiClient, args: &DownloadArgs) -> Result<Downloaded> {
    let id = args.job.id();
    let target = match destination(args.output.as_deref())? {
        Destination::File(file) => file,
        // The job's own name, from the job (not from its link).
        dir @ Destination::Dir(_) => {
            let job: JobView = client.get(&format!("/v1/export-jobs/{id}"), &[]).await?;
            dir.with_name(&job.file_name)?
        }
    };
    if !args.force && target.exists() {
        return Err(Failure::WouldOverwrite(target.display().to_string()).into());
    }
    let part = PartFile::open_locked(&part_path(&target, id), &target)?;
    let link: DownloadLink = match client
        .get(
            &format!("/v1/export-jobs/{id}/download"),
            &[("redirect", "false".into())],
        )
        .await
    {
        Ok(link) => link,
        Err(e) => {
            part.remove_if_empty();
            return Err(e);
        }
    };
    let fetched = match fetch(client, &link, &part).await {
        Ok(fetched) => fetched,
        Err(e) => {
            part.remove_if_empty();
            return Err(e);
        }
    };
    if let Err(e) = check(&link, &fetched, &part) {
        part.remove();
        return Err(e);
    }
    // Still under the lock: nobody else's bytes can have joined the checked ones.
    place(part.path(), &target, args.force)?;
    drop(part);
    let Fetched {
        size,
        sha256,
        resumed_from,
    } = fetched;
    Ok(Downloaded {
        job_id: id.clone(),
        file: target,
        size_bytes: size,
        sha256,
        resumed_from,
    })
}

/// The bytes on disk are the ones hashed, and match the job's size and SHA-256.
fn check(link: &DownloadLink, fetched: &Fetched, part: &PartFile) -> Result<()> {
    let expected_sha = link
        .sha256
        .as_deref()
        .map(|s| s.trim_start_matches("sha256:").to_ascii_lowercase());
    let on_disk = part.len()?;
    let disk_differs = if on_disk == fetched.size {
        String::new()
    } else {
        format!(" ({on_disk} on disk)")
    };
    let size_ok = link.size_bytes.is_none_or(|s| s == fetched.size) && on_disk == fetched.size;
    let sha_ok = expected_sha.as_deref().is_none_or(|s| s == fetched.sha256);
    if size_ok && sha_ok {
        return Ok(());
    }
    Err(Failure::Verification(format!(
        "the download does not match the job: got {} bytes{disk_differs} with sha256 {}, \
         the job says {} bytes with sha256 {}; the partial file was removed: run the command again",
        fetched.size,
        fetched.sha256,
        link.size_bytes.map_or("?".into(), |s| s.to_string()),
        expected_sha.as_deref().unwrap_or("?"),
    ))
    .into())
}

/// The line `-o table` prints.
pub fn summary(d: &Downloaded) -> String {
    let resumed = if d.resumed_from > 0 {
        format!(", resumed after {}", human_bytes(d.resumed_from))
    } else {
        String::new()
    };
    format!(
        "saved {} ({} bytes, sha256 {} verified{resumed})",
        d.file.display(),
        d.size_bytes,
        d.sha256
    )
}
