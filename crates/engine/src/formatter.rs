//! The formatter port: what the engine calls to turn ordered events into an
//! artifact's bytes. The formats (csv, json, reports) implement it.
//!
//! The engine calls `begin`, then once per accepted event in export order (by
//! `ts`, then `event_id`, each `event_id` once) either `event_rendered` (the
//! formatter has a [`Formatter::renderer`], run on the reader threads: csv,
//! json; reports, whose renderer hands over each event's fields with its
//! line) or `event` (a formatter without one), then `finish`.
//! Formatters append bytes to `out`; the engine streams them to the sink.
//! Report formats write nothing per event and their whole document in `finish`
//! (their state is bounded aggregates, not events).
use chrono::{DateTime, Utc};
use kt_domain::{ExportFormat, JobId, JobStats, ParsedEvent, TenantId, VersionedProfile, Window};

/// The job's scope: what every format may state about the export.
#[derive(Debug, Clone)]
pub struct ExportContext {
    /// `None` for offline exports (`kt export run`).
    pub job_id: Option<JobId>,
    pub tenant_id: TenantId,
    pub format: ExportFormat,
    pub window: Window,
    pub file_name: String,
    pub generated_at: DateTime<Utc>,
    /// Who asked (the token's `sub`), or the schedule.
    pub requested_by: String,
    /// Secret from which per-tenant pseudonymisation keys are derived.
    pub pseudonym_key: String,
    /// The frozen list of source objects this export reads.
    pub sources: SourceInventory,
    /// Signs the compliance-all bundle's own manifest (`None` offline and in tests).
    pub signer: Option<std::sync::Arc<dyn crate::custody::ManifestSigner>>,
    /// Asks a timestamp authority to countersign that signature
    /// (`manifest.tsr` in the bundle); `None` when no TSA is configured.
    pub timestamper: Option<std::sync::Arc<dyn crate::custody::Timestamper>>,
    /// What reports state beyond the events: the job's label, the tenant's declarations.
    pub report: ReportInputs,
}

/// Inputs of the compliance reports that are not events. The engine never
/// loads them: the worker (or `kt export run --compliance-profile FILE`) passes them in.
#[derive(Debug, Clone, Default)]
pub struct ReportInputs {
    pub label: Option<String>,
    /// The tenant's compliance profile at the version the report cites.
    pub profile: Option<VersionedProfile>,
}

/// The objects an export read, summarised for manifests.
#[derive(Debug, Clone, Default)]
pub struct SourceInventory {
    pub objects: u64,
    pub bytes: u64,
    /// `sha256:<hex>` over sorted `key|etag|size\n` lines.
    pub listing_digest: String,
    /// When the listing was taken: objects written later are not in the export.
    pub listed_at: Option<DateTime<Utc>>,
}

/// What the engine knows once every event has been written.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    pub event_count: u64,
    pub stats: JobStats,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("formatting failed: {0}")]
pub struct FormatError(pub String);

