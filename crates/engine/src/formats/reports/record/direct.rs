//! Records written as the line is read (`scan::scan_into`), with no
//! `Event` between: a record holds the fields in the order the contract
//! numbers them, which is the producer's, so each field goes out as the
//! walk reads it and the fields the line leaves out as `ABSENT` tags. A
//! field that comes before one already written (another key order) stops
//! this path; the reader then encodes the line's `Event`, which writes the
//! same bytes (a test holds the two to that). The record's time comes
//! first but is known only once the reader has checked the line, so it is
//! written last ([`complete`]), with the sample priorities.
use super::{ABSENT, LIST, OBJECT, Writer, head, tail};
use crate::formatter::FormatError;
use crate::formatter::Required;
use crate::scan::{FieldSink, InOrder, Int};

/// The number of fields (`top_level_key` numbering).
const FIELDS: u32 = 18;

/// Writes one record into `out` as the line's fields are read.
pub(super) struct RecordSink<'o, 'a> {
    w: Writer<'o>,
    /// The fields written (absent ones as `ABSENT`).
    order: InOrder,
    /// Where the item count of the list being read is.
    count_at: usize,
    /// Where the fields begin in the output, after the record's head.
    fields_from: usize,
    /// The required fields as read, for the reader's checks.
    pub(super) required: Required<'a>,
}

impl<'o, 'a> RecordSink<'o, 'a> {
    /// Starts the record of `raw`: its time (a zero until [`complete`]
    /// writes it) and the line. `None` for a line too long for a record's
    /// length.
    pub(super) fn new(out: &'o mut Vec<u8>, raw: &'a str) -> Option<Self> {
        let w = head(out, 0, raw).ok()?;
        Some(Self {
            fields_from: w.out.len(),
            w,
            order: InOrder::default(),
            count_at: 0,
            required: Required::NONE,
        })
    }

    /// Writes `ABSENT` for the fields before `index` not yet written; `None`
    /// when `index` was written or passed.
    #[inline(always)]
    fn start(&mut self, index: u32) -> Option<()> {
        for _ in self.order.advance(index)? {
            self.w.out.push(ABSENT);
        }
        Some(())
    }

    #[inline(always)]
    fn opt_string(&mut self, value: Option<&str>) -> Option<()> {
        self.w.opt_string(value).ok()
    }

    /// The fields after the last one read, as `ABSENT`.
    pub(super) fn finish(&mut self) {
        self.start(FIELDS).expect("FIELDS is past every field");
    }
}

/// Completes a record [`RecordSink`] wrote from `from` on: its time, and
/// after its fields the sample `priorities`.
pub(super) fn complete(
    out: &mut Vec<u8>,
    from: usize,
    ts_ms: i64,
    priorities: &[u64],
) -> Result<(), FormatError> {
    out[from..from + 8].copy_from_slice(&ts_ms.to_le_bytes());
    tail(out, priorities)
}

impl<'a> FieldSink<'a> for RecordSink<'_, 'a> {
    #[inline(always)]
    fn text(&mut self, index: u32, value: Option<&'a str>) -> Option<()> {
        self.start(index)?;
        self.required.note(index, value);
        self.opt_string(value)
    }

    #[inline(always)]
    fn triple(&mut self, index: u32, values: Option<[Option<&'a str>; 3]>) -> Option<()> {
        self.start(index)?;
        let Some(values) = values else {
            self.w.out.push(ABSENT);
            return Some(());
        };
        self.w.out.push(OBJECT);
        values.into_iter().try_for_each(|v| self.opt_string(v))
    }

    #[inline(always)]
    fn list(&mut self, index: u32, present: bool) -> Option<()> {
        self.start(index)?;
        if present {
            self.w.out.push(LIST);
            self.count_at = self.w.out.len();
            self.w.out.extend_from_slice(&0u32.to_le_bytes());
        } else {
            self.w.out.push(ABSENT);
        }
        Some(())
    }

    #[inline(always)]
    fn list_item(&mut self, _index: u32, item: &'a str) -> Option<()> {
        let at = self.count_at;
        let count = &mut self.w.out[at..at + 4];
        let n = u32::from_le_bytes(count.try_into().ok()?) + 1;
        count.copy_from_slice(&n.to_le_bytes());
        self.opt_string(Some(item))
    }

    #[inline(always)]
    fn int(&mut self, index: u32, value: Option<Int<'a>>) -> Option<()> {
        self.start(index)?;
        self.w.opt_int(value.map(|i| i.value));
        Some(())
    }

    #[inline(always)]
    fn tokens(&mut self, value: Option<[Option<Int<'a>>; 2]>) -> Option<()> {
        self.start(14)?;
        match value {
            None => self.w.out.push(ABSENT),
            Some([input, output]) => {
                self.w.out.push(OBJECT);
                self.w.opt_int(input.map(|i| i.value));
                self.w.opt_int(output.map(|i| i.value));
            }
        }
        Some(())
    }

    fn rewind(&mut self) {
        self.w.out.truncate(self.fields_from);
        self.order = InOrder::default();
        self.count_at = 0;
        self.required = Required::NONE;
    }
}

#[cfg(test)]
#[path = "direct_tests.rs"]
mod tests;
