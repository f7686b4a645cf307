//! csv: RFC 4180, a header row, the contract's known fields as fixed columns.
//!
//! OWNER: engine helper.
use super::{ExportContext, ExportSummary, FormatError, Formatter};
use crate::engine::ParsedEvent;

pub struct CsvFormatter {}

impl CsvFormatter {
    pub fn new() -> Self {
        Self {}
    }
}

impl Default for CsvFormatter {
    fn default() -> Self {
        Self::new()
    }
}

impl Formatter for CsvFormatter {
    fn begin(&mut self, _ctx: &ExportContext, _out: &mut Vec<u8>) -> Result<(), FormatError> {
        todo!("engine helper")
    }
    fn event(&mut self, _event: &ParsedEvent<'_>, _out: &mut Vec<u8>) -> Result<(), FormatError> {
        todo!("engine helper")
    }
    fn finish(
        &mut self,
        _ctx: &ExportContext,
        _summary: &ExportSummary,
        _out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        todo!("engine helper")
    }
}
