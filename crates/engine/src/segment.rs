//! Splitting one export into segments of whole hour partitions that run on
//! different workers, and joining their outputs into the artifact a single
//! worker would have written, byte for byte (`docs/scale.md`).
//!
//! Why it can be exact: hours are disjoint and ordered, a duplicate always
//! sits in its own hour, and csv/json render each event on its own. What
//! differs per position is only the document's head (csv header, json
//! `export` object: segment 0 writes it), json's separator before an event
//! (`\n` for the very first, `,\n` after: later segments always write `,\n`,
//! and the join drops the `,` when no earlier segment had an event) and the
//! tail (json `summary`, whose counts are the sum of the segments': written
//! by the finisher).
//!
//! Compliance formats aggregate across the whole window: their segments save
//! aggregate states that the finisher merges
//! ([`crate::formats::reports::segment_state`]).
use crate::formats::{self, csv::CsvFormatter, json::JsonFormatter};
use crate::formatter::{ExportContext, ExportSummary, FormatError, Formatter};
use crate::run::ExportPlan;
use kt_domain::{ExportFormat, JobStats, MAX_REJECTED_SAMPLES, ParsedEvent};
use std::ops::Range;

pub use crate::formats::reports::segment_state::{
    MergeError, StateFormatter, StateMerger, merges_aggregates,
};

/// Whether exports of `format` can be split into segments (every format:
/// csv/json join their bytes, compliance formats merge their aggregates).
pub fn splittable(format: ExportFormat) -> bool {
    matches!(format, ExportFormat::Csv | ExportFormat::Json) || merges_aggregates(format)
}

/// Splits the plan's hours into contiguous ranges of about `max_bytes`
/// source bytes (an hour is never split; an hour larger than `max_bytes`
/// is a segment of its own), then merges neighbours until there are at most
/// `max_segments`. One range (the whole plan) means: do not fan out.
pub fn split_hours(plan: &ExportPlan, max_bytes: u64, max_segments: usize) -> Vec<Range<usize>> {
    let max_bytes = max_bytes.max(1);
    let sizes: Vec<u64> = plan
        .hours
        .iter()
        .map(|(_, objects)| objects.iter().map(|o| o.size).sum())
        .collect();
    let total: u64 = sizes.iter().sum();
    // With a cap, segments grow so that the cap is never exceeded.
    let cap = max_segments.max(1) as u64;
    let target = max_bytes.max(total.div_ceil(cap));
    let mut ranges: Vec<Range<usize>> = Vec::new();
    let (mut start, mut bytes) = (0usize, 0u64);
    for (i, size) in sizes.iter().enumerate() {
        if bytes > 0 && bytes + size > target {
            ranges.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    if start < sizes.len() || ranges.is_empty() {
        ranges.push(start..sizes.len());
    }
    // Hours larger than the target can leave more ranges than the cap: merge
    // the smallest neighbouring pair until it holds.
    while ranges.len() > max_segments.max(1) {
        let weight = |r: &Range<usize>| sizes[r.clone()].iter().sum::<u64>();
        let i = (0..ranges.len() - 1)
            .min_by_key(|&i| weight(&ranges[i]) + weight(&ranges[i + 1]))
            .expect("at least two ranges");
        let next = ranges.remove(i + 1);
        ranges[i].end = next.end;
    }
    ranges
}

/// The part of `plan` that segment `index` (hours `range`) reads. The
/// inventory stays the whole export's (formats state it); skipped objects
/// are counted once, by segment 0.
pub fn segment_plan(plan: &ExportPlan, index: usize, range: Range<usize>) -> ExportPlan {
    ExportPlan {
        tenant: plan.tenant.clone(),
        window: plan.window,
        hours: plan.hours[range].to_vec(),
        skipped_objects: if index == 0 { plan.skipped_objects } else { 0 },
        inventory: plan.inventory.clone(),
    }
}

/// The formatter of segment `index`: the format's own, writing the head only
/// in segment 0 and never the tail; for a compliance format, the
/// [`StateFormatter`]. `None` for formats that cannot be split.
pub fn segment_formatter(ctx: &ExportContext, index: usize) -> Option<Box<dyn Formatter>> {
    if merges_aggregates(ctx.format) {
        return Some(Box::new(StateFormatter::new(ctx.format)));
    }
    let inner: Box<dyn Formatter> = match (ctx.format, index) {
        (ExportFormat::Csv, _) => Box::new(CsvFormatter::new()),
        (ExportFormat::Json, 0) => Box::new(JsonFormatter::new()),
        (ExportFormat::Json, _) => Box::new(JsonFormatter::continuing()),
        _ => return None,
    };
    Some(Box::new(SegmentFormatter {
        inner,
        head: index == 0,
    }))
}

/// Bytes at the start of a later segment that the join drops when no earlier
/// segment wrote an event (json's `,` of `,\n`).
pub fn leading_separator(format: ExportFormat) -> usize {
    match format {
        ExportFormat::Json => 1,
        _ => 0,
    }
}

/// The artifact's tail, written once every segment is done: what the
/// format's `finish` writes for the whole export's summary.
pub fn artifact_tail(ctx: &ExportContext, summary: &ExportSummary) -> Result<Vec<u8>, FormatError> {
    let mut formatter = formats::formatter_for(ctx);
    let mut head = Vec::new();
    formatter.begin(ctx, &mut head)?;
    let mut tail = Vec::new();
    formatter.finish(ctx, summary, &mut tail)?;
    Ok(tail)
}

/// The stats of the whole export from its segments' stats, in segment order:
/// the same numbers and rejected samples a single worker reports.
pub fn merge_stats<'a>(segments: impl IntoIterator<Item = &'a JobStats>) -> JobStats {
    let mut all = JobStats::default();
    for s in segments {
        all.objects_read += s.objects_read;
        all.objects_skipped += s.objects_skipped;
        all.bytes_read += s.bytes_read;
        all.lines_read += s.lines_read;
        all.rejected_lines += s.rejected_lines;
        all.duplicates_removed += s.duplicates_removed;
        let room = MAX_REJECTED_SAMPLES.saturating_sub(all.rejected_samples.len());
        all.rejected_samples
            .extend(s.rejected_samples.iter().take(room).cloned());
    }
    all
}

/// What the join needs to know of one finished segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentOutput {
    pub size_bytes: u64,
    pub event_count: u64,
}

