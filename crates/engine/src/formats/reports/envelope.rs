//! The report envelope shared by the three formats, the section shape, and the report id.
use super::aggregate::Aggregate;
use super::num::iso;
use super::{BUILD_COMMIT, Framework, LEGAL_BASIS_AS_OF, MAPPING_VERSION, SCHEMA_VERSION};
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
    /// The tenant's declarations the status relies on, cited.
    pub declarations: Vec<Value>,
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
            declarations: Vec::new(),
            extra: Map::new(),
        }
    }

    pub fn gap(&mut self, s: impl Into<String>) {
        self.gaps.push(s.into());
    }

    /// Cites the profile's `field` (e.g. `providers[0].dpa_ref`) at `version`.
    pub fn declare(&mut self, version: u64, field: impl Into<String>, value: Value) {
        self.declarations.push(json!({
            "profile_version": version,
            "field": field.into(),
            "value": value,
        }));
    }

    fn into_value(self) -> Value {
        let mut m = Map::new();
        m.insert("title".into(), json!(self.title));
        m.insert("reference".into(), json!(self.reference));
        m.insert("status".into(), json!(self.status.as_str()));
        m.insert("metrics".into(), self.metrics);
        m.insert("evidence".into(), self.evidence);
        m.insert("gaps".into(), json!(self.gaps));
        m.insert("declarations".into(), json!(self.declarations));
        m.extend(self.extra);
        Value::Object(m)
    }
}

/// What a report id names: the data, the mapping and shape, and the declarations.
pub struct ReportIdParts<'a> {
    pub tenant: &'a str,
    pub format: &'a str,
    pub start: &'a str,
    pub end: &'a str,
    pub digest: &'a str,
    pub mapping_version: &'a str,
    pub schema_version: &'a str,
    /// The profile version, or `none`.
    pub profile_version: &'a str,
}

/// `tenant|format|start/end|digest|mapping|schema|profile`, the name of the report's UUIDv5.
pub fn report_id_name(p: &ReportIdParts<'_>) -> String {
    format!(
        "{}|{}|{}/{}|{}|{}|{}|{}",
        p.tenant,
        p.format,
        p.start,
        p.end,
        p.digest,
        p.mapping_version,
        p.schema_version,
        p.profile_version
    )
}

/// The [`report_id_name`] a rendered report's envelope states (for verifiers).
pub fn report_id_name_of(rep: &Value) -> String {
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "none".to_string(),
        other => other.to_string(),
    };
    let parts = [
        s(&rep["tenant_id"]),
        s(&rep["format"]),
        s(&rep["period"]["start"]),
        s(&rep["period"]["end"]),
        s(&rep["source"]["events_digest"]),
        s(&rep["framework"]["mapping_version"]),
        s(&rep["schema_version"]),
        s(&rep["profile"]["version"]),
    ];
    report_id_name(&ReportIdParts {
        tenant: &parts[0],
        format: &parts[1],
        start: &parts[2],
        end: &parts[3],
        digest: &parts[4],
        mapping_version: &parts[5],
        schema_version: &parts[6],
        profile_version: &parts[7],
    })
}

/// UUIDv5 (URL namespace) of [`report_id_name`]; e.g. in Python:
/// `uuid.uuid5(uuid.NAMESPACE_URL, "acme|compliance-ens|2026-...Z/2026-...Z|sha256:...|2026.2|2.0.0|3")`.
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
    let profile = ctx.report.profile.as_ref();
    let profile_version = profile.map_or("none".to_string(), |p| p.version.to_string());
    let id = report_id(&report_id_name(&ReportIdParts {
        tenant,
        format,
        start: &start,
        end: &end,
        digest: &digest,
        mapping_version: MAPPING_VERSION,
        schema_version: SCHEMA_VERSION,
        profile_version: &profile_version,
    }));
    let mut report = json!({
        "format": format,
        "schema_version": SCHEMA_VERSION,
        "framework": framework_json(fw),
        "report_id": id,
        "tenant_id": tenant,
        "period": {"start": start, "end": end, "timezone": ctx.window.timezone.name()},
        "generated_at": iso(ctx.generated_at),
        "generator": {"name": "kt-exports", "version": kt_domain::VERSION, "build_commit": BUILD_COMMIT},
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
        "profile": match profile {
            Some(p) => json!({"status": "declared", "version": p.version, "updated_at": iso(p.updated_at)}),
            None => json!({"status": "not_declared", "version": null, "updated_at": null}),
        },
        "provenance": super::provenance::provenance(fw, agg, ctx, summary),
        "status_legend": status_legend(),
    });
    if let Value::Object(envelope) = &mut report {
        envelope.extend(framework_fields);
    }
    let sections: Map<String, Value> = sections
        .into_iter()
        .map(|mut s| {
            let (applicability, gap) = super::applicability::render(fw, s.key, &ctx.window);
            if let Some(g) = gap {
                s.gap(g);
            }
            s.extra.insert("applicability".into(), applicability);
            (s.key.to_string(), s.into_value())
        })
        .collect();
    json!({"report": report, "sections": sections})
}

/// What each status means, in every report (the HTML shows it as the legend).
pub fn status_legend() -> Value {
    json!({
        "evidenced": "the log shows the control operating on the whole population it applies to; where the rule needs something only the tenant can state, the section cites the tenant's declaration",
        "partial": "the log shows the control operating, with the gaps the section lists",
        "not_evidenced": "the log does not show the control operating, including when its trigger never occurred",
        "out_of_scope_for_log": "not something a gateway log can show; the section says where that evidence lives",
    })
}
