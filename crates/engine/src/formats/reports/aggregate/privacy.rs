//! Personal data: detections by category and handling, special categories,
//! redaction-policy coverage, the processing inventory and transfers.
use super::rows::Rows;
use super::shared::{ArcStr, Interner};
use super::vocab::{DecisionCounts, is_redaction_policy, is_special};
use super::{MAX_DISTINCT, MAX_KEYS, Obs};
use crate::formats::reports::counters::{
    CappedMap, DistinctCap, KeyMap, clip, hash_map, sorted_map,
};
use crate::formats::reports::eea::RegionClass;
use crate::formats::reports::merge::sorted_pairs;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

mod merge;

/// Inventory rows (application x category x provider x region) kept.
const MAX_INVENTORY: usize = 2_000;

type Inventory = std::collections::HashMap<
    (String, String, String, String),
    (u64, u64),
    foldhash::fast::RandomState,
>;

#[derive(Serialize, Deserialize)]
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
    /// Of `redaction_unknown`, by configuration version: an earlier part of
    /// a fanned-out export may have seen the version's publication. Hashed:
    /// most decision events look their version up here (a B-tree paid a
    /// string compare per level); saved sorted.
    #[serde(serialize_with = "sorted_map", deserialize_with = "hash_map")]
    unknown_by_config: KeyMap<u64>,
    unknown_by_config_overflow: bool,
    pub decision_events: u64,
    /// (application, category, provider, region) -> (personal-data requests,
    /// of which blocked). Hashed: each personal-data event looks a row up;
    /// read ([`Privacy::inventory_json`]) and saved sorted.
    #[serde(with = "sorted_pairs")]
    inventory: Inventory,
    pub inventory_overflow: u64,
    /// The buffer an inventory key is built in before it is looked up.
    #[serde(skip)]
    inventory_key: (String, String, String, String),
    /// Personal-data requests with a model, by region class.
    pub transfers_by_class: BTreeMap<String, u64>,
    /// Of those, the ones whose data went on (not blocked, not redacted), by region class.
    pub sent_by_class: BTreeMap<String, u64>,
    /// Personal-data requests outside the EEA (or unknown region), by `provider/region`.
    pub non_eea: CappedMap<DecisionCounts>,
    /// Personal-data requests held for human review, by escalation id: where
    /// they would go. The reviewer's final decision says whether they went.
    pub escalated: Rows<EscalatedRequest>,
    /// The held requests' destinations, each stored once.
    #[serde(skip)]
    destinations: Interner,
    /// The buffer an event's `provider/region` is built in.
    #[serde(skip)]
    destination_key: String,
    /// Held personal-data requests without an escalation id (or past the table's cap).
    pub escalated_unlinked: u64,
}

/// Where a held personal-data request would be sent if a reviewer allowed it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EscalatedRequest {
    pub region_class: RegionClass,
    /// `provider/region` when it names a model.
    pub destination: Option<ArcStr>,
    pub special: bool,
}

