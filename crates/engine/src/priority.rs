//! The object readers' threads: the export's own, below the writer's priority.
//!
//! The writer is the export's one ordered path: every event goes through it,
//! hour after hour, and while it waits for a core the whole export waits.
//! The readers are many (eight by default, to hide S3's latency) and
//! interchangeable. With more runnable threads than cores the scheduler
//! shares the cores equally among them: on two cores the writer had about
//! a fifth of a core whenever eight readers were busy, and compliance-all,
//! whose writer thread does most of the work, ran half a second longer than
//! its writer's work (`docs/benchmarks.md`, seventeenth round). The readers
//! run ten nice levels below the thread that starts the export (a tenth of
//! the writer's weight): they still take every cycle the writer leaves.
//!
//! An unprivileged process cannot raise a thread's priority again, so the
//! readers do not borrow the runtime's blocking threads (which also run a
//! file sink's writes and other blocking work, and would keep the lowered
//! priority), and the writer runs on a thread of its own
//! (`run::spawn_writer`).
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

/// Nice levels the readers run below the thread that starts them.
const READER_NICENESS: i32 = 10;
/// Linux's lowest priority.
const LOWEST: i32 = 19;

type Job = Box<dyn FnOnce() + Send>;

/// Threads that run the readers' jobs until the pool is dropped.
pub(crate) struct ReaderThreads {
    jobs: Option<Sender<Job>>,
    runtime: tokio::runtime::Handle,
}

impl ReaderThreads {
    /// Starts `count` threads in `runtime`'s context, each lowered to ten
    /// nice levels below the calling thread (an absolute level, so a
    /// thread never goes lower than that, whatever created it).
    pub fn start(count: usize, runtime: tokio::runtime::Handle) -> Self {
        let level = (niceness() + READER_NICENESS).min(LOWEST);
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let mut started = 0;
        for i in 0..count.max(1) {
            let (rx, runtime) = (rx.clone(), runtime.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("kt-reader-{i}"))
                .spawn(move || {
                    let _in_runtime = runtime.enter();
                    set_niceness(level);
                    run_jobs(&rx);
                });
            started += usize::from(spawned.is_ok());
        }
        Self {
            // No thread started: jobs go to the runtime's blocking threads.
            jobs: (started > 0).then_some(tx),
            runtime,
        }
    }

    /// Runs `job` on a free thread (callers bound how many run at once to
    /// the threads started, so none waits).
    pub fn run(&self, job: impl FnOnce() + Send + 'static) {
        let job: Job = Box::new(job);
        let unsent = match &self.jobs {
            Some(jobs) => jobs.send(job).err().map(|e| e.0),
            None => Some(job),
        };
        if let Some(job) = unsent {
            drop(self.runtime.spawn_blocking(job));
        }
    }
}

fn run_jobs(rx: &Mutex<Receiver<Job>>) {
    // The lock is held only while waiting for the next job; the loop ends
    // when the pool is dropped.
    while let Ok(Ok(job)) = rx.lock().map(|rx| rx.recv()) {
        // A reader that panics ends its object (the writer, whose channel
        // closes, fails the export), not the thread: the pool keeps as many
        // threads as readers may run at once.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

/// The calling thread's nice level (Linux keeps one per thread).
fn niceness() -> i32 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: reads the calling thread's priority (who = 0). -1 is also
        // a valid level; an error (none is possible for the calling
        // thread) would read as -1 too, which only lowers readers less.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

/// Sets the calling thread's nice level; where it fails, or where
/// priorities are per process (not Linux), the thread keeps its own.
fn set_niceness(level: i32) {
    #[cfg(target_os = "linux")]
    // SAFETY: on Linux `who = 0` is the calling thread alone.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, level);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = level;
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn levels_seen(threads: &ReaderThreads, jobs: usize) -> Vec<i32> {
        let (tx, rx) = channel();
        for _ in 0..jobs {
            let tx = tx.clone();
            threads.run(move || tx.send(niceness()).unwrap());
        }
        drop(tx);
        rx.iter().collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn readers_run_ten_levels_below_their_starter_which_keeps_its_own() {
        let before = niceness();
        let threads = ReaderThreads::start(3, tokio::runtime::Handle::current());
        let expected = (before + READER_NICENESS).min(LOWEST);
        assert_eq!(levels_seen(&threads, 12), vec![expected; 12]);
        assert_eq!(niceness(), before, "the starting thread is untouched");
        // A job that panics does not take its thread along.
        for _ in 0..3 {
            threads.run(|| panic!("a reader's bug"));
        }
        assert_eq!(levels_seen(&threads, 6), vec![expected; 6]);
    }
}
