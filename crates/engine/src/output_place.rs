//! Where a file named on the command line is written. A finished export is
//! moved onto its name (`<name>.part`, then a rename), so a half-written
//! file never carries it; but a rename replaces the directory entry itself.
//! Renamed over `/dev/null` it once replaced the device, and over
//! `/dev/stdout` (a symlink to the process's descriptor) the symlink. So a
//! device, a pipe or a descriptor alias is written in place, and a symlink
//! to a file has the file it names replaced, never the link.
use std::path::{Path, PathBuf};

/// How to write to a path the caller named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputPlace {
    /// Written as it is, no `.part` and no rename: a device, a pipe, a
    /// socket, or a descriptor alias (`/dev/stdout`, `/dev/fd/N`), which may
    /// stand for a file the shell opened (`> out.csv`).
    InPlace(PathBuf),
    /// A file (existing or not) that a finished `.part` is renamed onto: the
    /// path itself, or the file a symlink names.
    Replace(PathBuf),
}

impl OutputPlace {
    pub fn of(path: &Path) -> Self {
        if descriptor_alias(path) {
            return Self::InPlace(path.to_path_buf());
        }
        // `metadata` follows links: a link to a device is a device.
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            return Self::InPlace(path.to_path_buf());
        }
        Self::Replace(link_target(path))
    }

    /// The path written to first (`InPlace`) or finally (`Replace`).
    pub fn path(&self) -> &Path {
        match self {
            Self::InPlace(p) | Self::Replace(p) => p,
        }
    }

    /// An existing regular file this would replace (what `--force` is for).
    pub fn replaces_a_file(&self) -> bool {
        matches!(self, Self::Replace(p) if p.is_file())
    }
}

/// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`, or a
/// symlink to one of them: the name of a descriptor already open.
fn descriptor_alias(path: &Path) -> bool {
    let alias = |p: &Path| {
        p == Path::new("/dev/stdout")
            || p == Path::new("/dev/stderr")
            || p.parent() == Some(Path::new("/dev/fd"))
            || p.parent() == Some(Path::new("/proc/self/fd"))
    };
    alias(path) || std::fs::read_link(path).is_ok_and(|to| alias(&to))
}

/// The file `path` names once its symlinks are followed (a dangling link:
/// where it points), or `path` itself when it is not a link.
fn link_target(path: &Path) -> PathBuf {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return path.to_path_buf();
    }
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    match std::fs::read_link(path) {
        Ok(to) if to.is_absolute() => to,
        Ok(to) => path.parent().unwrap_or(Path::new(".")).join(to),
        Err(_) => path.to_path_buf(),
    }
}

/// Whether `path` is where this process's stdout goes (`--output
/// /dev/stdout`, or the same file or pipe): then nothing else may be
/// printed there, or it would end up inside the export.
pub fn is_stdout(path: &Path) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    if path == Path::new("/dev/stdout")
        || path == Path::new("/dev/fd/1")
        || path == Path::new("/proc/self/fd/1")
    {
        return true;
    }
    let stdout = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|f| f.metadata());
    match (stdout, std::fs::metadata(path)) {
        (Ok(out), Ok(named)) => out.dev() == named.dev() && out.ino() == named.ino(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_or_a_new_name_is_replaced_by_its_part() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.csv");
        assert_eq!(OutputPlace::of(&new), OutputPlace::Replace(new.clone()));
        assert!(!OutputPlace::of(&new).replaces_a_file());
        std::fs::write(&new, "old").unwrap();
        assert!(OutputPlace::of(&new).replaces_a_file());
    }

    #[test]
    fn a_symlink_has_its_file_replaced_never_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        let place = OutputPlace::of(&link);
        assert_eq!(place, OutputPlace::Replace(real.canonicalize().unwrap()));
        assert!(place.replaces_a_file());
        // Dangling: where it points, relative to the link's directory.
        let dangling = dir.path().join("dangling.csv");
        std::os::unix::fs::symlink("later.csv", &dangling).unwrap();
        assert_eq!(
            OutputPlace::of(&dangling),
            OutputPlace::Replace(dir.path().join("later.csv"))
        );
    }

    #[test]
    fn devices_and_descriptor_aliases_are_written_in_place() {
        for p in [
            "/dev/null",
            "/dev/stdout",
            "/dev/stderr",
            "/dev/fd/1",
            "/proc/self/fd/2",
        ] {
            assert_eq!(
                OutputPlace::of(Path::new(p)),
                OutputPlace::InPlace(PathBuf::from(p)),
                "{p}"
            );
        }
        // A link to a descriptor alias is one too, whatever the descriptor is open on.
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("out");
        std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();
        assert!(matches!(OutputPlace::of(&link), OutputPlace::InPlace(_)));
        // Not a literal alias: found to be stdout by its device and inode.
        assert!(is_stdout(&link));
        assert!(!is_stdout(&dir.path().join("x.csv")));
    }
}
