//! csv: RFC 4180, a header row, the contract's known fields as fixed columns.
//!
//! Cells that a spreadsheet would run as a formula (starting with `=`, `+`,
//! `-`, `@`, TAB or CR) get a leading `'` (OWASP CSV injection); numbers from
//! numeric fields are written as they are.
use super::{EventRenderer, ExportContext, ExportSummary, FormatError, Formatter, LineFacts};
use crate::formatter::{Required, written_or_taken_back};
use kt_domain::ParsedEvent;
use std::borrow::Cow;
use std::sync::Arc;

mod direct;

/// The columns, in order.
pub const COLUMNS: [&str; 23] = [
    "event_id",
    "ts",
    "tenant_id",
    "event_type",
    "request_id",
    "escalation_id",
    "config_version",
    "actor_user_id",
    "actor_app",
    "actor_ip",
    "model_provider",
    "model_name",
    "model_region",
    "decision",
    "policy_ids",
    "risk_level",
    "data_categories",
    "latency_ms",
    "tokens_input",
    "tokens_output",
    "outcome",
    "reviewer",
    "incident_id",
];

const RECORD_END: &[u8] = b"\r\n";

/// The csv formatter: a header, then one rendered row per event.
#[derive(Default)]
pub struct CsvFormatter {}

impl CsvFormatter {
    pub fn new() -> Self {
        Self {}
    }
}

/// Renders one event as a csv row (stateless, so it runs on any thread).
#[derive(Debug, Default, Clone, Copy)]
pub struct CsvRow;

/// The bytes that make a cell need quotes (RFC 4180), as a lookup table:
/// one load per byte instead of four comparisons.
const QUOTE_TRIGGERS: [bool; 256] = {
    let mut table = [false; 256];
    table[b',' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\n' as usize] = true;
    table[b'\r' as usize] = true;
    // Spreadsheets in `;` locales (es, fr, de) split a double-clicked file on `;`.
    table[b';' as usize] = true;
    table
};

fn needs_quotes(value: &str) -> bool {
    value.bytes().any(|b| QUOTE_TRIGGERS[b as usize])
}

/// What one row's cells may skip: when the event's line has no escapes or
/// control bytes and none of its strings holds a `,` or `;`
/// (`simd::plain_strings`, which the readers' structural pass finds on the
/// way: [`LineFacts`]), a cell whose text lies inside the line is one of its
/// strings and needs no quotes, so it is not searched byte by byte. Other
/// cells (decoded from escapes, or from elsewhere) are.
#[derive(Clone, Copy)]
struct Plain<'r> {
    line: Option<&'r [u8]>,
}

impl Plain<'_> {
    fn of(raw: &str, plain_strings: bool) -> Plain<'_> {
        Plain {
            line: plain_strings.then_some(raw.as_bytes()),
        }
    }

    /// Quotes are needed (never skipped for text outside the line).
    #[inline(always)]
    fn needs_quotes(self, value: &str) -> bool {
        let inside = self.line.is_some_and(|line| {
            let range = line.as_ptr_range();
            let v = value.as_bytes().as_ptr_range();
            range.start <= v.start && v.end <= range.end
        });
        !inside && needs_quotes(value)
    }
}

/// `out.extend_from_slice(bytes)`, with short slices copied inline: most
/// cells are 3-30 bytes, and a call into libc's `memcpy` for each cost more
/// than the copy (two overlapping loads and stores cover any length from
/// half a word to a word).
#[inline(always)]
fn append(out: &mut Vec<u8>, bytes: &[u8]) {
    let n = bytes.len();
    if n > 32 {
        out.extend_from_slice(bytes);
        return;
    }
    out.reserve(n);
    let (src, len) = (bytes.as_ptr(), out.len());
    // SAFETY: `reserve` made room for `n` bytes after `len`; every read is
    // within `bytes` and every write within those `n` bytes (the pairs
    // overlap in the middle when `n` is less than twice their width).
    unsafe {
        let dst = out.as_mut_ptr().add(len);
        if n >= 16 {
            copy_as_two::<[u8; 16]>(src, dst, n);
        } else if n >= 8 {
            copy_as_two::<u64>(src, dst, n);
        } else if n >= 4 {
            copy_as_two::<u32>(src, dst, n);
        } else {
            for i in 0..n {
                *dst.add(i) = *src.add(i);
            }
        }
        out.set_len(len + n);
    }
}

/// Copies `n` bytes as two `T`s, the second ending where the bytes end
/// (all of them when `n <= 2 * size_of::<T>()`, as [`append`] calls it).
///
/// # Safety
/// `size_of::<T>() <= n`, and `n` bytes are readable at `src` and writable
/// at `dst` (the two regions apart).
#[inline(always)]
unsafe fn copy_as_two<T: Copy>(src: *const u8, dst: *mut u8, n: usize) {
    let last = n - size_of::<T>();
    // SAFETY: both reads lie within `src[..n]` and both writes within
    // `dst[..n]` (the caller's promise); unaligned accesses are allowed.
    unsafe {
        let (head, tail) = (
            src.cast::<T>().read_unaligned(),
            src.add(last).cast::<T>().read_unaligned(),
        );
        dst.cast::<T>().write_unaligned(head);
        dst.add(last).cast::<T>().write_unaligned(tail);
    }
}

