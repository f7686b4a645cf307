//! The figures of each section, as types: the reports write them and the
//! schemas are derived from them (`schema.rs`). Field names are the JSON keys.
#![allow(clippy::struct_field_names)]
use super::doc::{ActorCount, ActorCounts, Counts, Distinct, Quantiles};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// `op_acc_1` (ens/access_monitoring.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpAcc1Metrics {
    pub distinct_actors: Distinct,
    pub request_events: u64,
    pub anonymous_requests: u64,
    pub anonymous_share: Option<f64>,
}

/// `op_acc_4` (ens/access_monitoring.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpAcc4Metrics {
    pub policy_denials: u64,
    #[schemars(length(max = 25))]
    pub denials_by_actor_top: Vec<ActorCount>,
    pub denials_by_actor_rule: &'static str,
    pub distinct_denied_actors: u64,
    pub denials_by_application: Counts,
    pub denials_without_actor: u64,
}

/// `op_mon_1` (ens/access_monitoring.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpMon1Metrics {
    pub blocks_by_policy: Counts,
    pub redactions_by_policy: Counts,
    pub enforcements_without_policy_id: u64,
    pub high_or_critical_risk_events: u64,
}

/// `op_mon_2` (ens/access_monitoring.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpMon2Metrics {
    pub daily: Value,
    pub day_boundary: &'static str,
}

/// `op_mon_3` (ens/access_monitoring.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpMon3Metrics {
    pub collection_gaps: super::common::LogGaps,
}

/// `providers` (ens/access_monitoring.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ProvidersMetrics {
    pub by_provider: Value,
    pub requests_without_provider: u64,
}

/// `mp_info_1` (ens/access_monitoring.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MpInfo1Metrics {
    pub requests_with_detection_field: u64,
    pub request_events: u64,
    pub personal_data_requests: u64,
    pub data_categories_detected: Value,
}

/// `op_exp_8_r1` (ens/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpExp8R1Metrics {
    pub log_exports_in_log: u64,
    pub log_exports_by_actor: ActorCounts,
    pub required_from_category: &'static str,
    pub declared_category: &'static str,
}

/// `art24` (ens/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Art24Metrics {
    pub events: u64,
    pub events_with_identified_actor: u64,
    pub identified_actor_pct: Option<f64>,
    pub rule: &'static str,
}

/// `op_exp_8` (ens/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpExp8Metrics {
    pub events: u64,
    pub completeness_pct: Value,
    pub rule: &'static str,
}

/// `op_exp_8_r2` (ens/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpExp8R2Metrics {
    pub rejected_lines: u64,
    pub rejected_sample_reasons: Value,
    pub duplicates_removed: u64,
    pub timestamps_not_utc_millisecond_form: u64,
    pub order_violations_in_export: u64,
    #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"))]
    pub events_digest: String,
    pub note: &'static str,
}

/// `op_exp_8_r3` (ens/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpExp8R3Metrics {
    pub event_types_seen: Counts,
    pub documented_catalogue: &'static [&'static str],
    pub undocumented_types_seen: Value,
    pub retention: super::common::RetentionMetrics,
}

/// `op_exp_8_r4` (ens/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpExp8R4Metrics {
    pub admin_actions: u64,
    pub admin_actions_by_actor: ActorCounts,
    pub admin_actions_by_outcome: Counts,
    pub admin_actions_without_actor: u64,
    pub log_exports_in_log: u64,
    pub log_exports_by_actor: ActorCounts,
}

/// `op_exp_7` (ens/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpExp7Metrics {
    pub incidents: Value,
    pub by_severity: Counts,
    pub acknowledged: u64,
    pub resolved: u64,
    pub time_to_acknowledge_ms: Quantiles,
    pub time_to_resolve_ms: Quantiles,
    pub untracked_incidents: u64,
    pub lifecycle_rule: &'static str,
    pub significant_incidents: u64,
    pub significant_with_declared_ccn_cert_notification_or_assessment: u64,
    pub significance_rule: &'static str,
}

/// `op_exp_9` (ens/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OpExp9Metrics {
    pub escalations: Value,
    pub incidents: Value,
    pub register: Value,
    pub register_rule: &'static str,
}

/// `breaches` (aepd/breach_transfer.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BreachesMetrics {
    pub candidates: u64,
    pub candidates_without_incident_record: u64,
    pub candidates_with_declared_notification_or_assessment: u64,
    pub untracked_candidates: u64,
    pub candidate_rule: &'static str,
    pub clock_rule: &'static str,
    pub listed: Value,
    pub listed_rule: &'static str,
}

