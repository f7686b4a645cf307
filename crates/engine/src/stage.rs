//! Where an export's CPU time goes, per pipeline stage, measured with each
//! thread's own CPU clock (cheap: a vDSO call per object or output chunk).
use std::sync::atomic::{AtomicU64, Ordering};

/// CPU seconds per stage of one export (wall seconds for the sink).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct StageTimes {
    /// Reading stored bytes (file or network) on the reader threads.
    pub read_s: f64,
    /// Inflating gzip objects read whole (libdeflate).
    pub inflate_s: f64,
    /// Splitting, checking, filtering and rendering lines (whole objects).
    pub lines_s: f64,
    /// Objects that streamed (plain, big or refused by libdeflate): read,
    /// inflate and lines together, as they interleave.
    pub streamed_s: f64,
    /// The writer thread: ordering, de-duplication and formatting.
    pub order_format_s: f64,
    /// SHA-256 of the artifact (on a thread of its own, see `artifact_hash`).
    pub hash_s: f64,
    /// Wall time spent handing output to the sink.
    pub sink_wall_s: f64,
}

/// Nanosecond counters the threads add to; read once at the end.
#[derive(Debug, Default)]
pub(crate) struct StageClock {
    pub read: AtomicU64,
    pub inflate: AtomicU64,
    pub lines: AtomicU64,
    pub streamed: AtomicU64,
    pub writer: AtomicU64,
    pub hash: AtomicU64,
    pub sink: AtomicU64,
}

impl StageClock {
    pub fn add(counter: &AtomicU64, from_ns: u64, to_ns: u64) {
        counter.fetch_add(to_ns.saturating_sub(from_ns), Ordering::Relaxed);
    }

    pub fn times(&self) -> StageTimes {
        let s = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64 / 1e9;
        let hash = s(&self.hash);
        StageTimes {
            read_s: s(&self.read),
            inflate_s: s(&self.inflate),
            lines_s: s(&self.lines),
            streamed_s: s(&self.streamed),
            order_format_s: s(&self.writer),
            hash_s: hash,
            sink_wall_s: s(&self.sink),
        }
    }
}

/// CPU time of the calling thread, in nanoseconds.
pub(crate) fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// CPU time (user + system) of the whole process so far, in seconds.
pub fn process_cpu_s() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: as above.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return f64::NAN;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}