fn is_formula_start(value: &str) -> bool {
    matches!(
        value.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// Appends `value` with its quotes doubled, and a `'` after every `;` that
/// a formula would follow: a `;`-locale spreadsheet starts a cell there,
/// whatever the quotes (they count only at the start of a field).
fn escaped(out: &mut Vec<u8>, value: &str) {
    let mut after_semicolon = false;
    for part in value.split_inclusive(['"', ';']) {
        if after_semicolon && is_formula_start(part) {
            out.push(b'\'');
        }
        out.extend_from_slice(part.as_bytes());
        if part.ends_with('"') {
            out.push(b'"');
        }
        after_semicolon = part.ends_with(';');
    }
}

/// Appends one text cell (preceded by a comma unless it is the first).
/// Inlined into the row: a call per cell cost a fifth of the cell.
#[inline(always)]
fn text(out: &mut Vec<u8>, plain: Plain<'_>, value: Option<&str>, first: bool) {
    if !first {
        out.push(b',');
    }
    let Some(value) = value else { return };
    let quote = plain.needs_quotes(value);
    if quote {
        out.push(b'"');
    }
    if is_formula_start(value) {
        out.push(b'\'');
    }
    if quote {
        escaped(out, value);
        out.push(b'"');
    } else {
        append(out, value.as_bytes());
    }
}

/// Appends an array cell: its items joined with `;`.
fn list(out: &mut Vec<u8>, plain: Plain<'_>, items: &Option<Vec<Cow<'_, str>>>) {
    out.push(b',');
    let Some(items) = items else { return };
    let quote = items.iter().any(|i| plain.needs_quotes(i));
    if quote {
        out.push(b'"');
    }
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.push(b';');
        }
        // Every item, not only the first: in a `;` locale each is a cell.
        if is_formula_start(item) {
            out.push(b'\'');
        }
        if quote {
            escaped(out, item);
        } else {
            append(out, item.as_bytes());
        }
    }
    if quote {
        out.push(b'"');
    }
}

#[inline(always)]
fn number(out: &mut Vec<u8>, value: Option<i64>) {
    out.push(b',');
    if let Some(n) = value {
        append(out, itoa::Buffer::new().format(n).as_bytes());
    }
}

fn opt<'a>(v: &'a Option<Cow<'_, str>>) -> Option<&'a str> {
    v.as_deref()
}

impl EventRenderer for CsvRow {
    fn render(&self, event: &ParsedEvent<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
        let plain_strings = crate::scan::simd::plain_strings(event.raw.as_bytes());
        self.render_scanned(event, LineFacts { plain_strings }, out)
    }

    fn render_scanned(
        &self,
        event: &ParsedEvent<'_>,
        facts: LineFacts,
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        let e = &event.fields;
        let actor = e.actor.as_ref();
        let model = e.model.as_ref();
        let p = Plain::of(event.raw, facts.plain_strings);
        text(out, p, Some(&e.event_id), true);
        text(out, p, Some(&e.ts), false);
        text(out, p, Some(&e.tenant_id), false);
        text(out, p, Some(&e.event_type), false);
        text(out, p, opt(&e.request_id), false);
        text(out, p, opt(&e.escalation_id), false);
        text(out, p, opt(&e.config_version), false);
        text(out, p, actor.and_then(|a| opt(&a.user_id)), false);
        text(out, p, actor.and_then(|a| opt(&a.app)), false);
        text(out, p, actor.and_then(|a| opt(&a.ip)), false);
        text(out, p, model.and_then(|m| opt(&m.provider)), false);
        text(out, p, model.and_then(|m| opt(&m.name)), false);
        text(out, p, model.and_then(|m| opt(&m.region)), false);
        text(out, p, opt(&e.decision), false);
        list(out, p, &e.policy_ids);
        text(out, p, opt(&e.risk_level), false);
        list(out, p, &e.data_categories);
        number(out, e.latency_ms);
        number(out, e.tokens.and_then(|t| t.input));
        number(out, e.tokens.and_then(|t| t.output));
        text(out, p, opt(&e.outcome), false);
        text(out, p, opt(&e.reviewer), false);
        text(out, p, opt(&e.incident_id), false);
        out.extend_from_slice(RECORD_END);
        Ok(())
    }

    /// The row written as the line is read (`direct`), when its strings are
    /// plain and its fields in the columns' order, as the producer writes them.
    fn render_line<'a>(&self, raw: &'a str, out: &mut Vec<u8>) -> Option<Required<'a>> {
        written_or_taken_back(out, |out| {
            let mut row = direct::RowSink::new(out);
            crate::scan::scan_plain_into(raw, &mut row)?;
            row.finish();
            Some(row.required)
        })
    }
}

impl Formatter for CsvFormatter {
    fn begin(&mut self, _ctx: &ExportContext, out: &mut Vec<u8>) -> Result<(), FormatError> {
        out.extend_from_slice(COLUMNS.join(",").as_bytes());
        out.extend_from_slice(RECORD_END);
        Ok(())
    }

    fn renderer(&self) -> Option<Arc<dyn EventRenderer>> {
        Some(Arc::new(CsvRow))
    }

    fn event(&mut self, event: &ParsedEvent<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
        CsvRow.render(event, out)
    }

    fn finish(
        &mut self,
        _ctx: &ExportContext,
        _summary: &ExportSummary,
        _out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
