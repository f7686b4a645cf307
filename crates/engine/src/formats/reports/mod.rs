//! Compliance reports (compliance-aesia, -aepd, -ens) and the compliance-all bundle.
//!
//! One pass: [`aggregate::Aggregate`] is fed every exported event and holds
//! bounded state; each report is a projection of it (`aesia`, `aepd`,
//! `ens`) wrapped in the common [`envelope`]. The bundle ([`bundle`]) holds
//! all three plus a manifest and `SHA256SUMS`; [`verify`] checks one offline.
//! See `docs/compliance/*.md` for what each section computes and claims.
//!
mod aepd;
mod aesia;
pub mod aggregate;
pub mod applicability;
pub mod bundle;
mod common;
mod counters;
pub mod custody_verify;
mod declared;
pub mod doc;
pub mod eea;
mod ens;
pub mod envelope;
pub mod head;
pub mod html;
pub mod merge;
pub mod metrics;
pub mod num;
mod provenance;
pub mod pseudonym;
pub mod record;
mod retention;
pub mod sample;
pub mod schema;
pub mod segment_state;
pub mod sketch;
pub mod verify;

use super::{ExportContext, ExportSummary, FormatError, Formatter};
use crate::formatter::LineDigest;
use aggregate::Aggregate;
use kt_domain::ExportFormat;
use kt_domain::ParsedEvent;
use serde_json::Value;

/// Version of every report's JSON shape (`schemas/*.schema.json`).
pub const SCHEMA_VERSION: &str = "2.0.0";
/// Version of the mapping from events to legal sections (what counts as what).
pub const MAPPING_VERSION: &str = "2026.2";
pub use crate::BUILD_COMMIT;
/// The date the legal texts were last checked against the mapping.
pub const LEGAL_BASIS_AS_OF: &str = "2026-05-07";

/// One of the three report frameworks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Framework {
    Aesia,
    Aepd,
    Ens,
}

impl Framework {
    pub const ALL: [Framework; 3] = [Self::Aesia, Self::Aepd, Self::Ens];

    pub fn format(self) -> ExportFormat {
        match self {
            Self::Aesia => ExportFormat::ComplianceAesia,
            Self::Aepd => ExportFormat::ComplianceAepd,
            Self::Ens => ExportFormat::ComplianceEns,
        }
    }

    /// The frameworks a compliance format writes (`None` for csv/json).
    pub fn for_format(format: ExportFormat) -> Option<Vec<Framework>> {
        match format {
            ExportFormat::ComplianceAesia => Some(vec![Self::Aesia]),
            ExportFormat::ComplianceAepd => Some(vec![Self::Aepd]),
            ExportFormat::ComplianceEns => Some(vec![Self::Ens]),
            ExportFormat::ComplianceAll => Some(Self::ALL.to_vec()),
            _ => None,
        }
    }
}

/// The formatter for a compliance format (`ctx.format` is one of the four).
pub fn report_formatter(ctx: &ExportContext) -> Box<dyn Formatter> {
    Box::new(ReportFormatter::new(ctx.format))
}

/// Writes nothing per event; aggregates, then writes one report (or the bundle) in `finish`.
pub struct ReportFormatter {
    format: ExportFormat,
    agg: Option<Aggregate>,
    /// Set by `begin`; the readers' renderer computes sample priorities with them.
    seeds: crate::formats::reports::record::Seeds,
}

impl ReportFormatter {
    pub fn new(format: ExportFormat) -> Self {
        Self {
            format,
            agg: None,
            seeds: Default::default(),
        }
    }
}

/// One report as a JSON value (its `generated_at` is `ctx.generated_at`).
pub fn build_report(
    fw: Framework,
    agg: &Aggregate,
    ctx: &ExportContext,
    summary: &ExportSummary,
) -> Value {
    let profile = ctx.report.profile.as_ref();
    let (sections, framework_fields) = match fw {
        Framework::Aesia => (aesia::sections(agg, profile), serde_json::Map::new()),
        Framework::Aepd => (aepd::sections(agg, profile), aepd::envelope_fields()),
        Framework::Ens => (
            ens::sections(agg, summary, profile),
            ens::envelope_fields(profile),
        ),
    };
    envelope::report(fw, agg, ctx, summary, framework_fields, sections)
}