/// `dpia` (aepd/breach_transfer.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DpiaMetrics {
    pub special_category_requests: u64,
    pub days_with_special_category_processing: u64,
    pub distinct_actors_with_special_category_requests: Distinct,
    pub personal_data_requests: u64,
    pub distinct_actors_with_personal_data_requests: Distinct,
    pub applications: Distinct,
    pub indicators: Value,
    pub note: &'static str,
}

/// `transfers` (aepd/breach_transfer.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TransfersMetrics {
    pub personal_data_requests_by_region_class: Value,
    pub personal_data_sent_by_region_class: Value,
    pub outside_eea_by_provider_region: Value,
    pub transfers_with_a_basis: Value,
    pub transfers_needing_review: Value,
    pub personal_data_requests_needing_review: u64,
    pub escalated_then_allowed_by_reviewer: u64,
    pub eea_regions: Value,
    pub adequacy_regions: Value,
    pub adequacy_decisions: Value,
    pub region_rule: &'static str,
}

/// `minimisation` (aepd/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MinimisationMetrics {
    pub request_events: u64,
    pub requests_with_detection_field: u64,
    pub personal_data_requests: u64,
    pub detections_by_category: Value,
    pub handling: Value,
    pub handling_rule: &'static str,
}

/// `accountability` (aepd/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AccountabilityMetrics {
    pub config_version_trail: Value,
    pub config_versions_used_before_publication: u64,
    pub completeness_pct: super::common::Completeness,
    #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"))]
    pub events_digest: String,
    pub event_count: u64,
}

/// `special` (aepd/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SpecialMetrics {
    pub special_category_requests: u64,
    pub by_category: Value,
    pub handling: Value,
    pub escalated_then_allowed_by_reviewer: u64,
    pub escalated_without_decision_in_window: u64,
    pub categories_considered_special: Value,
    /// Detected categories outside that list, so a reader who holds one of
    /// them to be special sees it was not counted.
    pub detected_categories_not_considered_special: Value,
}

/// `by_design` (aepd/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ByDesignMetrics {
    pub decision_events: u64,
    pub under_redaction_policy: u64,
    pub not_under_redaction_policy: u64,
    pub policy_set_unknown: u64,
    pub share_under_redaction_policy: Option<f64>,
    pub rule: &'static str,
}

/// `processors` (aepd/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ProcessorsMetrics {
    pub by_provider: Value,
    pub requests_without_provider: u64,
}

/// `record` (aepd/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RecordMetrics {
    pub inventory: Value,
    pub inventory_rows_truncated: bool,
    pub row: &'static str,
}

/// `security` (aepd/mod.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SecurityMetrics {
    pub blocks_by_policy: Counts,
    pub redactions_by_policy: Counts,
    pub enforcements_without_policy_id: u64,
    pub export_integrity: Value,
}

/// `art12` (aesia.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Art12Metrics {
    pub events_by_type: Counts,
    pub events_by_day: Value,
    pub completeness_pct: super::common::Completeness,
    pub log_gaps: super::common::LogGaps,
    pub events_by_risk: Counts,
    pub high_or_critical_risk_events: u64,
}

/// `art26_1` (aesia.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Art261Metrics {
    pub decisions: super::aggregate::vocab::DecisionCounts,
    pub block_rate: Option<f64>,
    pub decisions_by_application: Value,
    pub decisions_by_model: Value,
    pub config_version_timeline: Value,
    pub config_version_changes: u64,
    pub config_versions_used_before_publication: u64,
    pub block_rate_spike_days: Value,
    pub spike_rule: &'static str,
}

/// `art72` (aesia.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Art72Metrics {
    pub weekly: Value,
    pub week_starts_on: &'static str,
    pub by_provider_model: Value,
    pub requests_without_provider: u64,
}

/// `art73` (aesia.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Art73Metrics {
    pub candidates: u64,
    pub candidates_not_escalated: u64,
    pub candidates_with_declared_notification_or_assessment: u64,
    pub candidates_past_the_2_day_deadline_without_declaration: u64,
    pub untracked_candidates: u64,
    pub candidate_rule: &'static str,
    pub detection_to_escalation_ms: Quantiles,
    pub deadline_rule: &'static str,
    pub listed: Value,
    pub listed_rule: &'static str,
}

/// `art50` (aesia.rs).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Art50Metrics {
    pub disclosure_flag_field: &'static str,
    pub request_events: u64,
    pub with_disclosure_true: u64,
    pub with_disclosure_false: u64,
    pub disclosure_share: Option<f64>,
}
