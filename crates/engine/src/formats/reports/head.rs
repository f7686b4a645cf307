//! The typed report envelope (`report` in every report): what was exported,
//! by which build, under which mapping and declarations. The schemas'
//! envelope is derived from these types.
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// The `report` object. `X` holds the keys only one framework has.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Envelope<X> {
    pub format: String,
    pub schema_version: String,
    pub framework: FrameworkRef,
    #[schemars(regex(
        pattern = r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
    ))]
    pub report_id: String,
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9-]{1,62}$"))]
    pub tenant_id: String,
    pub period: Period,
    #[schemars(extend("format" = "date-time"))]
    pub generated_at: String,
    pub generator: Generator,
    pub source: Source,
    #[schemars(length(min = 1))]
    pub scope_note: String,
    pub profile: ProfileRef,
    pub provenance: Provenance,
    pub status_legend: StatusLegend,
    #[serde(flatten)]
    pub extra: X,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FrameworkRef {
    pub id: String,
    pub citation: String,
    #[schemars(regex(pattern = r"^[0-9]{4}\.[0-9]+$"))]
    pub mapping_version: String,
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    pub legal_basis_as_of: String,
}

/// The window, half-open, in UTC, and the timezone its days were cut in.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Period {
    #[schemars(extend("format" = "date-time"))]
    pub start: String,
    #[schemars(extend("format" = "date-time"))]
    pub end: String,
    #[schemars(length(min = 1))]
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Generator {
    pub name: String,
    pub version: String,
    pub build_commit: String,
}

impl Generator {
    /// The build that writes the report.
    pub fn current() -> Self {
        Self {
            name: "kt-exports".into(),
            version: kt_domain::VERSION.into(),
            build_commit: super::BUILD_COMMIT.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Source {
    pub event_count: u64,
    pub first_event_id: Option<String>,
    pub last_event_id: Option<String>,
    #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"))]
    pub events_digest: String,
    pub events_digest_rule: String,
    #[schemars(extend("uniqueItems" = true))]
    pub config_versions: Vec<String>,
    pub config_versions_truncated: bool,
    pub rejected_lines: u64,
    pub duplicates_removed: u64,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProfileStatus {
    Declared,
    NotDeclared,
}

/// The compliance profile version the report used, if any.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ProfileRef {
    pub status: ProfileStatus,
    #[schemars(range(min = 1))]
    pub version: Option<u64>,
    #[schemars(extend("format" = "date-time"))]
    pub updated_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Provenance {
    pub job: JobRef,
    pub reading: Reading,
    pub generator: Generator,
    pub versions: Versions,
    pub pseudonymisation: Pseudonymisation,
    pub sampling: Sampling,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JobRef {
    pub id: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Reading {
    pub objects_listed: u64,
    pub bytes_listed: u64,
    pub listing_digest: String,
    #[schemars(extend("format" = "date-time"))]
    pub listing_cutoff: Option<String>,
    pub listing_cutoff_rule: String,
    pub objects_read: u64,
    pub objects_skipped: u64,
    pub bytes_read: u64,
    pub lines_read: u64,
    pub rejected_lines: u64,
    #[schemars(length(max = 20))]
    pub rejected_samples: Vec<RejectedSample>,
    pub rejected_samples_rule: String,
    pub duplicates_removed: u64,
    pub events_exported: u64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RejectedSample {
    pub object: String,
    /// 1-based.
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Versions {
    pub schema_version: String,
    pub mapping_version: String,
    pub report_id_rule: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Pseudonymisation {
    pub method: String,
    #[schemars(regex(pattern = r"^pk_[0-9a-f]{16}$"))]
    pub key_id: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Sampling {
    pub method: super::doc::SelectionMethod,
    pub seed: String,
    pub cap: u64,
    pub recompute: String,
}

/// What each status means, in words, in every report.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StatusLegend {
    pub evidenced: String,
    pub partial: String,
    pub not_evidenced: String,
    pub out_of_scope_for_log: String,
}

/// No framework-specific envelope keys (AI Act).
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct AesiaHead {}

/// The ENS category and dimensions, from the tenant's profile.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EnsHead {
    pub ens_category: EnsCategoryOrNot,
    pub ens_dimensions: EnsDimensionsOrNot,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub enum EnsCategoryOrNot {
    #[serde(rename = "BASICA")]
    Basica,
    #[serde(rename = "MEDIA")]
    Media,
    #[serde(rename = "ALTA")]
    Alta,
    #[serde(rename = "not_declared")]
    NotDeclared,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum EnsDimensionsOrNot {
    Declared(EnsDimensions),
    NotDeclared(NotDeclared),
}

/// The literal `"not_declared"`.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub enum NotDeclared {
    #[serde(rename = "not_declared")]
    NotDeclared,
}

/// RD 311/2022 Anexo I dimensions, as declared (absent ones are omitted).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EnsDimensions {
    #[serde(rename = "C", skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-optional" = true))]
    pub c: Option<Level>,
    #[serde(rename = "I", skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-optional" = true))]
    pub i: Option<Level>,
    #[serde(rename = "T", skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-optional" = true))]
    pub t: Option<Level>,
    #[serde(rename = "A", skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-optional" = true))]
    pub a: Option<Level>,
    #[serde(rename = "D", skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-optional" = true))]
    pub d: Option<Level>,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub enum Level {
    #[serde(rename = "BAJO")]
    Bajo,
    #[serde(rename = "MEDIO")]
    Medio,
    #[serde(rename = "ALTO")]
    Alto,
}

/// AEPD reports name the ENS sections public-sector controllers rely on.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AepdHead {
    pub ens_cross_references: EnsCrossReferences,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EnsCrossReferences {
    pub basis: String,
    pub report_format: String,
    pub sections: BTreeMap<String, Vec<String>>,
}
