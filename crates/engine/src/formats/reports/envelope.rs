//! The report envelope shared by the three formats, the section shape, and the report id.
use super::aggregate::Aggregate;
use super::num::iso;
use super::{Framework, LEGAL_BASIS_AS_OF, MAPPING_VERSION, SCHEMA_VERSION};
use crate::formats::{ExportContext, ExportSummary};
use serde_json::{Map, Value, json};

pub const SCOPE_NOTE: &str = "Evidence derived from the gateway event log. It shows that controls operated and what they recorded; it is not a conformity assessment, an audit opinion or legal advice.";

/// What the log shows about a section's control. Never pass/fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The log shows the control operating on the whole population it applies to.
    Evidenced,
    /// The log shows the control operating, with gaps the section lists.
    Partial,
    /// The log does not show the control operating (including: its trigger never occurred).
    NotEvidenced,
    /// The control is not something a gateway log can show.
    OutOfScopeForLog,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Evidenced => "evidenced",
            Self::Partial => "partial",
            Self::NotEvidenced => "not_evidenced",
            Self::OutOfScopeForLog => "out_of_scope_for_log",
        }
    }
}

/// One section of a report, before rendering.
pub struct Section {
    pub key: &'static str,
    pub title: &'static str,
    pub reference: &'static str,
    pub status: Status,
    pub metrics: Value,
    pub evidence: Value,
    pub gaps: Vec<String>,
    /// Framework-specific keys (`legacy_ids`, `related`, ...).
    pub extra: Map<String, Value>,
}

impl Section {
    pub fn new(key: &'static str, title: &'static str, reference: &'static str) -> Self {
        Self {
            key,
            title,
            reference,
            status: Status::NotEvidenced,
            metrics: json!({}),
            evidence: Value::Null,
            gaps: Vec::new(),
            extra: Map::new(),
        }
    }

    pub fn gap(&mut self, s: impl Into<String>) {
        self.gaps.push(s.into());
    }

    fn into_value(self) -> Value {
        let mut m = Map::new();
        m.insert("title".into(), json!(self.title));
        m.insert("reference".into(), json!(self.reference));
        m.insert("status".into(), json!(self.status.as_str()));
        m.insert("metrics".into(), self.metrics);
        m.insert("evidence".into(), self.evidence);
        m.insert("gaps".into(), json!(self.gaps));
        m.extend(self.extra);
        Value::Object(m)
    }
}

/// `tenant|format|window_start/window_end|events_digest`, the name of the report's UUIDv5.
pub fn report_id_name(tenant: &str, format: &str, start: &str, end: &str, digest: &str) -> String {
    format!("{tenant}|{format}|{start}/{end}|{digest}")
}

/// UUIDv5 (URL namespace) of [`report_id_name`]; e.g. in Python:
/// `uuid.uuid5(uuid.NAMESPACE_URL, "acme|compliance-ens|2026-...Z/2026-...Z|sha256:...")`.
pub fn report_id(name: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).to_string()
}

fn framework_json(fw: Framework) -> Value {
    let (id, citation) = match fw {
        Framework::Aesia => (
            "EU-AI-ACT",
            "Regulation (EU) 2024/1689 (Artificial Intelligence Act); supervision in Spain by AESIA",
        ),
        Framework::Aepd => (
            "GDPR-LOPDGDD",
            "Regulation (EU) 2016/679 (GDPR) and Ley Orgánica 3/2018 (LOPDGDD); supervision by the AEPD",
        ),
        Framework::Ens => ("ENS", "Real Decreto 311/2022, Anexo II"),
    };
    json!({
        "id": id,
        "citation": citation,
        "mapping_version": MAPPING_VERSION,
        "legal_basis_as_of": LEGAL_BASIS_AS_OF,
    })
}

/// The whole report: envelope + sections. `framework_fields` are the
/// envelope keys only one framework has (ENS: its category; AEPD: the ENS
/// cross-reference table), supplied by that framework's module so the
/// envelope depends on none of them.
pub fn report(
    fw: Framework,
    agg: &Aggregate,
    ctx: &ExportContext,
    summary: &ExportSummary,
    framework_fields: Map<String, Value>,
    sections: Vec<Section>,
) -> Value {
    let format = fw.format().as_str();
    let (start, end) = (iso(ctx.window.start), iso(ctx.window.end));
    let digest = agg.events_digest();
    let tenant = ctx.tenant_id.as_str();
    let config_versions: Vec<&String> = agg.traffic.configs.map.keys().collect();
    let mut report = json!({
        "format": format,
        "schema_version": SCHEMA_VERSION,
        "framework": framework_json(fw),
        "report_id": report_id(&report_id_name(tenant, format, &start, &end, &digest)),
        "tenant_id": tenant,
        "period": {"start": start, "end": end, "timezone": ctx.window.timezone.name()},
        "generated_at": iso(ctx.generated_at),
        "generator": {"name": "kt-exports", "version": kt_domain::VERSION},
        "source": {
            "event_count": agg.count,
            "first_event_id": agg.first_event_id,
            "last_event_id": agg.last_event_id,
            "events_digest": digest,
            "events_digest_rule": "SHA-256 over each exported event's raw line followed by \\n, in export order (ts, event_id)",
            "config_versions": config_versions,
            "config_versions_truncated": agg.traffic.configs.is_capped(),
            "rejected_lines": summary.stats.rejected_lines,
            "duplicates_removed": summary.stats.duplicates_removed,
        },
        "scope_note": SCOPE_NOTE,
    });
    if let Value::Object(envelope) = &mut report {
        envelope.extend(framework_fields);
    }
    let sections: Map<String, Value> = sections
        .into_iter()
        .map(|s| (s.key.to_string(), s.into_value()))
        .collect();
    json!({"report": report, "sections": sections})
}
