//! The event vocabulary the reports classify by, in one place.
use crate::formats::reports::merge::{Merge, NotExact};
use serde::{Deserialize, Serialize};

/// Event types that carry one gateway request's policy outcome.
pub const REQUEST_TYPES: &[&str] = &["gateway.request", "policy.decision", "escalation.opened"];

/// The event types the event-lake contract documents.
pub use kt_domain::KNOWN_EVENT_TYPES as KNOWN_TYPES;

/// GDPR Art. 9(1) special categories, as detector category names: the
/// gateway's own names (`political_opinion`, `religion`) and the common
/// spellings of the article's terms, so no detector's wording drops one.
pub const SPECIAL_CATEGORIES: &[&str] = &[
    "health",
    "biometric",
    "genetic",
    "racial_or_ethnic_origin",
    "ethnic_origin",
    "political_opinion",
    "political_opinions",
    "religion",
    "religious_belief",
    "religious_beliefs",
    "philosophical_belief",
    "philosophical_beliefs",
    "trade_union_membership",
    "trade_union",
    "sex_life",
    "sexual_orientation",
];

/// Personal-data categories known not to be Art. 9 special categories: the
/// gateway's detectors and common spellings. A detected category in none of
/// the lists is named in `rgpd.9`'s gaps, since the report cannot tell.
pub const ORDINARY_CATEGORIES: &[&str] = &[
    "email",
    "phone",
    "name",
    "address",
    "ip_address",
    "location",
    "iban",
    "card_number",
    "credit_card",
    "credentials",
    "national_id",
    "passport",
    "date_of_birth",
    "employment",
    "minor",
];

/// Whether the report knows `category` and so classifies it with confidence.
pub fn is_known(category: &str) -> bool {
    is_special(category)
        || ORDINARY_CATEGORIES.contains(&category)
        || NON_PERSONAL_CATEGORIES.contains(&category)
}

/// Detected categories that are not, by themselves, personal data. Every other
/// detected category is treated as personal data (the conservative reading:
/// `credentials` are kept personal, since passwords belong to people).
pub const NON_PERSONAL_CATEGORIES: &[&str] = &["api_key", "secret", "source_code"];

/// Outcomes that count as a provider-side failure.
pub const ERROR_OUTCOMES: &[&str] = &["provider_error", "timeout", "error", "rate_limited"];

/// Outcomes on an incident's later events that acknowledge or close it.
pub const INCIDENT_ACK_OUTCOMES: &[&str] = &["acknowledged", "ack", "investigating", "in_progress"];
pub const INCIDENT_RESOLVED_OUTCOMES: &[&str] = &["resolved", "closed", "mitigated"];

/// A policy id names a redaction policy when it contains `redact` (any case).
pub fn is_redaction_policy(id: &str) -> bool {
    // Asked of each policy of each decision: no lowered copy.
    id.as_bytes()
        .windows(b"redact".len())
        .any(|w| w.eq_ignore_ascii_case(b"redact"))
}

pub fn is_special(category: &str) -> bool {
    SPECIAL_CATEGORIES.contains(&category)
}

pub fn is_personal(category: &str) -> bool {
    !NON_PERSONAL_CATEGORIES.contains(&category)
}

/// Policy outcomes counted by kind.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct DecisionCounts {
    pub allow: u64,
    pub redact: u64,
    pub block: u64,
    pub escalate: u64,
    /// A decision value the contract does not list.
    pub other: u64,
    /// No decision on the event.
    pub none: u64,
}

impl DecisionCounts {
    pub fn add(&mut self, decision: Option<&str>) {
        match decision {
            Some("allow") => self.allow += 1,
            Some("redact") => self.redact += 1,
            Some("block") => self.block += 1,
            Some("escalate") => self.escalate += 1,
            Some(_) => self.other += 1,
            None => self.none += 1,
        }
    }
    pub fn total(&self) -> u64 {
        self.allow + self.redact + self.block + self.escalate + self.other + self.none
    }
}

impl Merge for DecisionCounts {
    fn merge_from(&mut self, later: Self) -> Result<(), NotExact> {
        self.allow += later.allow;
        self.redact += later.redact;
        self.block += later.block;
        self.escalate += later.escalate;
        self.other += later.other;
        self.none += later.none;
        Ok(())
    }
    fn observations(&self) -> Option<u64> {
        Some(self.total())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redaction_policy_contains_redact_in_any_case() {
        for id in [
            "pii-redact",
            "PII-REDACT",
            "Redaction",
            "é-redact-é",
            "redact",
        ] {
            assert!(is_redaction_policy(id), "{id}");
        }
        for id in ["", "redac", "r-edact", "block-all", "rédact"] {
            assert!(!is_redaction_policy(id), "{id}");
        }
    }
}