/// The bytes of a JSON document: pretty-printed, keys sorted, trailing newline.
pub fn to_bytes(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).expect("a Value always serialises");
    out.push(b'\n');
    out
}

/// Writes the report (or the bundle) of `format` from a finished aggregate.
pub fn write_reports(
    format: ExportFormat,
    agg: &mut Aggregate,
    ctx: &ExportContext,
    summary: &ExportSummary,
    out: &mut Vec<u8>,
) -> Result<(), FormatError> {
    agg.finalize();
    let frameworks = Framework::for_format(format).unwrap_or_default();
    if format == ExportFormat::ComplianceAll {
        let reports: Vec<(Framework, Value)> = frameworks
            .iter()
            .map(|&fw| (fw, build_report(fw, agg, ctx, summary)))
            .collect();
        bundle::write_bundle(ctx, agg, summary, &reports, out)
            .map_err(|e| FormatError(format!("writing the bundle: {e}")))?;
    } else if let [fw] = frameworks.as_slice() {
        out.extend_from_slice(&to_bytes(&build_report(*fw, agg, ctx, summary)));
    }
    Ok(())
}

/// The frameworks of a compliance format, or a formatting error.
pub fn frameworks_of(format: ExportFormat) -> Result<Vec<Framework>, FormatError> {
    Framework::for_format(format)
        .ok_or_else(|| FormatError(format!("{format} is not a compliance format")))
}

impl Formatter for ReportFormatter {
    fn renderer(&self) -> Option<std::sync::Arc<dyn crate::formatter::EventRenderer>> {
        Some(crate::formats::reports::record::renderer(
            self.seeds.clone(),
        ))
    }

    fn event_rendered(&mut self, record: &[u8], _out: &mut Vec<u8>) -> Result<(), FormatError> {
        crate::formats::reports::record::observe(self.agg.as_mut(), record)
    }

    fn begin(&mut self, ctx: &ExportContext, _out: &mut Vec<u8>) -> Result<(), FormatError> {
        let frameworks = frameworks_of(self.format)?;
        let agg = Aggregate::new(
            ctx.window,
            ctx.tenant_id.as_str(),
            &ctx.pseudonym_key,
            &frameworks,
        );
        record::share_seeds(&self.seeds, &agg)?;
        self.agg = Some(agg);
        Ok(())
    }

    fn event(&mut self, event: &ParsedEvent<'_>, _out: &mut Vec<u8>) -> Result<(), FormatError> {
        let agg = self
            .agg
            .as_mut()
            .ok_or_else(|| FormatError("event before begin".into()))?;
        agg.observe(event);
        Ok(())
    }

    fn finish(
        &mut self,
        ctx: &ExportContext,
        summary: &ExportSummary,
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        let agg = self
            .agg
            .as_mut()
            .ok_or_else(|| FormatError("finish before begin".into()))?;
        write_reports(self.format, agg, ctx, summary, out)
    }

    fn lend_line_digest(&mut self) -> Option<Box<dyn LineDigest>> {
        let digest = self.agg.as_mut()?.lend_digest()?;
        Some(Box::new(RecordDigest(digest)))
    }

    fn take_back_line_digest(&mut self, digest: Box<dyn LineDigest>) {
        if let (Some(agg), Ok(lent)) = (self.agg.as_mut(), digest.into_any().downcast()) {
            let RecordDigest(digest) = *lent;
            agg.take_back_digest(digest);
        }
    }
}

/// The aggregate's events digest while it is lent: fed the readers'
/// records, whose head holds the event's time and line.
struct RecordDigest(aggregate::HourDigest);

impl LineDigest for RecordDigest {
    fn add_rendered(&mut self, record: &[u8]) -> Result<(), FormatError> {
        let (ts_ms, line) = record::time_and_line(record)
            .ok_or_else(|| FormatError("a buffered report record is damaged".into()))?;
        self.0.add(ts_ms, line);
        Ok(())
    }

    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any> {
        self
    }
}