/// Held personal-data requests by the reviewer's final decision.
#[derive(Debug, Clone, Default)]
pub struct ReviewedRequests {
    /// Allowed by the reviewer: the data went on.
    pub allowed: u64,
    /// Blocked or redacted by the reviewer: it did not.
    pub withheld: u64,
    /// No decision in the window (or not linkable): still withheld.
    pub pending: u64,
    pub allowed_by_class: BTreeMap<&'static str, u64>,
    pub allowed_by_destination: BTreeMap<String, u64>,
    /// Of `allowed` / `pending`, requests with a special-category detection.
    pub special_allowed: u64,
    pub special_pending: u64,
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
            unknown_by_config: KeyMap::default(),
            unknown_by_config_overflow: false,
            decision_events: 0,
            inventory: Inventory::default(),
            inventory_overflow: 0,
            inventory_key: Default::default(),
            transfers_by_class: BTreeMap::new(),
            sent_by_class: BTreeMap::new(),
            non_eea: CappedMap::new(MAX_KEYS),
            escalated: Rows::new(),
            destinations: Interner::default(),
            destination_key: String::new(),
            escalated_unlinked: 0,
        }
    }

    /// Held requests resolved with each escalation's final decision in `oversight`.
    pub fn reviewed(&self, oversight: &super::Oversight) -> ReviewedRequests {
        let mut r = ReviewedRequests {
            pending: self.escalated_unlinked,
            ..Default::default()
        };
        for (id, x) in self.escalated.iter() {
            // A resolution timestamped before its own opening is a timestamp
            // anomaly that leaves the escalation pending, as rgpd.22 counts it.
            let decision = oversight
                .lifecycles
                .get(id.as_str())
                .filter(|l| !l.resolved_before_opening())
                .and_then(|l| l.resolution.as_deref());
            match decision {
                Some("allow") => {
                    r.allowed += 1;
                    r.special_allowed += u64::from(x.special);
                    *r.allowed_by_class
                        .entry(x.region_class.as_str())
                        .or_default() += 1;
                    if let Some(d) = &x.destination {
                        *r.allowed_by_destination.entry(d.to_string()).or_default() += 1;
                    }
                }
                Some("block") | Some("redact") => r.withheld += 1,
                _ => {
                    r.pending += 1;
                    r.special_pending += u64::from(x.special);
                }
            }
        }
        r
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
                .and_then(|cv| self.config_redaction.get(clip(cv)).copied());
            match (own, by_config) {
                (true, _) | (_, Some(true)) => self.under_redaction += 1,
                (false, Some(false)) => self.not_under_redaction += 1,
                (false, None) => {
                    self.redaction_unknown += 1;
                    if let Some(cv) = e.config_version.as_deref().map(clip) {
                        let m = &mut self.unknown_by_config;
                        if let Some(n) = m.get_mut(cv) {
                            *n += 1;
                        } else if m.len() < MAX_KEYS {
                            m.insert(cv.to_string(), 1);
                        } else {
                            self.unknown_by_config_overflow = true;
                        }
                    }
                }
            }
        }
        for c in &o.categories {
            self.by_category.update(c, |d| d.add(o.decision));
            if is_special(c) {
                self.special_by_category.update(c, |d| d.add(o.decision));
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
        let app = clip(o.app.unwrap_or("(none)"));
        let provider = clip(o.provider.unwrap_or("(none)"));
        let region = clip(o.region.unwrap_or("(none)"));
        // The key is built in a reused buffer; it is copied only when new.
        let key = &mut self.inventory_key;
        for (part, text) in [
            (&mut key.0, app),
            (&mut key.2, provider),
            (&mut key.3, region),
        ] {
            part.clear();
            part.push_str(text);
        }
        for c in o.categories.iter().filter(|c| super::vocab::is_personal(c)) {
            let key = &mut self.inventory_key;
            key.1.clear();
            key.1.push_str(clip(c));
            let add = |row: &mut (u64, u64)| {
                row.0 += 1;
                row.1 += u64::from(o.decision == Some("block"));
            };
            if let Some(row) = self.inventory.get_mut(&*key) {
                add(row);
            } else if self.inventory.len() < MAX_INVENTORY {
                let mut row = (0, 0);
                add(&mut row);
                self.inventory.insert(key.clone(), row);
            } else {
                self.inventory_overflow += 1;
            }
        }
        let destination = (o.provider.is_some() || o.region.is_some()).then(|| {
            let key = &mut self.destination_key;
            key.clear();
            key.push_str(provider);
            key.push('/');
            key.push_str(region);
            key.as_str()
        });
        if o.decision == Some("escalate") {
            match o.e.escalation_id.as_deref() {
                Some(id)
                    if self.escalated.len() < super::MAX_TRACKED
                        || self.escalated.contains_key(id) =>
                {
                    let row = EscalatedRequest {
                        region_class: o.region_class,
                        destination: self.destinations.intern_opt(destination),
                        special: o.special,
                    };
                    // A later request of a held escalation replaces its row;
                    // the key is made only for a new row (see `IdStr::new`).
                    match self.escalated.get_mut(id) {
                        Some(held) => *held = row,
                        None => {
                            self.escalated.insert(
                                o.shared_escalation_id()
                                    .expect("the event has an escalation id"),
                                row,
                            );
                        }
                    }
                }
                _ => self.escalated_unlinked += 1,
            }
        }
        if let Some(dest) = destination {
            count_class(&mut self.transfers_by_class, o.region_class);
            // Held requests go on only if a reviewer allows them: see `reviewed`.
            if !matches!(
                o.decision,
                Some("block") | Some("redact") | Some("escalate")
            ) {
                count_class(&mut self.sent_by_class, o.region_class);
            }
            if o.region_class.is_outside_eea() {
                self.non_eea.update(dest, |d| d.add(o.decision));
            }
        }
    }

    pub fn inventory_json(&self) -> Value {
        let mut rows: Vec<_> = self.inventory.iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        Value::Array(
            rows.into_iter()
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

/// Counts one request under its region class (no allocation once the class is in).
fn count_class(map: &mut BTreeMap<String, u64>, class: RegionClass) {
    match map.get_mut(class.as_str()) {
        Some(n) => *n += 1,
        None => {
            map.insert(class.as_str().to_string(), 1);
        }
    }
}
