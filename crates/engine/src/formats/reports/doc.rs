//! The typed shape of a report: the envelope, a section and the parts many
//! sections share. The reports are built from these types and
//! `schemas/*.schema.json` are derived from them ([`super::schema`]), so a
//! schema cannot drift from what is written.
//!
//! Conventions the derived schemas rely on: every field is always written
//! (`null` when unknown) unless it carries `x-optional`; objects take no
//! other keys.
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// What the log shows about a section's control. Never pass/fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
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
    pub const ALL: [Status; 4] = [
        Self::Evidenced,
        Self::Partial,
        Self::NotEvidenced,
        Self::OutOfScopeForLog,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Evidenced => "evidenced",
            Self::Partial => "partial",
            Self::NotEvidenced => "not_evidenced",
            Self::OutOfScopeForLog => "out_of_scope_for_log",
        }
    }
}

/// `p50`/`p95` of a duration or size; exact for small counts, else a
/// sketch that states its error bound.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Quantiles {
    pub count: u64,
    pub p50: Option<i64>,
    pub p95: Option<i64>,
    pub method: QuantileMethod,
    /// Only for `log_bucket_sketch`: the relative error of each quantile.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-optional" = true))]
    pub relative_error_bound: Option<f64>,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuantileMethod {
    ExactNearestRank,
    LogBucketSketch,
}

/// Distinct values, exact up to a cap; beyond it `count` is a lower bound.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Distinct {
    pub count: u64,
    pub at_least: bool,
}

/// Counts by a key (a category, type, risk level...); `(other)` holds what
/// did not fit under the key cap.
pub type Counts = BTreeMap<String, u64>;

/// Counts by a pseudonymised actor: `ps_` + 16 hex, `(none)` or `(other)`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct ActorCounts(pub Counts);

impl JsonSchema for ActorCounts {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ActorCounts".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "propertyNames": {"pattern": "^(ps_[0-9a-f]{16}|\\(none\\)|\\(other\\))$"},
            "additionalProperties": {"type": "integer", "minimum": 0}
        })
    }
}

/// A pseudonymised actor and a count.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ActorCount {
    /// `ps_` + 16 hex characters.
    #[schemars(regex(pattern = r"^ps_[0-9a-f]{16}$"))]
    pub actor: String,
    #[schemars(range(min = 1))]
    pub count: u64,
}

/// The ids a section shows, and how they were chosen.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Evidence {
    #[schemars(length(max = 25))]
    pub event_ids: Vec<String>,
    #[schemars(length(max = 25))]
    pub escalation_ids: Vec<String>,
    #[schemars(length(max = 25))]
    pub incident_ids: Vec<String>,
    pub selection: Selection,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Selection {
    pub method: SelectionMethod,
    pub seed: String,
    pub population: u64,
    #[schemars(range(max = 25))]
    pub n: u64,
    pub escalation_population: u64,
    pub incident_population: u64,
    pub rule: String,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SelectionMethod {
    BottomKSha256,
    None,
}

impl Evidence {
    /// For a section with nothing to sample.
    pub fn none() -> Self {
        Self {
            event_ids: vec![],
            escalation_ids: vec![],
            incident_ids: vec![],
            selection: Selection {
                method: SelectionMethod::None,
                seed: String::new(),
                population: 0,
                n: 0,
                escalation_population: 0,
                incident_population: 0,
                rule: "no event of the log bears on this section".into(),
            },
        }
    }
}

/// A declaration of the tenant's compliance profile a section relies on.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Declaration {
    #[schemars(range(min = 1))]
    pub profile_version: u64,
    /// The profile field, e.g. `providers[0].dpa_ref`.
    pub field: String,
    pub value: Value,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    Provider,
    Deployer,
    Controller,
    Processor,
    ResponsibleEntity,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppliesDuringPeriod {
    WholePeriod,
    PartOfPeriod,
    NotYet,
}

/// Who holds the obligation and from when it applies.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Applicability {
    #[schemars(length(min = 1))]
    pub holders: Vec<Holder>,
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    pub applies_from: String,
    pub applies_during_period: AppliesDuringPeriod,
    pub note: String,
}

/// One section as written. `M` is its metrics, `X` the keys only one
/// framework's sections have (ENS `legacy_ids`, AEPD `related_ens`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(rename = "Section_{M}")]
pub struct SectionDoc<M, X> {
    #[schemars(length(min = 1))]
    pub title: String,
    #[schemars(length(min = 1))]
    pub reference: String,
    pub status: Status,
    pub metrics: M,
    pub evidence: Evidence,
    /// What the section does not claim; never empty.
    #[schemars(length(min = 1))]
    pub gaps: Vec<String>,
    pub declarations: Vec<Declaration>,
    pub applicability: Applicability,
    #[serde(flatten)]
    pub extra: X,
}

/// No framework-specific section keys (AI Act).
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct NoExtra {}

/// ENS sections name the RD 3/2010 identifiers they replace.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct EnsExtra {
    pub legacy_ids: Vec<String>,
}

/// AEPD sections name the ENS sections they rely on (LOPDGDD DA 1ª).
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct AepdExtra {
    pub related_ens: Vec<String>,
}

/// A section with no figures (out of scope for the log).
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct NoMetrics {}
