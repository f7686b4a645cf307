//! Compliance formats in segments: each segment saves its aggregate state
//! (JSON) as its output; the finisher folds the states in plan order and
//! writes the report or bundle one worker would have written
//! (`formats/reports/merge.rs` says why the fold is exact).
use super::aggregate::{Aggregate, AggregateState};
use super::merge::NotExact;
use super::{frameworks_of, write_reports};
use crate::formatter::{ExportContext, ExportSummary, FormatError, Formatter};
use kt_domain::{ExportFormat, ParsedEvent};
use serde::{Deserialize, Serialize};

/// The saved state's version: a finisher refuses states of another shape.
/// 2: samples of log exports (`Pop::LogExport`); escalation rows' resolutions
/// before their opening counted apart.
pub const STATE_VERSION: u32 = 2;

/// What a segment of a compliance export writes instead of a report.
#[derive(Serialize, Deserialize)]
pub struct SegmentState {
    pub state_version: u32,
    pub aggregate: AggregateState,
}

/// Whether `format` is a report whose segments save aggregate states.
pub fn merges_aggregates(format: ExportFormat) -> bool {
    matches!(
        format,
        ExportFormat::ComplianceAesia
            | ExportFormat::ComplianceAepd
            | ExportFormat::ComplianceEns
            | ExportFormat::ComplianceAll
    )
}

/// Aggregates a segment's events; `finish` writes the saved state, not a report.
pub struct StateFormatter {
    format: ExportFormat,
    agg: Option<Aggregate>,
    /// Set by `begin`; the readers' renderer computes sample priorities with them.
    seeds: crate::formats::reports::record::Seeds,
}

impl StateFormatter {
    pub fn new(format: ExportFormat) -> Self {
        Self {
            format,
            agg: None,
            seeds: Default::default(),
        }
    }
}

impl Formatter for StateFormatter {
    fn renderer(&self) -> Option<std::sync::Arc<dyn crate::formatter::EventRenderer>> {
        Some(crate::formats::reports::record::renderer(
            self.seeds.clone(),
        ))
    }

    fn event_rendered(&mut self, record: &[u8], _out: &mut Vec<u8>) -> Result<(), FormatError> {
        crate::formats::reports::record::observe(self.agg.as_mut(), record)
    }

    fn begin(&mut self, ctx: &ExportContext, _out: &mut Vec<u8>) -> Result<(), FormatError> {
        let agg = Aggregate::for_segment(
            ctx.window,
            ctx.tenant_id.as_str(),
            &ctx.pseudonym_key,
            &frameworks_of(self.format)?,
        );
        super::record::share_seeds(&self.seeds, &agg)?;
        self.agg = Some(agg);
        Ok(())
    }

    fn event(&mut self, event: &ParsedEvent<'_>, _out: &mut Vec<u8>) -> Result<(), FormatError> {
        self.agg
            .as_mut()
            .ok_or_else(|| FormatError("event before begin".into()))?
            .observe(event);
        Ok(())
    }

    fn finish(
        &mut self,
        _ctx: &ExportContext,
        _summary: &ExportSummary,
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        let agg = self
            .agg
            .take()
            .ok_or_else(|| FormatError("finish before begin".into()))?;
        let state = SegmentState {
            state_version: STATE_VERSION,
            aggregate: agg.into_state(),
        };
        serde_json::to_writer(out, &state)
            .map_err(|e| FormatError(format!("saving the segment's aggregate: {e}")))
    }
}

/// Why the finisher could not write the merged report.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// One worker would have kept other keys: export on one worker instead.
    #[error(transparent)]
    NotExact(#[from] NotExact),
    #[error("a segment's saved aggregate is unreadable: {0}")]
    Unreadable(String),
    #[error(transparent)]
    Format(#[from] FormatError),
}

/// Folds the segments' saved states in plan order ([`StateMerger::add`]),
/// then writes the report ([`StateMerger::finish`]).
pub struct StateMerger {
    format: ExportFormat,
    agg: Option<Aggregate>,
}

impl StateMerger {
    pub fn new(format: ExportFormat) -> Self {
        Self { format, agg: None }
    }

    /// Adds the next segment's saved state (its output object's bytes).
    pub fn add(&mut self, ctx: &ExportContext, saved: &[u8]) -> Result<(), MergeError> {
        let state: SegmentState =
            serde_json::from_slice(saved).map_err(|e| MergeError::Unreadable(e.to_string()))?;
        if state.state_version != STATE_VERSION {
            return Err(MergeError::Unreadable(format!(
                "state version {} (this worker reads {STATE_VERSION})",
                state.state_version
            )));
        }
        match &mut self.agg {
            Some(agg) => agg.merge(state.aggregate)?,
            None => {
                self.agg = Some(Aggregate::from_state(
                    ctx.window,
                    ctx.tenant_id.as_str(),
                    &ctx.pseudonym_key,
                    state.aggregate,
                ))
            }
        }
        Ok(())
    }

    /// The report (or bundle) of the whole export.
    pub fn finish(
        self,
        ctx: &ExportContext,
        summary: &ExportSummary,
    ) -> Result<Vec<u8>, MergeError> {
        let mut agg = match self.agg {
            Some(agg) => agg,
            None => Aggregate::new(
                ctx.window,
                ctx.tenant_id.as_str(),
                &ctx.pseudonym_key,
                &frameworks_of(self.format)?,
            ),
        };
        let mut out = Vec::new();
        write_reports(self.format, &mut agg, ctx, summary, &mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
