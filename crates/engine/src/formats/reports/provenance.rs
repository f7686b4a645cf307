//! Where a report's figures come from: the job, what was read and refused,
//! the build, the pseudonymisation key id and how to recompute the samples.
use super::aggregate::Aggregate;
use super::counters::clip;
use super::doc::SelectionMethod;
use super::head;
use super::num::iso;
use super::sample::EVIDENCE_CAP;
use super::{Framework, MAPPING_VERSION, SCHEMA_VERSION};
use crate::formats::{ExportContext, ExportSummary};
use kt_domain::MAX_REJECTED_SAMPLES;

pub const REPORT_ID_RULE: &str = "UUIDv5 (URL namespace) of tenant|format|window_start/window_end|events_digest|mapping_version|schema_version|profile_version (profile_version `none` when no profile is declared)";

pub const PSEUDONYMISATION_METHOD: &str = "tenant key = HMAC-SHA-256(service key, tenant_id); pseudonym = ps_ + the first 16 hex characters of HMAC-SHA-256(tenant key, user id)";

pub const SAMPLE_RECOMPUTE: &str = "for each id in the section's population, compute SHA-256(seed + \"|\" + id), read its first 8 bytes as a big-endian integer, and keep the 25 smallest; the result does not depend on event order";

pub fn provenance(
    fw: Framework,
    agg: &Aggregate,
    ctx: &ExportContext,
    summary: &ExportSummary,
) -> head::Provenance {
    let st = &summary.stats;
    let rejected_samples = st
        .rejected_samples
        .iter()
        .map(|r| head::RejectedSample {
            object: clip(&r.object).to_string(),
            line: r.line,
            reason: clip(&r.reason).to_string(),
        })
        .collect();
    head::Provenance {
        job: head::JobRef {
            id: ctx.job_id.as_ref().map(|j| j.as_str().to_string()),
            label: ctx.report.label.as_deref().map(|l| clip(l).to_string()),
        },
        reading: head::Reading {
            objects_listed: ctx.sources.objects,
            bytes_listed: ctx.sources.bytes,
            listing_digest: ctx.sources.listing_digest.clone(),
            listing_cutoff: ctx.sources.listed_at.map(iso),
            listing_cutoff_rule:
                "objects written to the lake after this time are not in the export".into(),
            objects_read: st.objects_read,
            objects_skipped: st.objects_skipped,
            bytes_read: st.bytes_read,
            lines_read: st.lines_read,
            rejected_lines: st.rejected_lines,
            rejected_samples,
            rejected_samples_rule: format!(
                "the first {MAX_REJECTED_SAMPLES} rejected lines in reading order (object, 1-based line, reason)"
            ),
            duplicates_removed: st.duplicates_removed,
            events_exported: agg.count,
        },
        generator: head::Generator::current(),
        versions: head::Versions {
            schema_version: SCHEMA_VERSION.into(),
            mapping_version: MAPPING_VERSION.into(),
            report_id_rule: REPORT_ID_RULE.into(),
        },
        pseudonymisation: head::Pseudonymisation {
            method: PSEUDONYMISATION_METHOD.into(),
            key_id: agg.pseudo.key_id(),
        },
        sampling: head::Sampling {
            method: SelectionMethod::BottomKSha256,
            seed: agg.samples.seed(fw).to_string(),
            cap: EVIDENCE_CAP as u64,
            recompute: SAMPLE_RECOMPUTE.into(),
        },
    }
}
