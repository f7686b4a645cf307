//! What the engine writes: one [`Formatter`] per export format.
pub use crate::formatter::{
    EventRenderer, ExportContext, ExportSummary, FormatError, Formatter, LineFacts, SourceInventory,
};
use kt_domain::ExportFormat;

pub mod csv;
pub mod json;
pub mod reports;
#[cfg(test)]
pub(crate) mod test_support;

/// The formatter that writes `ctx.format`.
pub fn formatter_for(ctx: &ExportContext) -> Box<dyn Formatter> {
    match ctx.format {
        ExportFormat::Csv => Box::new(csv::CsvFormatter::new()),
        ExportFormat::Json => Box::new(json::JsonFormatter::new()),
        _ => reports::report_formatter(ctx),
    }
}
