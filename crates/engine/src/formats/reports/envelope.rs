//! The report envelope shared by the three formats, the section shape, and the report id.
use super::aggregate::Aggregate;
use super::head;
use super::num::iso;
use super::{Framework, LEGAL_BASIS_AS_OF, MAPPING_VERSION, SCHEMA_VERSION};
use crate::formats::{ExportContext, ExportSummary};
use serde_json::{Map, Value, json};

pub const SCOPE_NOTE: &str = "Evidence derived from the gateway event log. It shows that controls operated and what they recorded; it is not a conformity assessment, an audit opinion or legal advice.";

pub use super::doc::Status;
use super::doc::{Applicability, Declaration, Evidence, SectionDoc};

/// One section of a report, before rendering.
pub struct Section {
    pub key: &'static str,
    pub title: &'static str,
    pub reference: &'static str,
    pub status: Status,
    /// Built from the section's metrics type (see [`Section::set_metrics`]).
    pub metrics: Value,
    pub evidence: Evidence,
    pub gaps: Vec<String>,
    /// The tenant's declarations the status relies on, cited.
    pub declarations: Vec<Declaration>,
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
            evidence: Evidence::none(),
            gaps: Vec::new(),
            declarations: Vec::new(),
            extra: Map::new(),
        }
    }

    /// The section's figures, from the type its schema is derived from.
    pub fn set_metrics<M: serde::Serialize>(&mut self, metrics: M) {
        self.metrics = serde_json::to_value(metrics).expect("metrics always serialise");
    }

    pub fn gap(&mut self, s: impl Into<String>) {
        self.gaps.push(s.into());
    }

    /// Cites the profile's `field` (e.g. `providers[0].dpa_ref`) at `version`.
    pub fn declare(&mut self, version: u64, field: impl Into<String>, value: Value) {
        self.declarations.push(Declaration {
            profile_version: version,
            field: field.into(),
            value,
        });
    }

    fn into_value(self, applicability: Applicability) -> Value {
        let doc = SectionDoc {
            title: self.title.to_string(),
            reference: self.reference.to_string(),
            status: self.status,
            metrics: self.metrics,
            evidence: self.evidence,
            gaps: self.gaps,
            declarations: self.declarations,
            applicability,
            extra: self.extra,
        };
        serde_json::to_value(doc).expect("a section always serialises")
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

fn framework_ref(fw: Framework) -> head::FrameworkRef {
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
    head::FrameworkRef {
        id: id.into(),
        citation: citation.into(),
        mapping_version: MAPPING_VERSION.into(),
        legal_basis_as_of: LEGAL_BASIS_AS_OF.into(),
    }
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
    let mut config_versions: Vec<String> =
        agg.traffic.configs.keys().into_iter().cloned().collect();
    config_versions.sort_by(|a, b| super::num::natural_cmp(a, b));
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
    let report = head::Envelope {
        format: format.into(),
        schema_version: SCHEMA_VERSION.into(),
        framework: framework_ref(fw),
        report_id: id,
        tenant_id: tenant.into(),
        period: head::Period {
            start,
            end,
            timezone: ctx.window.timezone.name().into(),
        },
        generated_at: iso(ctx.generated_at),
        generator: head::Generator::current(),
        source: head::Source {
            event_count: agg.count,
            first_event_id: agg.first_event_id.clone(),
            last_event_id: agg.last_event_id.clone(),
            events_digest: digest,
            events_digest_rule: super::aggregate::EVENTS_DIGEST_RULE.into(),
            config_versions,
            config_versions_truncated: agg.traffic.configs.is_capped(),
            rejected_lines: summary.stats.rejected_lines,
            duplicates_removed: summary.stats.duplicates_removed,
        },
        scope_note: SCOPE_NOTE.into(),
        profile: match profile {
            Some(p) => head::ProfileRef {
                status: head::ProfileStatus::Declared,
                version: Some(p.version),
                updated_at: Some(iso(p.updated_at)),
            },
            None => head::ProfileRef {
                status: head::ProfileStatus::NotDeclared,
                version: None,
                updated_at: None,
            },
        },
        provenance: super::provenance::provenance(fw, agg, ctx, summary),
        status_legend: status_legend(),
        extra: framework_fields,
    };
    let report = serde_json::to_value(report).expect("the envelope always serialises");
    let sections: Map<String, Value> = sections
        .into_iter()
        .map(|mut s| {
            let (applicability, gap) = super::applicability::render(fw, s.key, &ctx.window);
            if let Some(g) = gap {
                s.gap(g);
            }
            (s.key.to_string(), s.into_value(applicability))
        })
        .collect();
    json!({"report": report, "sections": sections})
}

/// What each status means, in every report (the HTML shows it as the legend).
pub fn status_legend() -> head::StatusLegend {
    head::StatusLegend {
        evidenced: "the log shows the control operating on the whole population it applies to; where the rule needs something only the tenant can state, the section cites the tenant's declaration".into(),
        partial: "the log shows the control operating, with the gaps the section lists".into(),
        not_evidenced: "the log does not show the control operating, including when its trigger never occurred".into(),
        out_of_scope_for_log: "not something a gateway log can show; the section says where that evidence lives".into(),
    }
}
