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
    pub fn formats(&self) -> Vec<ExportFormat> {
        self.formats
            .clone()
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| vec![ExportFormat::ComplianceAll])
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

/// Parses a profile body, naming the field of the first error.
pub fn parse_profile(body: &[u8]) -> Result<ComplianceProfile, ProfileError> {
    if !body.trim_ascii_start().starts_with(b"{") {
        return Err(ProfileError {
            field: "body".into(),
            message: "must be a JSON object".into(),
        });
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    let profile: ComplianceProfile = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = clean_serde_message(&inner.to_string());
        // For an unknown field the path names the parent; the message names the field.
        let field = match unknown_field_name(&message) {
            Some(name) if path == "." => name,
            Some(name) if path == name || path.ends_with(&format!(".{name}")) => path,
            Some(name) => format!("{path}.{name}"),
            None if path == "." => "body".to_string(),
            None => path,
        };
        ProfileError { field, message }
    })?;
    profile.validate()?;
    Ok(profile)
}

/// Reads a profile as `GET /v1/compliance-profile` answers it (its
/// `version`, `updated_at` and `profile`; other fields ignored), e.g. a file an
/// auditor saved. `Ok(None)`: the tenant has never set one (`version` null).
pub fn parse_profile_view(body: &[u8]) -> Result<Option<VersionedProfile>, ProfileError> {
    let error = |field: &str, message: &str| ProfileError {
        field: field.into(),
        message: message.into(),
    };
    let view: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| error("body", "must be a JSON object"))?;
    let version = match view.get("version") {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| error("version", "must be a positive integer"))?,
    };
    let updated_at = view
        .get("updated_at")
        .and_then(|t| t.as_str())
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .ok_or_else(|| error("updated_at", "must be an RFC 3339 time"))?
        .with_timezone(&Utc);
    let body = serde_json::to_vec(view.get("profile").unwrap_or(&serde_json::Value::Null))
        .map_err(|e| error("profile", &e.to_string()))?;
    let profile = parse_profile(&body).map_err(|e| ProfileError {
        field: format!("profile.{}", e.field),
        message: e.message,
    })?;
    Ok(Some(VersionedProfile {
        version,
        updated_at,
        profile,
    }))
}

fn clean_serde_message(m: &str) -> String {
    // serde_json appends " at line L column C"; a field name says more.
    match m.rfind(" at line ") {
        Some(i) => m[..i].to_string(),
        None => m.to_string(),
    }
}

fn unknown_field_name(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest.split('`').next()?.to_string())
}

impl ComplianceProfile {
    /// Bounds and shapes serde cannot state.
    pub fn validate(&self) -> Result<(), ProfileError> {
        let err = |field: String, message: &str| ProfileError {
            field,
            message: message.to_string(),
        };
        let text = |field: String, v: &str| -> Result<(), ProfileError> {
            if v.trim().is_empty() {
                return Err(err(field, "must not be empty"));
            }
            if v.chars().count() > MAX_TEXT_CHARS || v.chars().any(char::is_control) {
                return Err(err(
                    field,
                    "must be at most 500 characters, without control characters",
                ));
            }
            Ok(())
        };
        let list = |field: &str, n: usize| -> Result<(), ProfileError> {
            if n > MAX_LIST {
                return Err(err(field.to_string(), "has more than 200 entries"));
            }
            Ok(())
        };
        for (i, p) in self.providers.iter().flatten().enumerate() {
            let f = format!("providers[{i}]");
            text(format!("{f}.provider"), &p.provider)?;
            list(&format!("{f}.regions"), p.regions.len())?;
            for (j, r) in p.regions.iter().enumerate() {
                text(format!("{f}.regions[{j}]"), r)?;
            }
            if let Some(d) = &p.dpa_ref {
                text(format!("{f}.dpa_ref"), d)?;
            }
            for (j, c) in p.certifications.iter().enumerate() {
                text(format!("{f}.certifications[{j}]"), c)?;
            }
        }
        list("providers", self.providers.as_ref().map_or(0, Vec::len))?;
        list("ai_systems", self.ai_systems.as_ref().map_or(0, Vec::len))?;
        for (i, s) in self.ai_systems.iter().flatten().enumerate() {
            text(format!("ai_systems[{i}].name"), &s.name)?;
            text(format!("ai_systems[{i}].annex_iii"), &s.annex_iii)?;
        }
        list(
            "notifications",
            self.notifications.as_ref().map_or(0, Vec::len),
        )?;
        for (i, n) in self.notifications.iter().flatten().enumerate() {
            text(format!("notifications[{i}].reference"), &n.reference)?;
            list(&format!("notifications[{i}].covers"), n.covers.len())?;
            for (j, c) in n.covers.iter().enumerate() {
                text(format!("notifications[{i}].covers[{j}]"), c)?;
            }
        }
        if let Some(r) = &self.retention {
            if r.log_days == Some(0) {
                return Err(err("retention.log_days".into(), "must be at least 1"));
            }
            if r.evidence_days
                .is_some_and(|d| d > crate::MAX_RETENTION_DAYS)
            {
                return Err(err(
                    "retention.evidence_days".into(),
                    "must be at most 3650 (ten years)",
                ));
            }
            if let Some(p) = &r.policy_ref {
                text("retention.policy_ref".into(), p)?;
            }
        }
        if let Some(s) = &self.security {
            for (name, v) in [
                ("measures_ref", &s.measures_ref),
                ("intrusion_detection", &s.intrusion_detection),
                ("access_rights_process", &s.access_rights_process),
            ] {
                if let Some(v) = v {
                    text(format!("security.{name}"), v)?;
                }
            }
        }
        if let Some(s) = &self.schedule {
            for (i, f) in s.formats.iter().flatten().enumerate() {
                if matches!(f, ExportFormat::Csv | ExportFormat::Json) {
                    return Err(err(
                        format!("schedule.formats[{i}]"),
                        "scheduled exports are compliance formats (compliance-all, compliance-aesia, compliance-aepd, compliance-ens)",
                    ));
                }
            }
            if let Some(z) = &s.timezone
                && z.parse::<Tz>().is_err()
            {
                return Err(err(
                    "schedule.timezone".into(),
                    "must be an IANA time zone name, e.g. Europe/Madrid",
                ));
            }
            if let Some(d) = s.expires_in_days
                && !(1..=30).contains(&d)
            {
                return Err(err(
                    "schedule.expires_in_days".into(),
                    "must be between 1 and 30",
                ));
            }
        }
        Ok(())
    }

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
