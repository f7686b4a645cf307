//! Hands memory the allocator keeps free back to the system.
//!
//! glibc's malloc keeps what a thread frees in that thread's arena, and
//! returns only the free space at an arena's top. Every reader thread
//! allocates and frees per object (decoder state, buffers) while the chunks
//! and the report tables stay live, so the arenas fill with free holes that
//! stay in the process's resident memory: at 10M events a compliance
//! export's RSS sat 10-15 MiB above what a trim leaves. `malloc_trim(0)`
//! releases every whole free page in every arena.
use std::time::{Duration, Instant};

/// At most one trim per this long: each walks every arena, and a page given
/// back is faulted in again when reused (per hour on the 2M-event lake, the
/// calls and faults were ~1% of a csv export's CPU).
const TRIM_EVERY: Duration = Duration::from_millis(100);

/// Trims between hours, at most every [`TRIM_EVERY`].
pub(crate) struct Trimmer {
    last: Instant,
    every: Duration,
    release: fn(),
}

impl Trimmer {
    pub fn new() -> Self {
        Self::releasing_with(TRIM_EVERY, release_free_pages)
    }

    fn releasing_with(every: Duration, release: fn()) -> Self {
        Self {
            last: Instant::now(),
            every,
            release,
        }
    }

    /// Called once an hour is written: what it held is free now.
    pub fn hour_written(&mut self) {
        if self.last.elapsed() >= self.every {
            (self.release)();
            self.last = Instant::now();
        }
    }
}

/// Releases the allocator's free pages (a no-op where the allocator is not glibc's).
fn release_free_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers; it only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static RELEASES: AtomicUsize = AtomicUsize::new(0);

    fn count_release() {
        RELEASES.fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn hours_written_close_together_trim_once_per_interval() {
        let mut trimmer = Trimmer::releasing_with(Duration::from_millis(50), count_release);
        for _ in 0..100 {
            trimmer.hour_written();
        }
        assert_eq!(
            RELEASES.load(Ordering::SeqCst),
            0,
            "within the first interval"
        );
        std::thread::sleep(Duration::from_millis(60));
        for _ in 0..100 {
            trimmer.hour_written();
        }
        assert_eq!(
            RELEASES.load(Ordering::SeqCst),
            1,
            "once the interval passed, once"
        );
    }
}