pub trait Formatter: Send {
    /// A stateless renderer of one event's bytes (csv: its row). When there is
    /// one, the engine runs it on its reader threads, in parallel, right after
    /// parsing each line, and then calls [`Formatter::event_rendered`] in export
    /// order instead of [`Formatter::event`]: every line is parsed once.
    fn renderer(&self) -> Option<std::sync::Arc<dyn EventRenderer>> {
        None
    }
    /// Appends an event that the [`Formatter::renderer`] rendered.
    fn event_rendered(&mut self, rendered: &[u8], out: &mut Vec<u8>) -> Result<(), FormatError> {
        out.extend_from_slice(rendered);
        Ok(())
    }
    fn begin(&mut self, ctx: &ExportContext, out: &mut Vec<u8>) -> Result<(), FormatError>;
    fn event(&mut self, event: &ParsedEvent<'_>, out: &mut Vec<u8>) -> Result<(), FormatError>;
    fn finish(
        &mut self,
        ctx: &ExportContext,
        summary: &ExportSummary,
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError>;
    /// Lends the digest the formatter keeps of the rendered events (a
    /// report's events digest), so the engine can feed it an hour's events
    /// on another thread while [`Formatter::event_rendered`] takes the same
    /// events here; until it is given back the formatter does not digest
    /// them itself. `None` (the default): the formatter keeps no digest.
    fn lend_line_digest(&mut self) -> Option<Box<dyn LineDigest>> {
        None
    }
    /// Takes back what [`Formatter::lend_line_digest`] lent, fed with every
    /// event handed to [`Formatter::event_rendered`] meanwhile, in order.
    fn take_back_line_digest(&mut self, digest: Box<dyn LineDigest>) {
        let _ = digest;
    }
}

/// A formatter's running digest of the events it is given (see
/// [`Formatter::lend_line_digest`]).
pub trait LineDigest: Send {
    /// Adds the next event, as its renderer rendered it.
    fn add_rendered(&mut self, rendered: &[u8]) -> Result<(), FormatError>;
    /// The digest as the formatter's own type, when it is given back.
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any>;
}

/// [`EventRenderer::bytes_per_100_line_bytes`] of a renderer (or of no
/// renderer: the chunk holds the lines) that writes about the line's size.
pub const AS_MANY_AS_THE_LINE: usize = 100;

/// Renders one event on its own, independent of the events around it.
pub trait EventRenderer: Send + Sync {
    /// Whether `render` reads `ParsedEvent::fields` beyond the required ones.
    /// Renderers that copy `raw` (json) answer false: lines are then checked
    /// without building the other fields.
    fn needs_fields(&self) -> bool {
        true
    }
    fn render(&self, event: &ParsedEvent<'_>, out: &mut Vec<u8>) -> Result<(), FormatError>;
    /// About the bytes `render` writes per 100 bytes of line, so a reader's
    /// chunk is sized once instead of doubling midway (a chunk that doubles
    /// holds up to twice what it uses until the writer is done with it).
    fn bytes_per_100_line_bytes(&self) -> usize {
        AS_MANY_AS_THE_LINE
    }
    /// [`EventRenderer::render`] given what reading the line found out about
    /// it on the way (`facts` must hold of `event.raw`), so a renderer need
    /// not look at the line again. The readers call this one.
    fn render_scanned(
        &self,
        event: &ParsedEvent<'_>,
        facts: LineFacts,
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        let _ = facts;
        self.render(event, out)
    }
    /// Reads `raw` and renders it in the same pass, when the renderer can
    /// (a csv row written from the line's text, with no `Event` between),
    /// and gives the required fields for the reader's checks; the readers
    /// call it first. `None` (with `out` as it was; the default, at no
    /// cost) has the line read into an `Event` and rendered by
    /// [`EventRenderer::render_scanned`], which must write the same bytes.
    fn render_line<'a>(&self, raw: &'a str, out: &mut Vec<u8>) -> Option<Required<'a>> {
        let _ = (raw, out);
        None
    }
    /// Completes what [`EventRenderer::render_line`] wrote from `from` on,
    /// once the reader has checked the line and kept it, with what the
    /// checks found (a record's time, which comes first in it).
    fn complete_line(
        &self,
        out: &mut Vec<u8>,
        from: usize,
        ts_ms: i64,
        event_id: &str,
    ) -> Result<(), FormatError> {
        let _ = (out, from, ts_ms, event_id);
        Ok(())
    }
}

/// A [`EventRenderer::render_line`] body run so that it keeps the trait's
/// word: what `write` wrote stays when it answers, and is taken back when
/// it declines.
pub(crate) fn written_or_taken_back<'a>(
    out: &mut Vec<u8>,
    write: impl FnOnce(&mut Vec<u8>) -> Option<Required<'a>>,
) -> Option<Required<'a>> {
    let start = out.len();
    let written = write(out);
    if written.is_none() {
        out.truncate(start);
    }
    written
}

/// The four required fields of a line, as read (what the readers check
/// whichever way the line was read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Required<'a> {
    pub event_id: &'a str,
    pub ts: &'a str,
    pub tenant_id: &'a str,
    pub event_type: &'a str,
}

impl<'a> Required<'a> {
    /// None read yet.
    pub(crate) const NONE: Required<'static> = Required {
        event_id: "",
        ts: "",
        tenant_id: "",
        event_type: "",
    };

    /// The required fields of an `Event` read the old way.
    pub(crate) fn of(event: &'a kt_domain::Event<'_>) -> Self {
        Required {
            event_id: &event.event_id,
            ts: &event.ts,
            tenant_id: &event.tenant_id,
            event_type: &event.event_type,
        }
    }

    /// Notes `value` when it is a required field (numbered 0-3 as the
    /// scanner numbers fields), as a sink reads it.
    #[inline(always)]
    pub(crate) fn note(&mut self, index: u32, value: Option<&'a str>) {
        let Some(v) = value else { return };
        match index {
            0 => self.event_id = v,
            1 => self.ts = v,
            2 => self.tenant_id = v,
            3 => self.event_type = v,
            _ => {}
        }
    }
}

/// What the readers learn about a line while checking it, for renderers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineFacts {
    /// The line has no escape or control byte and none of its strings
    /// holds a `,` or `;` (`false` when not known).
    pub plain_strings: bool,
}
