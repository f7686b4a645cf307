//! Where a download goes: the target file (named by `--output`, or the
//! job's own name in a directory), its `.part` beside it, and the move of
//! the checked file into place.
use crate::exit::Failure;
use anyhow::{Context, Result};
use kt_domain::JobId;
use kt_engine::output_place::OutputPlace;
use std::path::{Path, PathBuf};

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

/// Where `--output` sends the download, known before the job's file name is.
pub enum Destination {
    /// A file named by `--output`.
    File(PathBuf),
    /// A directory (`--output DIR`, or here): the file takes the job's name.
    Dir(PathBuf),
}

impl Destination {
    /// The file to write: the one named, or the job's `file_name` in the directory.
    pub fn with_name(self, server_name: &str) -> Result<PathBuf> {
        match self {
            Self::File(file) => Ok(file),
            Self::Dir(dir) => Ok(dir.join(safe_file_name(server_name)?)),
        }
    }
}

pub fn destination(output: Option<&Path>) -> Result<Destination> {
    match output {
        Some(dir) if dir.is_dir() => Ok(Destination::Dir(dir.to_path_buf())),
        // The checked file is moved into place by name: moved over a device,
        // a pipe or `/dev/stdout` (`--output /dev/null --force`), it would
        // replace the entry itself; a symlink has its file replaced instead.
        Some(named) => match OutputPlace::of(named) {
            OutputPlace::Replace(file) => Ok(Destination::File(file)),
            OutputPlace::InPlace(special) => Err(Failure::Usage(format!(
                "--output {} is not a file or a directory: a download is kept as a file (check it with `kt export-jobs verify`)",
                special.display()
            ))
            .into()),
        },
        None => Ok(Destination::Dir(PathBuf::new())),
    }
}

/// Moves the checked file into place: over the target with `--force`,
/// otherwise only if the name is still free (a hard link fails if it exists).
pub fn place(part: &Path, target: &Path, force: bool) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn target_path(output: Option<&Path>, server_name: &str) -> Result<PathBuf> {
        destination(output)?.with_name(server_name)
    }

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
