//! The object readers run below the writer's priority.
//!
//! The writer is the export's one ordered path: every event goes through it,
//! hour after hour, and while it waits for a core the whole export waits.
//! The readers are many (eight by default, to hide S3's latency) and
//! interchangeable. With more runnable threads than cores the scheduler
//! shares the cores equally among them: on two cores the writer had about
//! a fifth of a core whenever eight readers were busy, and compliance-all,
//! whose writer thread does most of the work, ran half a second longer than
//! its writer's work (`docs/benchmarks.md`, seventeenth round). A reader's thread
//! is lowered once, by ten nice levels (a tenth of the writer's weight): the
//! readers still take every cycle the writer leaves.
//!
//! An unprivileged process cannot raise a thread's priority again, so the
//! writer runs on a thread of its own (`run::spawn_writer`), never on one of
//! the runtime's blocking threads that a reader has lowered.
use std::cell::Cell;

/// Nice levels a reader's thread is lowered by.
const READER_NICENESS: i32 = 10;

thread_local! {
    static LOWERED: Cell<bool> = const { Cell::new(false) };
}

/// Lowers the calling thread's priority, once per thread. Linux keeps a
/// priority per thread, and `nice` changes the calling thread's. Nothing
/// is lost when it fails (the thread keeps its priority).
pub(crate) fn lower_this_thread() {
    LOWERED.with(|lowered| {
        if !lowered.replace(true) {
            // SAFETY: `nice` only changes the calling thread's priority.
            unsafe { libc::nice(READER_NICENESS) };
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn niceness() -> i32 {
        // SAFETY: reads the calling thread's priority (who = 0).
        unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
    }

    #[test]
    fn a_thread_is_lowered_once_and_other_threads_keep_their_priority() {
        let before = niceness();
        let lowered = std::thread::spawn(|| {
            let start = niceness();
            lower_this_thread();
            let once = niceness();
            lower_this_thread();
            (start, once, niceness())
        })
        .join()
        .unwrap();
        let (start, once, twice) = lowered;
        assert_eq!(once, (start + READER_NICENESS).min(19));
        assert_eq!(twice, once, "lowered once per thread");
        assert_eq!(niceness(), before, "the calling thread is untouched");
    }
}
