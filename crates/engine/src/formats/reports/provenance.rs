//! Where a report's figures come from: the job, what was read and refused,
//! the build, the pseudonymisation key id and how to recompute the samples.
use super::aggregate::Aggregate;
use super::counters::clip;
use super::num::iso;
use super::sample::{EVIDENCE_CAP, SAMPLE_METHOD};
use super::{BUILD_COMMIT, Framework, MAPPING_VERSION, SCHEMA_VERSION};
use crate::formats::{ExportContext, ExportSummary};
use kt_domain::MAX_REJECTED_SAMPLES;
use serde_json::{Value, json};

pub const REPORT_ID_RULE: &str = "UUIDv5 (URL namespace) of tenant|format|window_start/window_end|events_digest|mapping_version|schema_version|profile_version (profile_version `none` when no profile is declared)";

pub const PSEUDONYMISATION_METHOD: &str = "tenant key = HMAC-SHA-256(service key, tenant_id); pseudonym = ps_ + the first 16 hex characters of HMAC-SHA-256(tenant key, user id)";

pub const SAMPLE_RECOMPUTE: &str = "for each id in the section's population, compute SHA-256(seed + \"|\" + id), read its first 8 bytes as a big-endian integer, and keep the 25 smallest; the result does not depend on event order";

pub fn provenance(
    fw: Framework,
    agg: &Aggregate,
    ctx: &ExportContext,
    summary: &ExportSummary,
) -> Value {
    let st = &summary.stats;
    let samples: Vec<Value> = st
        .rejected_samples
        .iter()
        .map(|r| json!({"object": clip(&r.object), "line": r.line, "reason": clip(&r.reason)}))
        .collect();
    json!({
        "job": {
            "id": ctx.job_id.as_ref().map(|j| j.as_str()),
            "label": ctx.report.label.as_deref().map(clip),
        },
        "reading": {
            "objects_listed": ctx.sources.objects,
            "bytes_listed": ctx.sources.bytes,
            "listing_digest": ctx.sources.listing_digest,
            "listing_cutoff": ctx.sources.listed_at.map(iso),
            "listing_cutoff_rule": "objects written to the lake after this time are not in the export",
            "objects_read": st.objects_read,
            "objects_skipped": st.objects_skipped,
            "bytes_read": st.bytes_read,
            "lines_read": st.lines_read,
            "rejected_lines": st.rejected_lines,
            "rejected_samples": samples,
            "rejected_samples_rule": format!("the first {MAX_REJECTED_SAMPLES} rejected lines in reading order (object, 1-based line, reason)"),
            "duplicates_removed": st.duplicates_removed,
            "events_exported": agg.count,
        },
        "generator": {"name": "kt-exports", "version": kt_domain::VERSION, "build_commit": BUILD_COMMIT},
        "versions": {
            "schema_version": SCHEMA_VERSION,
            "mapping_version": MAPPING_VERSION,
            "report_id_rule": REPORT_ID_RULE,
        },
        "pseudonymisation": {
            "method": PSEUDONYMISATION_METHOD,
            "key_id": agg.pseudo.key_id(),
        },
        "sampling": {
            "method": SAMPLE_METHOD,
            "seed": agg.samples.seed(fw),
            "cap": EVIDENCE_CAP,
            "recompute": SAMPLE_RECOMPUTE,
        },
    })
}
