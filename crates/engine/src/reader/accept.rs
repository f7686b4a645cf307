//! One line's fate: rejected (counted, sampled, or the export failed in
//! strict mode), outside the window (dropped), or kept in the chunk as the
//! renderer wrote it, with its record.
use super::{Chunk, MAX_LINE_BYTES, ObjectStats, ObjectTask, Rec};
use crate::ExportError;
use crate::formatter::FormatError;
use crate::scan::Want;
use crate::validate::{check_line_into, check_required, text};
use kt_domain::{Event, MAX_REJECTED_SAMPLES, ParsedEvent, RejectedSample};

/// One complete line: rejected if over [`MAX_LINE_BYTES`], else accepted.
/// `as_text`: the same bytes as text, when they are known to be UTF-8.
pub(super) fn line(
    line: &[u8],
    as_text: Option<&str>,
    line_no: u64,
    task: &ObjectTask,
    chunk: &mut Chunk,
    stats: &mut ObjectStats,
) -> Result<(), ExportError> {
    if line.len() > MAX_LINE_BYTES {
        return too_long(line_no, task, stats);
    }
    accept(line, as_text, line_no, task, chunk, stats)
}

pub(super) fn too_long(
    line_no: u64,
    task: &ObjectTask,
    stats: &mut ObjectStats,
) -> Result<(), ExportError> {
    stats.lines_read += 1;
    let reason = format!("line longer than {} MiB", MAX_LINE_BYTES >> 20);
    reject(reason, line_no, task, stats)
}

/// Validates one line and keeps it if it is inside the window: rendered when
/// the formatter has a renderer, else as the raw line (the writer parses it
/// again when it needs every field; the id is all ordering needs).
fn accept(
    line: &[u8],
    as_text: Option<&str>,
    line_no: u64,
    task: &ObjectTask,
    chunk: &mut Chunk,
    stats: &mut ObjectStats,
) -> Result<(), ExportError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(()); // blank lines carry nothing
    }
    stats.lines_read += 1;
    let raw = match as_text {
        // The bytes above, `\r` taken off: a prefix ending before ASCII.
        Some(as_text) => &as_text[..line.len()],
        None => match text(line) {
            Ok(raw) => raw,
            Err(reason) => return reject(reason, line_no, task, stats),
        },
    };
    let payload_off = chunk.data.len();
    let in_window = |ts_ns: i64| (task.window_start_ns..task.window_end_ns).contains(&ts_ns);
    let internal = |e: FormatError| ExportError::Internal(e.to_string());
    if let Some(renderer) = &task.renderer
        && let Some(required) = renderer.render_line(raw, &mut chunk.data)
    {
        // Rendered as it was read: the same checks, then kept or taken back.
        let checked = check_required(&required, &task.tenant, &task.hour);
        return match checked {
            Ok(ts_ns) if in_window(ts_ns) => {
                renderer
                    .complete_line(
                        &mut chunk.data,
                        payload_off,
                        ts_ms(ts_ns),
                        required.event_id,
                    )
                    .map_err(internal)?;
                keep(chunk, payload_off, ts_ns, required.event_id, task);
                Ok(())
            }
            Ok(_) => {
                chunk.data.truncate(payload_off);
                Ok(())
            }
            Err(reason) => {
                chunk.data.truncate(payload_off);
                reject(reason, line_no, task, stats)
            }
        };
    }
    debug_assert_eq!(
        chunk.data.len(),
        payload_off,
        "a declined line is taken back"
    );
    let want = match &task.renderer {
        Some(renderer) if renderer.needs_fields() => Want::All,
        _ => Want::Required,
    };
    // Filled in place: an `Event` is big, and every move of one is a copy.
    let mut event = ParsedEvent {
        raw,
        fields: Event::required("", "", "", ""),
        ts_ms: 0,
    };
    let (ts_ns, facts) =
        match check_line_into(raw, &task.tenant, &task.hour, want, &mut event.fields) {
            Ok(checked) => checked,
            Err(reason) => return reject(reason, line_no, task, stats),
        };
    if !in_window(ts_ns) {
        return Ok(());
    }
    event.ts_ms = ts_ms(ts_ns);
    match &task.renderer {
        Some(renderer) => renderer
            .render_scanned(&event, facts, &mut chunk.data)
            .map_err(internal)?,
        None => chunk.data.extend_from_slice(line),
    }
    keep(chunk, payload_off, ts_ns, &event.fields.event_id, task);
    Ok(())
}

/// An event time in milliseconds, as records and the ordering hold it.
fn ts_ms(ts_ns: i64) -> i64 {
    ts_ns.div_euclid(1_000_000)
}

/// Keeps the event whose payload (rendered event or line) `chunk` holds
/// from `payload_off`: its id after it, and its record for the ordering.
fn keep(chunk: &mut Chunk, payload_off: usize, ts_ns: i64, event_id: &str, task: &ObjectTask) {
    let line_len = chunk.data.len() - payload_off;
    let id = event_id.as_bytes();
    chunk.data.extend_from_slice(id);
    chunk.recs.push(Rec {
        ts_ns,
        payload_off: payload_off as u32,
        payload_len: (chunk.data.len() - payload_off) as u32,
        line_len: line_len as u32,
        id_hash: task.id_hasher.hash(id),
    });
}

/// Counts a rejected line and keeps a sample, or fails the export in strict mode.
fn reject(
    reason: String,
    line_no: u64,
    task: &ObjectTask,
    stats: &mut ObjectStats,
) -> Result<(), ExportError> {
    if task.strict {
        return Err(ExportError::Strict {
            object: task.key.clone(),
            line: line_no,
            reason,
        });
    }
    stats.rejected_lines += 1;
    if stats.samples.len() < MAX_REJECTED_SAMPLES {
        stats
            .samples
            .push(RejectedSample::new(task.key.clone(), line_no, reason));
    }
    Ok(())
}
