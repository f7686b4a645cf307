//! `kt export-jobs download`: stream a job's artifact to a temporary file next
//! to the target, resume it with `Range` after an interruption, check size and
//! SHA-256, and only then move it into place, never over an existing file
//! unless `--force`. The temporary file stays locked throughout, so a second
//! `kt` downloading the same file stops at once instead of mixing its bytes in.
mod fetch;
mod part;

use crate::api::DownloadLink;
use crate::client::ApiClient;
use crate::exit::Failure;
use crate::output::human_bytes;
use anyhow::{Context, Result};
use fetch::{Fetched, fetch};
use kt_domain::JobId;
use kt_engine::output_place::OutputPlace;
use part::PartFile;
use serde::Serialize;
use std::path::{Path, PathBuf};

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

/// The temporary file: beside the target, named after the job, so that only
/// the same job's bytes are ever resumed. `x.tar.gz` -> `x.tar.gz.job_....part`.
pub fn part_path(target: &Path, id: &JobId) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{id}.part"));
    target.with_file_name(name)
}

/// The server's file name, if it is a plain name for a file in this directory.
pub fn safe_file_name(name: &str) -> Result<&str> {
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
        && Path::new(name).components().count() == 1;
    if plain {
        Ok(name)
    } else {
        Err(Failure::Usage(format!(
            "the API suggested the file name {name:?}, which is not a plain file name: choose one with --output"
        ))
        .into())
    }
}

fn target_path(output: Option<&Path>, server_name: &str) -> Result<PathBuf> {
    match output {
        Some(dir) if dir.is_dir() => Ok(dir.join(safe_file_name(server_name)?)),
        // The checked file is moved into place by name: moved over a device,
        // a pipe or `/dev/stdout` (`--output /dev/null --force`), it would
        // replace the entry itself; a symlink has its file replaced instead.
        Some(named) => match OutputPlace::of(named) {
            OutputPlace::Replace(file) => Ok(file),
            OutputPlace::InPlace(special) => Err(Failure::Usage(format!(
                "--output {} is not a file or a directory: a download is kept as a file (check it with `kt export-jobs verify`)",
                special.display()
            ))
            .into()),
        },
        None => Ok(PathBuf::from(safe_file_name(server_name)?)),
    }
}

pub async fn download(client: &ApiClient, args: &DownloadArgs) -> Result<Downloaded> {
    let id = args.job.id();
    let link: DownloadLink = client
        .get(
            &format!("/v1/export-jobs/{id}/download"),
            &[("redirect", "false".into())],
        )
        .await?;
    let target = target_path(args.output.as_deref(), &link.file_name)?;
    if !args.force && target.exists() {
        return Err(Failure::WouldOverwrite(target.display().to_string()).into());
    }
    let part = PartFile::open_locked(&part_path(&target, id), &target)?;
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

/// Moves the checked file into place: over the target with `--force`,
/// otherwise only if the name is still free (a hard link fails if it exists).
fn place(part: &Path, target: &Path, force: bool) -> Result<()> {
    if force {
        return std::fs::rename(part, target)
            .with_context(|| format!("cannot move the download to {}", target.display()));
    }
    match std::fs::hard_link(part, target) {
        Ok(()) => {
            std::fs::remove_file(part).ok();
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(Failure::WouldOverwrite(target.display().to_string()).into())
        }
        // A file system without hard links: check, then rename.
        Err(_) if !target.exists() => std::fs::rename(part, target)
            .with_context(|| format!("cannot move the download to {}", target.display())),
        Err(_) => Err(Failure::WouldOverwrite(target.display().to_string()).into()),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_device_or_pipe_is_not_a_download_target() {
        // Refused before anything is fetched, so nothing is moved over it.
        for alias in ["/dev/stdout", "/dev/fd/1"] {
            let err = target_path(Some(Path::new(alias)), "kt_a.csv").unwrap_err();
            assert!(err.to_string().contains("is not a file"), "{alias}: {err}");
        }
        let err = target_path(Some(Path::new("/dev/null")), "kt_a.csv").unwrap_err();
        assert!(
            err.to_string().contains("is not a file or a directory"),
            "{err}"
        );
        assert!(matches!(
            err.downcast_ref::<Failure>(),
            Some(Failure::Usage(_))
        ));
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            target_path(Some(dir.path()), "kt_a.csv").unwrap(),
            dir.path().join("kt_a.csv")
        );
    }

    #[test]
    fn server_names_are_used_only_as_plain_names_here() {
        assert!(safe_file_name("kt_2026-05-01_to_2026-05-31.csv").is_ok());
        for bad in [
            "../etc/passwd",
            "/etc/passwd",
            "a/b.csv",
            "a\\b.csv",
            "..",
            ".",
            "",
            ".bashrc",
            "x\n.csv",
        ] {
            assert!(safe_file_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_part_file_keeps_the_whole_extension() {
        let id = JobId::new();
        let part = part_path(Path::new("out/kt_a_to_b_compliance-all.tar.gz"), &id);
        assert_eq!(
            part,
            Path::new(&format!("out/kt_a_to_b_compliance-all.tar.gz.{id}.part"))
        );
    }

    #[test]
    fn a_symlink_has_its_file_replaced_not_the_link() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real.csv"), "old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        assert_eq!(
            target_path(Some(&link), "kt_x.csv").unwrap(),
            dir.path().join("real.csv").canonicalize().unwrap()
        );
    }

    #[test]
    fn an_existing_directory_receives_the_server_name() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            target_path(Some(dir.path()), "kt_x.csv").unwrap(),
            dir.path().join("kt_x.csv")
        );
        assert_eq!(
            target_path(Some(Path::new("mine.csv")), "../x").unwrap(),
            Path::new("mine.csv")
        );
        assert!(target_path(None, "../x").is_err());
    }

    #[test]
    fn placing_never_replaces_a_file_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let (part, target) = (dir.path().join("p"), dir.path().join("t"));
        std::fs::write(&part, "new").unwrap();
        std::fs::write(&target, "old").unwrap();
        let e = place(&part, &target, false).unwrap_err();
        assert_eq!(
            crate::classify::exit_kind(&e),
            crate::exit::ExitKind::WouldOverwrite
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        place(&part, &target, true).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert!(!part.exists());
    }
}
