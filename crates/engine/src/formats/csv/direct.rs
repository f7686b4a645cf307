//! csv rows written while the line is read (`scan::scan_plain_into`), with
//! no `Event` between: the contract's fields are numbered in the order of
//! the csv columns, and the producer writes them in that order, so each
//! field's cells go out as the walk reads it, and the columns of fields the
//! line leaves out as empty cells. A field that comes before one already
//! written (another key order) stops this path; the reader then renders the
//! line from its `Event`, which writes the same bytes (a test holds the two
//! to that on every line the scanner's own tests mutate).
//!
//! Only lines whose strings are plain take this path (no escapes, control
//! bytes, `,` or `;` in them), so no cell needs quotes: a cell is its text,
//! with the `'` that keeps a spreadsheet from running it as a formula.
use super::{RECORD_END, append, is_formula_start};
use crate::formatter::Required;
use crate::scan::{FieldSink, InOrder, Int};

/// The csv columns before each field's first, in `top_level_key`
/// numbering (`actor` and `model` fill three, `tokens` two), and after the
/// last field.
const COLUMNS_BEFORE: [u8; FIELDS as usize + 1] = [
    0, 1, 2, 3, 4, 5, 6, 7, 10, 13, 14, 15, 16, 17, 18, 20, 21, 22, 23,
];
const FIELDS: u32 = 18;

/// Writes one row into `out` as the line's fields are read.
pub(super) struct RowSink<'o, 'a> {
    out: &'o mut Vec<u8>,
    /// Where the row begins in `out`.
    row_start: usize,
    /// The fields written (absent ones as empty cells).
    order: InOrder,
    /// The required fields as read, for the reader's checks.
    pub(super) required: Required<'a>,
    /// No item of the list being read written yet.
    first_item: bool,
}

impl<'o, 'a> RowSink<'o, 'a> {
    pub(super) fn new(out: &'o mut Vec<u8>) -> Self {
        Self {
            row_start: out.len(),
            out,
            order: InOrder::default(),
            first_item: true,
            required: Required::NONE,
        }
    }

    /// Writes the empty cells of the fields before `index` not yet written,
    /// then the comma that starts `index`'s first cell (none before the
    /// first column); `None` when `index` was written or passed.
    #[inline(always)]
    fn start(&mut self, index: u32) -> Option<()> {
        let skipped = self.order.advance(index)?;
        if skipped.is_empty() && index > 0 {
            // The field after the last one written, as most are: one comma.
            self.out.push(b',');
            return Some(());
        }
        let columns = COLUMNS_BEFORE[index as usize] - COLUMNS_BEFORE[skipped.start as usize];
        // One comma a column, but none before the first.
        let commas = usize::from(columns) + 1 - usize::from(skipped.start == 0);
        // One push a comma: a fill of a constant byte compiles to a call
        // to `memset`, which costs more than the one or two commas it writes.
        for _ in 0..commas {
            self.out.push(b',');
        }
        Some(())
    }

    /// One cell's text (after its comma).
    #[inline(always)]
    fn cell(&mut self, value: &str) {
        if is_formula_start(value) {
            self.out.push(b'\'');
        }
        append(self.out, value.as_bytes());
    }

    /// A number's cell: its text as the line has it, which is the value's
    /// shortest form (`Int`), so the same as printing the value.
    #[inline(always)]
    fn number(&mut self, value: Option<Int<'_>>) {
        if let Some(n) = value {
            append(self.out, n.text.as_bytes());
        }
    }

    /// The empty cells of the fields after the last one read, and the
    /// row's end.
    pub(super) fn finish(&mut self) {
        self.start(FIELDS).expect("FIELDS is past every field");
        // `start` wrote the comma of a column after the last: take it back.
        self.out.pop();
        self.out.extend_from_slice(RECORD_END);
    }
}

impl<'a> FieldSink<'a> for RowSink<'_, 'a> {
    #[inline(always)]
    fn text(&mut self, index: u32, value: Option<&'a str>) -> Option<()> {
        self.start(index)?;
        self.required.note(index, value);
        if let Some(v) = value {
            self.cell(v);
        }
        Some(())
    }

    #[inline(always)]
    fn triple(&mut self, index: u32, values: Option<[Option<&'a str>; 3]>) -> Option<()> {
        self.start(index)?;
        let [a, b, c] = values.unwrap_or_default();
        for (n, v) in [a, b, c].into_iter().enumerate() {
            if n > 0 {
                self.out.push(b',');
            }
            if let Some(v) = v {
                self.cell(v);
            }
        }
        Some(())
    }

    #[inline(always)]
    fn list(&mut self, index: u32, _present: bool) -> Option<()> {
        self.start(index)?;
        self.first_item = true;
        Some(())
    }

    #[inline(always)]
    fn list_item(&mut self, _index: u32, item: &'a str) -> Option<()> {
        if !std::mem::take(&mut self.first_item) {
            self.out.push(b';');
        }
        // Every item, not only the first: in a `;` locale each is a cell.
        self.cell(item);
        Some(())
    }

    #[inline(always)]
    fn int(&mut self, index: u32, value: Option<Int<'a>>) -> Option<()> {
        self.start(index)?;
        self.number(value);
        Some(())
    }

    #[inline(always)]
    fn tokens(&mut self, value: Option<[Option<Int<'a>>; 2]>) -> Option<()> {
        self.start(14)?;
        let [input, output] = value.unwrap_or_default();
        self.number(input);
        self.out.push(b',');
        self.number(output);
        Some(())
    }

    fn rewind(&mut self) {
        self.out.truncate(self.row_start);
        self.order = InOrder::default();
        self.required = Required::NONE;
        self.first_item = true;
    }
}

#[cfg(test)]
#[path = "direct_tests.rs"]
mod tests;
