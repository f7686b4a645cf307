//! Compliance reports (compliance-aesia, -aepd, -ens) and the compliance-all bundle.
//!
//! OWNER: compliance helper.
use super::{ExportContext, Formatter};

/// The formatter for a compliance format (`ctx.format` is one of the four).
pub fn report_formatter(_ctx: &ExportContext) -> Box<dyn Formatter> {
    todo!("compliance helper")
}
