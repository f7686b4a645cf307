//! The yardstick: what it costs just to read and inflate an export's objects,
//! with the engine's own decoder and as many threads as the engine, in this
//! process. An export's wall time over this floor is the engine's overhead.
use crate::inflate::Inflater;
use crate::reader::{WHOLE_MAX_INFLATED, WHOLE_MAX_STORED};
use crate::{ExportPlan, LakeSource, SourceError};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

/// One inflate-only pass over a plan's objects.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Floor {
    pub threads: usize,
    pub objects: u64,
    pub stored_bytes: u64,
    pub inflated_bytes: u64,
    pub wall_s: f64,
    /// CPU seconds of the inflating threads (read and inflate).
    pub cpu_s: f64,
}

/// Reads and inflates every object of `plan` on `threads` threads, as the
/// engine's readers do (gzip objects up to 256 KiB stored whole with
/// libdeflate, the rest streamed through flate2), and throws the bytes away. The source must read plain files
/// ([`LakeSource::open_blocking`]), as the local directory does.
pub fn inflate_floor(
    source: Arc<dyn LakeSource>,
    plan: &ExportPlan,
    threads: usize,
) -> Result<Floor, SourceError> {
    let objects: Vec<_> = plan.hours.iter().flat_map(|(_, o)| o.iter()).collect();
    let next = AtomicUsize::new(0);
    let (inflated, cpu) = (AtomicU64::new(0), AtomicU64::new(0));
    let failed = std::sync::Mutex::new(None);
    let threads = threads.max(1);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let t0 = crate::stage::thread_cpu_ns();
                let (mut inflater, mut stored, mut out) = (Inflater::new(), Vec::new(), Vec::new());
                while let Some(object) = objects.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let n = match inflate_one(
                        source.as_ref(),
                        object,
                        &mut inflater,
                        &mut stored,
                        &mut out,
                    ) {
                        Ok(n) => n,
                        Err(e) => {
                            *failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                            next.store(objects.len(), Ordering::Relaxed);
                            break;
                        }
                    };
                    inflated.fetch_add(n, Ordering::Relaxed);
                }
                cpu.fetch_add(crate::stage::thread_cpu_ns() - t0, Ordering::Relaxed);
            });
        }
    });
    if let Some(e) = failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    Ok(Floor {
        threads,
        objects: objects.len() as u64,
        stored_bytes: objects.iter().map(|o| o.size).sum(),
        inflated_bytes: inflated.into_inner(),
        wall_s: started.elapsed().as_secs_f64(),
        cpu_s: cpu.into_inner() as f64 / 1e9,
    })
}

fn inflate_one(
    source: &dyn LakeSource,
    object: &crate::SourceObject,
    inflater: &mut Inflater,
    stored: &mut Vec<u8>,
    out: &mut Vec<u8>,
) -> Result<u64, SourceError> {
    let failed = |e: std::io::Error| SourceError::new(&object.key, e.to_string(), false);
    let mut input = source.open_blocking(object).ok_or_else(|| {
        SourceError::new(&object.key, "the floor reads local files only", false)
    })??;
    let gz = object.key.ends_with(".gz");
    if gz && object.size <= WHOLE_MAX_STORED {
        stored.clear();
        input.read_to_end(stored).map_err(failed)?;
        if inflater.gunzip_all(stored, out, WHOLE_MAX_INFLATED).is_ok() {
            return Ok(out.len() as u64);
        }
        input = Box::new(std::io::Cursor::new(std::mem::take(stored)));
    }
    let mut input = std::io::BufReader::with_capacity(64 << 10, input);
    let mut sink = std::io::sink();
    let n = if gz {
        std::io::copy(&mut flate2::bufread::MultiGzDecoder::new(input), &mut sink)
    } else {
        std::io::copy(&mut input, &mut sink)
    };
    n.map_err(failed)
}