/// One run of the artifact's bytes: a byte range of a segment's object, or
/// bytes written by the finisher (the tail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Segment { index: usize, range: Range<u64> },
    Inline(Vec<u8>),
}

impl Piece {
    pub fn len(&self) -> u64 {
        match self {
            Self::Segment { range, .. } => range.end - range.start,
            Self::Inline(bytes) => bytes.len() as u64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The artifact as a sequence of pieces: every segment's object in order
/// (a later segment that is the first with events loses its leading
/// separator), then the tail. Empty pieces are left out.
pub fn pieces(format: ExportFormat, segments: &[SegmentOutput], tail: Vec<u8>) -> Vec<Piece> {
    let separator = leading_separator(format) as u64;
    let mut seen_event = false;
    let mut out = Vec::new();
    for (index, s) in segments.iter().enumerate() {
        let start = if index > 0 && !seen_event && s.event_count > 0 {
            separator.min(s.size_bytes)
        } else {
            0
        };
        seen_event |= s.event_count > 0;
        let piece = Piece::Segment {
            index,
            range: start..s.size_bytes,
        };
        if !piece.is_empty() {
            out.push(piece);
        }
    }
    if !tail.is_empty() {
        out.push(Piece::Inline(tail));
    }
    out
}

/// The format's formatter, minus the head (unless `head`) and the tail.
struct SegmentFormatter {
    inner: Box<dyn Formatter>,
    head: bool,
}

impl Formatter for SegmentFormatter {
    fn renderer(&self) -> Option<std::sync::Arc<dyn crate::formatter::EventRenderer>> {
        self.inner.renderer()
    }

    fn event_rendered(&mut self, rendered: &[u8], out: &mut Vec<u8>) -> Result<(), FormatError> {
        self.inner.event_rendered(rendered, out)
    }

    fn begin(&mut self, ctx: &ExportContext, out: &mut Vec<u8>) -> Result<(), FormatError> {
        let mut head = Vec::new();
        self.inner.begin(ctx, &mut head)?;
        if self.head {
            out.extend_from_slice(&head);
        }
        Ok(())
    }

    fn event(&mut self, event: &ParsedEvent<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
        self.inner.event(event, out)
    }

    fn finish(
        &mut self,
        ctx: &ExportContext,
        summary: &ExportSummary,
        _out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        self.inner.finish(ctx, summary, &mut Vec::new())
    }
}

#[cfg(test)]
mod resume_tests;
#[cfg(test)]
mod tests;
