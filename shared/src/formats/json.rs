//! json: one document `{"export": {...scope...}, "events": [...]}`, events byte-for-byte as produced.
//!
//! OWNER: engine helper.
use super::{ExportContext, ExportSummary, FormatError, Formatter};
use crate::engine::ParsedEvent;

pub struct JsonFormatter {}

impl JsonFormatter {
    pub fn new() -> Self {
        Self {}
    }
}

impl Default for JsonFormatter {
    fn default() -> Self {
        Self::new()
    }
}

impl Formatter for JsonFormatter {
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
