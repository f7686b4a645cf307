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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

/// Nice levels the readers run below the thread that starts them.
const READER_NICENESS: i32 = 10;
/// Linux's lowest priority.
const LOWEST: i32 = 19;

type Job = Box<dyn FnOnce() + Send>;

/// Threads that run the readers' jobs until the pool is dropped.
///
/// Started as jobs need them, like the runtime's blocking pool: a job goes
/// to an idle thread, and a thread is added only when none is idle. Every
/// thread allocates in a malloc arena of its own: eight threads started at
/// once, for the three or four readers a two-core machine keeps busy, took
/// compliance-all's peak RSS at 10M events to 63.5-64.0 MiB (62.1-62.2
/// started as needed).
pub(crate) struct ReaderThreads {
    jobs: Sender<Job>,
    queue: Arc<Mutex<Receiver<Job>>>,
    idle: Arc<AtomicUsize>,
    started: AtomicUsize,
    max: usize,
    level: i32,
    runtime: tokio::runtime::Handle,
}

impl ReaderThreads {
    /// Up to `max` threads in `runtime`'s context, each set ten nice levels
    /// below the calling thread (an absolute level, so a thread never goes
    /// lower than that, whatever it inherited).
    pub fn start(max: usize, runtime: tokio::runtime::Handle) -> Self {
        let (jobs, queue) = channel::<Job>();
        Self {
            jobs,
            queue: Arc::new(Mutex::new(queue)),
            idle: Arc::default(),
            started: AtomicUsize::new(0),
            max: max.max(1),
            level: (niceness() + READER_NICENESS).min(LOWEST),
            runtime,
        }
    }

    /// Runs `job` on an idle thread, or a new one. Callers run at most
    /// `max` jobs at once and hand them over in plan order, so a job that
    /// waits for a thread (no thread could be added) waits only for jobs
    /// the writer takes before it.
    pub fn run(&self, job: impl FnOnce() + Send + 'static) {
        // Every thread waiting for the queue is either counted idle or new
        // (started for a job on its way): a job claims an idle one, else it
        // starts one, so each queued job has a thread.
        let claimed = self
            .idle
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok();
        if !claimed && self.started.load(Ordering::Relaxed) < self.max {
            self.add_thread();
        }
        let job: Job = Box::new(job);
        if self.started.load(Ordering::Relaxed) == 0 {
            // No thread could be started: the runtime's blocking threads.
            drop(self.runtime.spawn_blocking(job));
        } else if let Err(unsent) = self.jobs.send(job) {
            drop(self.runtime.spawn_blocking(unsent.0));
        }
    }

    fn add_thread(&self) {
        let (queue, idle) = (self.queue.clone(), self.idle.clone());
        let (runtime, level) = (self.runtime.clone(), self.level);
        let n = self.started.load(Ordering::Relaxed);
        let spawned = std::thread::Builder::new()
            .name(format!("kt-reader-{n}"))
            .spawn(move || {
                let _in_runtime = runtime.enter();
                set_niceness(level);
                run_jobs(&queue, &idle);
            });
        if spawned.is_ok() {
            self.started.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Takes jobs until the pool is dropped; counts itself idle after each (a
/// new thread's first job is already on its way).
fn run_jobs(queue: &Mutex<Receiver<Job>>, idle: &AtomicUsize) {
    // The lock is held only while waiting for the next job.
    while let Ok(Ok(job)) = queue.lock().map(|queue| queue.recv()) {
        // A reader that panics ends its object (the writer, whose channel
        // closes, fails the export), not the thread.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        idle.fetch_add(1, Ordering::AcqRel);
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
        assert!(threads.started.load(Ordering::Relaxed) <= 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_that_run_at_once_each_get_a_thread_and_idle_threads_are_reused() {
        let threads = ReaderThreads::start(4, tokio::runtime::Handle::current());
        // One job at a time (each thread back to waiting before the next
        // job): one thread does them all.
        for _ in 0..5 {
            assert_eq!(levels_seen(&threads, 1).len(), 1);
            let waited = std::time::Instant::now();
            while threads.idle.load(Ordering::Acquire) == 0 {
                assert!(waited.elapsed().as_secs() < 10, "the thread went idle");
                std::thread::yield_now();
            }
        }
        assert_eq!(threads.started.load(Ordering::Relaxed), 1);
        // Four jobs that wait for each other need four threads at once.
        let barrier = Arc::new(std::sync::Barrier::new(4));
        let (tx, rx) = channel();
        for _ in 0..4 {
            let (barrier, tx) = (barrier.clone(), tx.clone());
            threads.run(move || {
                barrier.wait();
                tx.send(()).unwrap();
            });
        }
        for _ in 0..4 {
            rx.recv_timeout(std::time::Duration::from_secs(10))
                .expect("four jobs ran at once");
        }
        assert_eq!(threads.started.load(Ordering::Relaxed), 4);
    }
}
