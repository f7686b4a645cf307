//! An hour's events digested on a thread beside the writer: a report's
//! events digest hashes every exported line (1.3 GB on the reference lake,
//! a fifth of compliance-all's writer thread), and the writer is the one
//! thread every event waits for. The hour is ordered once, then read twice
//! from the same buffers: by the formatter on the writer's thread and by
//! the formatter's lent digest on a scoped thread, which ends before the
//! hour's buffers go back to the pool. Nothing is copied and nothing
//! outlives the hour, so memory is as without it.
use super::ExportError;
use super::order::{EventAt, HourBuffer, RecView};
use crate::formatter::{FormatError, Formatter, LineDigest};

/// Hours with fewer events are digested on the writer's thread: starting a
/// thread for a few events costs more than it saves. Low in tests, so that
/// the engine's tests of small lakes take both ways (the spill test compares
/// this one, in memory, with the writer's own digest of spilled runs).
pub(crate) const MIN_EVENTS: usize = if cfg!(test) { 16 } else { 1024 };

/// Emits the in-memory `buffer`'s events through `emit` while `digest`
/// (lent by `formatter`) is fed the same events on another thread; gives
/// the digest back and returns the copies dropped. When no thread starts,
/// the digest is fed on this one after the hour.
pub(crate) fn drain(
    buffer: HourBuffer,
    formatter: &mut dyn Formatter,
    mut digest: Box<dyn LineDigest>,
    emit: &mut dyn FnMut(&mut dyn Formatter, &RecView<'_>) -> Result<(), ExportError>,
) -> Result<u64, ExportError> {
    let (kept, dropped) = buffer.kept_in_memory();
    let hour = &buffer;
    let (emitted, beside) = std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("kt-events-digest".into())
            .spawn_scoped(scope, || feed(&mut *digest, hour, &kept));
        let emitted = kept
            .iter()
            .try_for_each(|&at| emit(formatter, &hour.view(at)));
        (emitted, helper.ok().map(|h| h.join()))
    });
    let digested = match beside {
        Some(Ok(fed)) => fed,
        Some(Err(panic)) => Err(FormatError(format!(
            "the events digest panicked: {}",
            panic_message(&*panic)
        ))),
        None => feed(&mut *digest, hour, &kept),
    };
    formatter.take_back_line_digest(digest);
    buffer.done();
    emitted?;
    digested.map_err(|e| ExportError::Internal(e.to_string()))?;
    Ok(dropped)
}

fn feed(
    digest: &mut dyn LineDigest,
    hour: &HourBuffer,
    kept: &[EventAt],
) -> Result<(), FormatError> {
    kept.iter()
        .try_for_each(|&at| digest.add_rendered(hour.view(at).line()))
}

/// A caught panic's message, or "no message".
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}
