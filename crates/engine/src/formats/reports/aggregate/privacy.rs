//! Personal data: detections by category and handling, special categories,
//! redaction-policy coverage, the processing inventory and transfers.
use super::vocab::{DecisionCounts, is_redaction_policy, is_special};
use super::{MAX_DISTINCT, MAX_KEYS, Obs};
use crate::formats::reports::counters::{CappedMap, DistinctCap, clip};
use crate::formats::reports::eea::RegionClass;
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Inventory rows (application x category x provider x region) kept.
const MAX_INVENTORY: usize = 2_000;

pub struct Privacy {
    pub request_events: u64,
    /// Request events that carry a `data_categories` field (the detector ran).
    pub detector_visible: u64,
    pub personal_events: u64,
    pub personal_by_decision: DecisionCounts,
    pub by_category: CappedMap<DecisionCounts>,
    pub special_events: u64,
    pub special_by_decision: DecisionCounts,
    pub special_by_category: CappedMap<DecisionCounts>,
    pub special_days: BTreeSet<NaiveDate>,
    pub special_actors: DistinctCap,
    pub personal_actors: DistinctCap,
    /// config_version -> whether its published policy set has a redaction policy.
    pub config_redaction: CappedMap<bool>,
    pub under_redaction: u64,
    pub not_under_redaction: u64,
    pub redaction_unknown: u64,
    pub decision_events: u64,
    /// (application, category, provider, region) -> (personal-data requests, of which blocked).
    pub inventory: BTreeMap<(String, String, String, String), (u64, u64)>,
    pub inventory_overflow: u64,
    /// Personal-data requests with a model, by region class.
    pub transfers_by_class: BTreeMap<&'static str, u64>,
    /// Of those, the ones whose data went on (not blocked, not redacted), by region class.
    pub sent_by_class: BTreeMap<&'static str, u64>,
    /// Personal-data requests outside the EEA (or unknown region), by `provider/region`.
    pub non_eea: CappedMap<DecisionCounts>,
}

impl Default for Privacy {
    fn default() -> Self {
        Self::new()
    }
}

impl Privacy {
    pub fn new() -> Self {
        Self {
            request_events: 0,
            detector_visible: 0,
            personal_events: 0,
            personal_by_decision: DecisionCounts::default(),
            by_category: CappedMap::new(MAX_KEYS),
            special_events: 0,
            special_by_decision: DecisionCounts::default(),
            special_by_category: CappedMap::new(MAX_KEYS),
            special_days: BTreeSet::new(),
            special_actors: DistinctCap::new(MAX_DISTINCT),
            personal_actors: DistinctCap::new(MAX_DISTINCT),
            config_redaction: CappedMap::new(MAX_KEYS),
            under_redaction: 0,
            not_under_redaction: 0,
            redaction_unknown: 0,
            decision_events: 0,
            inventory: BTreeMap::new(),
            inventory_overflow: 0,
            transfers_by_class: BTreeMap::new(),
            sent_by_class: BTreeMap::new(),
            non_eea: CappedMap::new(MAX_KEYS),
        }
    }

    pub fn observe(&mut self, o: &Obs<'_>) {
        let e = o.e;
        if o.event_type == "config.published"
            && let Some(cv) = e.config_version.as_deref()
            && let Some(flag) = self.config_redaction.entry(cv)
        {
            *flag = e
                .policy_ids
                .iter()
                .flatten()
                .any(|p| is_redaction_policy(p));
        }
        if !o.is_request {
            return;
        }
        self.request_events += 1;
        if e.data_categories.is_some() {
            self.detector_visible += 1;
        }
        if o.decision.is_some() {
            self.decision_events += 1;
            let own = e
                .policy_ids
                .iter()
                .flatten()
                .any(|p| is_redaction_policy(p));
            let by_config = e
                .config_version
                .as_deref()
                .and_then(|cv| self.config_redaction.map.get(clip(cv)).copied());
            match (own, by_config) {
                (true, _) | (_, Some(true)) => self.under_redaction += 1,
                (false, Some(false)) => self.not_under_redaction += 1,
                (false, None) => self.redaction_unknown += 1,
            }
        }
        for c in &o.categories {
            if let Some(d) = self.by_category.entry(c) {
                d.add(o.decision);
            }
            if is_special(c)
                && let Some(d) = self.special_by_category.entry(c)
            {
                d.add(o.decision);
            }
        }
        if !o.personal {
            return;
        }
        self.personal_events += 1;
        self.personal_by_decision.add(o.decision);
        if let Some(ps) = &o.actor_ps {
            self.personal_actors.insert(ps);
        }
        if o.special {
            self.special_events += 1;
            self.special_by_decision.add(o.decision);
            self.special_days.insert(o.day);
            if let Some(ps) = &o.actor_ps {
                self.special_actors.insert(ps);
            }
        }
        let app = clip(o.app.unwrap_or("(none)")).to_string();
        let provider = clip(o.provider.unwrap_or("(none)")).to_string();
        let region = clip(o.region.unwrap_or("(none)")).to_string();
        for c in o.categories.iter().filter(|c| super::vocab::is_personal(c)) {
            let key = (
                app.clone(),
                clip(c).to_string(),
                provider.clone(),
                region.clone(),
            );
            if self.inventory.len() < MAX_INVENTORY || self.inventory.contains_key(&key) {
                let row = self.inventory.entry(key).or_default();
                row.0 += 1;
                row.1 += u64::from(o.decision == Some("block"));
            } else {
                self.inventory_overflow += 1;
            }
        }
        if o.provider.is_some() || o.region.is_some() {
            *self
                .transfers_by_class
                .entry(o.region_class.as_str())
                .or_default() += 1;
            if !matches!(o.decision, Some("block") | Some("redact")) {
                *self
                    .sent_by_class
                    .entry(o.region_class.as_str())
                    .or_default() += 1;
            }
            if matches!(
                o.region_class,
                RegionClass::NonEea | RegionClass::Unknown | RegionClass::Adequacy
            ) && let Some(d) = self.non_eea.entry(&format!("{provider}/{region}"))
            {
                d.add(o.decision);
            }
        }
    }

    pub fn inventory_json(&self) -> Value {
        Value::Array(
            self.inventory
                .iter()
                .map(|((app, cat, prov, region), (n, blocked))| {
                    json!({
                        "application": app,
                        "data_category": cat,
                        "provider": prov,
                        "region": region,
                        "region_class": crate::formats::reports::eea::classify(
                            (region != "(none)").then_some(region.as_str())
                        ).as_str(),
                        "special_category": is_special(cat),
                        "requests": n,
                        "blocked": blocked,
                    })
                })
                .collect(),
        )
    }
}
