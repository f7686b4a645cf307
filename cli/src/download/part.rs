//! The `.part` file a download fills, held under an exclusive lock for the
//! download's whole life: two `kt` runs writing the same name would otherwise
//! interleave their bytes, and each would check only the bytes it hashed in
//! memory, not the file it leaves behind.
use crate::exit::Failure;
use anyhow::{Context, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// Attempts at locking the name when each lock taken turns out to be on a
/// file another download has just moved or removed.
const LOCK_ATTEMPTS: u32 = 3;

/// An open, locked `.part` file; the lock is released when it is dropped.
#[derive(Debug)]
pub struct PartFile {
    path: PathBuf,
    file: File,
}

impl PartFile {
    /// Opens (or creates) `path` without changing its bytes and locks it. A
    /// file another process holds is left untouched: [`Failure::Busy`].
    pub fn open_locked(path: &Path, target: &Path) -> Result<Self> {
        for _ in 0..LOCK_ATTEMPTS {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => return Err(busy(path, target)),
                // A file system without locks (some network mounts): the
                // download still works, only unguarded.
                Err(TryLockError::Error(e)) => eprintln!(
                    "warning: cannot lock {} ({e}): make sure no other kt downloads the same file",
                    path.display()
                ),
            }
            // The lock is on the file that was open; if its holder has
            // since moved it into place or removed it, the name is free
            // again (or someone else's) and must be opened anew.
            if names_this_file(path, &file) {
                return Ok(Self {
                    path: path.to_path_buf(),
                    file,
                });
            }
        }
        Err(busy(path, target))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bytes on disk now.
    pub fn len(&self) -> Result<u64> {
        Ok(self
            .file
            .metadata()
            .with_context(|| format!("cannot read {}", self.path.display()))?
            .len())
    }

    /// A second handle on the same open file (and so under the same lock),
    /// for async writing; the lock stays until `self` is dropped.
    pub fn async_handle(&self) -> Result<tokio::fs::File> {
        let clone = self
            .file
            .try_clone()
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        Ok(tokio::fs::File::from_std(clone))
    }

    /// Removes the file, still under the lock, then releases it.
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
    }

    /// Removes the file if nothing was written to it: a download refused
    /// before its first byte leaves nothing behind.
    pub fn remove_if_empty(self) {
        if self.len().is_ok_and(|n| n == 0) {
            self.remove();
        }
    }
}

fn busy(path: &Path, target: &Path) -> anyhow::Error {
    Failure::Busy(format!(
        "another download of {} is in progress ({} is locked): wait for it to end, or choose another --output",
        target.display(),
        path.display()
    ))
    .into()
}

/// Whether `path` still names the open `file` (same device and inode).
#[cfg(unix)]
fn names_this_file(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), file.metadata()) {
        (Ok(named), Ok(open)) => named.dev() == open.dev() && named.ino() == open.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn names_this_file(path: &Path, _file: &File) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::ExitKind;

    #[test]
    fn a_locked_part_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let (path, target) = (dir.path().join("a.csv.job.part"), dir.path().join("a.csv"));
        std::fs::write(&path, b"first half").unwrap();
        let held = PartFile::open_locked(&path, &target).unwrap();
        let e = PartFile::open_locked(&path, &target).unwrap_err();
        assert_eq!(crate::classify::exit_kind(&e), ExitKind::Busy);
        assert!(e.to_string().contains("another download of"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), b"first half");
        drop(held);
        let again = PartFile::open_locked(&path, &target).unwrap();
        assert_eq!(again.len().unwrap(), 10);
    }

    #[test]
    fn a_handle_on_a_replaced_part_does_not_name_it() {
        // What a run sees that locked the file just after its holder moved
        // it into place: its handle is on a file the name no longer has.
        let dir = tempfile::tempdir().unwrap();
        let (path, target) = (dir.path().join("b.part"), dir.path().join("b"));
        let stale = File::create(&path).unwrap();
        assert!(names_this_file(&path, &stale));
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"").unwrap();
        assert!(!names_this_file(&path, &stale));
        let fresh = PartFile::open_locked(&path, &target).unwrap();
        fresh.remove_if_empty();
        assert!(!path.exists());
    }
}
