//! The tenant's compliance profile: what only the tenant can declare (its ENS
//! category, approved providers and regions, notifications made, ...).
//!
//! Every section and field is optional; what is absent is "not declared" and
//! is never defaulted. Unknown fields and values are refused, naming the field
//! (`ens.category`, `providers[0].transfer_basis`), so a typo cannot silently
//! become "not declared". Reports quote declarations with the profile version.
use super::ExportFormat;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

mod parse;
mod wording;
pub use parse::{parse_profile, parse_profile_view};

/// Longest free-text value (references, names), in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// Most entries in any list of the profile.
pub const MAX_LIST: usize = 200;

/// The whole profile body of `PUT /v1/compliance-profile`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplianceProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ens: Option<EnsDeclaration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub providers: Option<Vec<ProviderDeclaration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_systems: Option<Vec<AiSystem>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Vec<Notification>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<SecurityMeasures>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleDeclaration>,
}

/// ENS category of the system (RD 311/2022, Anexo I).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EnsCategory {
    #[serde(rename = "BASICA")]
    Basica,
    #[serde(rename = "MEDIA")]
    Media,
    #[serde(rename = "ALTA")]
    Alta,
}

impl EnsCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basica => "BASICA",
            Self::Media => "MEDIA",
            Self::Alta => "ALTA",
        }
    }
}

/// A security dimension's level (RD 311/2022, Anexo I).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DimensionLevel {
    #[serde(rename = "BAJO")]
    Bajo,
    #[serde(rename = "MEDIO")]
    Medio,
    #[serde(rename = "ALTO")]
    Alto,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsDeclaration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<EnsCategory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<EnsDimensions>,
}

/// Confidentiality, Integrity, Traceability, Authenticity, Availability.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsDimensions {
    #[serde(rename = "C", default, skip_serializing_if = "Option::is_none")]
    pub c: Option<DimensionLevel>,
    #[serde(rename = "I", default, skip_serializing_if = "Option::is_none")]
    pub i: Option<DimensionLevel>,
    #[serde(rename = "T", default, skip_serializing_if = "Option::is_none")]
    pub t: Option<DimensionLevel>,
    #[serde(rename = "A", default, skip_serializing_if = "Option::is_none")]
    pub a: Option<DimensionLevel>,
    #[serde(rename = "D", default, skip_serializing_if = "Option::is_none")]
    pub d: Option<DimensionLevel>,
}

/// The legal basis of a transfer outside the EEA (GDPR Chapter V).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransferBasis {
    /// Art. 45 adequacy decision for the destination country.
    #[serde(rename = "adequacy")]
    Adequacy,
    /// Art. 46(2)(c) standard contractual clauses.
    #[serde(rename = "SCC")]
    Scc,
    /// EU-US Data Privacy Framework certification (adequacy decision of 10 July 2023).
    #[serde(rename = "DPF")]
    Dpf,
}

impl TransferBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Adequacy => "adequacy",
            Self::Scc => "SCC",
            Self::Dpf => "DPF",
        }
    }
}

/// A model provider the tenant approved, where, and on what terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderDeclaration {
    pub provider: String,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_basis: Option<TransferBasis>,
    /// Reference of the data processing agreement (GDPR Art. 28(3)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpa_ref: Option<String>,
    /// Certifications relied on for cloud services (ENS op.nub.1), e.g. "ENS ALTA", "ISO/IEC 27001".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certifications: Vec<String>,
}

/// The tenant's role for an AI system (AI Act Art. 3(3)-(4)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AiRole {
    Provider,
    Deployer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AiSystem {
    pub name: String,
    /// Annex III point (e.g. "4(a)"), or "none" when not high-risk.
    pub annex_iii: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<AiRole>,
}

/// The authority a notification went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Authority {
    /// Agencia Española de Protección de Datos (GDPR Art. 33).
    #[serde(rename = "AEPD")]
    Aepd,
    /// CCN-CERT (ENS, RD 311/2022 art. 33).
    #[serde(rename = "CCN-CERT")]
    CcnCert,
    /// The market surveillance authority (AI Act Art. 73), in Spain AESIA.
    #[serde(rename = "market_surveillance")]
    MarketSurveillance,
}

impl Authority {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aepd => "AEPD",
            Self::CcnCert => "CCN-CERT",
            Self::MarketSurveillance => "market_surveillance",
        }
    }
}

/// What the tenant did about a candidate the log flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationOutcome {
    /// Notified to the authority.
    Notified,
    /// Assessed by people and found not to require notification.
    AssessedNotNotifiable,
}

impl NotificationOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notified => "notified",
            Self::AssessedNotNotifiable => "assessed_not_notifiable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    pub authority: Authority,
    pub outcome: NotificationOutcome,
    /// The authority's or the tenant's reference.
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// The candidate, incident or event ids of the reports it answers.
    #[serde(default)]
    pub covers: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Days the tenant's policy keeps the gateway log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_ref: Option<String>,
    /// Days the tenant's compliance exports are kept under Object Lock when
    /// a request does not say (at most [`crate::MAX_RETENTION_DAYS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_days: Option<u32>,
}

/// References to measures that live outside the log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityMeasures {
    /// GDPR Art. 32(1)(a)-(d): encryption, resilience, testing (document reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measures_ref: Option<String>,
    /// ENS op.mon.1: the intrusion-detection system in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intrusion_detection: Option<String>,
    /// ENS op.acc.4: the access-rights management process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_rights_process: Option<String>,
}

/// The tenant's quarterly evidence export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleDeclaration {
    pub enabled: bool,
    /// Compliance formats; default `["compliance-all"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formats: Option<Vec<ExportFormat>>,
    /// IANA zone the quarter is read in; default `UTC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<u32>,
}

impl ScheduleDeclaration {
    /// Each format once, in the declared order; `["compliance-all"]` when
    /// none is. A PUT refuses `[]` and repeats, but a profile stored before
    /// it did may still hold them.
    pub fn formats(&self) -> Vec<ExportFormat> {
        let mut formats: Vec<ExportFormat> = Vec::new();
        for f in self.formats.iter().flatten() {
            if !formats.contains(f) {
                formats.push(*f);
            }
        }
        if formats.is_empty() {
            formats.push(ExportFormat::ComplianceAll);
        }
        formats
    }
    pub fn timezone(&self) -> Tz {
        self.timezone
            .as_deref()
            .and_then(|z| z.parse().ok())
            .unwrap_or(chrono_tz::UTC)
    }
}

/// A stored profile: the body, its version (1, 2, ...) and who set it when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionedProfile {
    pub version: u64,
    pub updated_at: DateTime<Utc>,
    pub profile: ComplianceProfile,
}

/// One invalid field of a profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ProfileError {
    pub field: String,
    pub message: String,
}

impl ComplianceProfile {
    /// The declared ENS category, if any.
    pub fn ens_category(&self) -> Option<EnsCategory> {
        self.ens.as_ref().and_then(|e| e.category)
    }

    /// The declaration of `provider` (case-insensitive), if any.
    pub fn provider(&self, provider: &str) -> Option<&ProviderDeclaration> {
        self.providers
            .iter()
            .flatten()
            .find(|p| p.provider.eq_ignore_ascii_case(provider))
    }

    /// Notifications to `authority` that cover `id`.
    pub fn notification_for(&self, authority: Authority, id: &str) -> Option<&Notification> {
        self.notifications
            .iter()
            .flatten()
            .find(|n| n.authority == authority && n.covers.iter().any(|c| c == id))
    }
}

#[cfg(test)]
mod tests;
