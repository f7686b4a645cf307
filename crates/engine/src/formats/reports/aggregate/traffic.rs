//! Traffic: decisions by application and model, daily and weekly series,
//! provider statistics, configuration timeline, enforcement by policy and actor.
use super::vocab::DecisionCounts;
use super::{MAX_KEYS, Obs};
use crate::formats::reports::counters::CappedMap;
use crate::formats::reports::merge::{Merge, NotExact, pairs};
use crate::formats::reports::num::{iso_ms, ratio};
use crate::formats::reports::sketch::LogHistogram;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Per-day and per-week series hold at most this many entries (a window is ≤ 366 days).
const MAX_DAYS: usize = 400;
const MAX_WEEKS: usize = 60;
const MAX_REGIONS_PER_PROVIDER: usize = 32;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Day {
    pub events: u64,
    pub decisions: DecisionCounts,
    pub provider_errors: u64,
    pub high_risk: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Week {
    pub decisions: DecisionCounts,
    pub provider_requests: u64,
    pub provider_errors: u64,
    pub latency: LogHistogram,
    pub tokens_input: i64,
    pub tokens_output: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProviderStats {
    pub requests: u64,
    pub errors: u64,
    pub latency: LogHistogram,
    pub tokens_input: i64,
    pub tokens_output: i64,
    pub personal_requests: u64,
    pub regions: BTreeSet<String>,
    pub missing_region: u64,
}

impl ProviderStats {
    pub fn to_json(&self) -> Value {
        json!({
            "requests": self.requests,
            "provider_errors": self.errors,
            "error_rate": ratio(self.errors, self.requests),
            "latency_ms": self.latency.summary(),
            "tokens": {"input": self.tokens_input, "output": self.tokens_output},
            "personal_data_requests": self.personal_requests,
            "regions": self.regions,
            "requests_without_region": self.missing_region,
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConfigStats {
    pub first_seen: i64,
    pub last_seen: i64,
    pub events: u64,
    pub published_at: Option<i64>,
    pub published_event_id: Option<String>,
}

impl ConfigStats {
    /// Whether events named this version before its `config.published`
    /// event in the window (export order): the trail shows it in use before
    /// it was published.
    pub fn used_before_publication(&self) -> bool {
        self.published_at.is_some_and(|p| self.first_seen < p)
    }

    pub fn to_json(&self, version: &str) -> Value {
        json!({
            "config_version": version,
            "first_seen": iso_ms(self.first_seen),
            "last_seen": iso_ms(self.last_seen),
            "events": self.events,
            "published_at": self.published_at.map(iso_ms),
            "published_event_id": self.published_event_id,
        })
    }
}

#[derive(Serialize, Deserialize)]
pub struct Traffic {
    pub decisions: DecisionCounts,
    pub by_app: CappedMap<DecisionCounts>,
    pub by_model: CappedMap<DecisionCounts>,
    #[serde(with = "pairs")]
    pub daily: BTreeMap<NaiveDate, Day>,
    #[serde(with = "pairs")]
    pub weekly: BTreeMap<NaiveDate, Week>,
    pub series_overflow: u64,
    pub providers: CappedMap<ProviderStats>,
    pub provider_models: CappedMap<ProviderStats>,
    pub request_without_provider: u64,
    pub configs: CappedMap<ConfigStats>,
    pub blocks_by_policy: CappedMap<u64>,
    pub redacts_by_policy: CappedMap<u64>,
    pub enforced_without_policy: u64,
    pub denials_by_actor: CappedMap<u64>,
    pub denials_by_app: CappedMap<u64>,
    pub denials_without_actor: u64,
}

impl Merge for Day {
    fn merge_from(&mut self, later: Self) -> Result<(), NotExact> {
        self.events += later.events;
        self.decisions.merge_from(later.decisions)?;
        self.provider_errors += later.provider_errors;
        self.high_risk += later.high_risk;
        Ok(())
    }
}

impl Merge for Week {
    fn merge_from(&mut self, later: Self) -> Result<(), NotExact> {
        self.decisions.merge_from(later.decisions)?;
        self.provider_requests += later.provider_requests;
        self.provider_errors += later.provider_errors;
        self.latency.merge(&later.latency);
        self.tokens_input += later.tokens_input;
        self.tokens_output += later.tokens_output;
        Ok(())
    }
}

impl Merge for ProviderStats {
    fn merge_from(&mut self, later: Self) -> Result<(), NotExact> {
        self.requests += later.requests;
        self.errors += later.errors;
        self.latency.merge(&later.latency);
        self.tokens_input += later.tokens_input;
        self.tokens_output += later.tokens_output;
        self.personal_requests += later.personal_requests;
        self.missing_region += later.missing_region;
        // The first regions in export order are kept: exact unless both
        // parts together name more than fit and this part had room left.
        let union: BTreeSet<String> = self.regions.union(&later.regions).cloned().collect();
        if union.len() > MAX_REGIONS_PER_PROVIDER {
            if self.regions.len() < MAX_REGIONS_PER_PROVIDER {
                return Err(NotExact(format!(
                    "a provider in more than {MAX_REGIONS_PER_PROVIDER} regions"
                )));
            }
        } else {
            self.regions = union;
        }
        Ok(())
    }
    fn observations(&self) -> Option<u64> {
        Some(self.requests)
    }
}

impl Merge for ConfigStats {
    fn merge_from(&mut self, later: Self) -> Result<(), NotExact> {
        if self.events == 0 {
            self.first_seen = later.first_seen;
        }
        if later.events > 0 {
            self.last_seen = later.last_seen;
        }
        self.events += later.events;
        if self.published_at.is_none() {
            self.published_at = later.published_at;
            self.published_event_id = later.published_event_id;
        }
        Ok(())
    }
    fn observations(&self) -> Option<u64> {
        Some(self.events)
    }
}

/// Adds a later part's per-day (or per-week) series: days come in export
/// order, so the first `max` one worker keeps are the earliest.
fn merge_series<V: Merge>(
    mine: &mut BTreeMap<NaiveDate, V>,
    later: BTreeMap<NaiveDate, V>,
    max: usize,
) -> Result<Vec<V>, NotExact> {
    for (day, v) in later {
        match mine.get_mut(&day) {
            Some(m) => m.merge_from(v)?,
            None => {
                mine.insert(day, v);
            }
        }
    }
    let mut dropped = Vec::new();
    while mine.len() > max {
        dropped.extend(mine.pop_last().map(|(_, v)| v));
    }
    Ok(dropped)
}

fn add_provider(p: &mut ProviderStats, o: &Obs<'_>) {
    p.requests += 1;
    p.errors += u64::from(o.is_error);
    if let Some(l) = o.e.latency_ms {
        p.latency.add(l);
    }
    if let Some(t) = o.e.tokens {
        p.tokens_input += t.input.unwrap_or(0);
        p.tokens_output += t.output.unwrap_or(0);
    }
    p.personal_requests += u64::from(o.personal);
    match o.region {
        Some(r) => {
            let r = crate::formats::reports::counters::clip(r);
            if !p.regions.contains(r) && p.regions.len() < MAX_REGIONS_PER_PROVIDER {
                p.regions.insert(r.to_string());
            }
        }
        None => p.missing_region += 1,
    }
}

impl Default for Traffic {
    fn default() -> Self {
        Self::new()
    }
}

impl Traffic {
    /// `self` then the later part `l` (see `merge.rs`).
    pub fn merge(&mut self, l: Traffic) -> Result<(), NotExact> {
        self.decisions.merge_from(l.decisions)?;
        self.by_app.merge(l.by_app)?;
        self.by_model.merge(l.by_model)?;
        let dropped = merge_series(&mut self.daily, l.daily, MAX_DAYS)?;
        self.series_overflow += l.series_overflow + dropped.iter().map(|d| d.events).sum::<u64>();
        merge_series(&mut self.weekly, l.weekly, MAX_WEEKS)?;
        self.providers.merge(l.providers)?;
        self.provider_models.merge(l.provider_models)?;
        self.request_without_provider += l.request_without_provider;
        self.configs.merge(l.configs)?;
        self.blocks_by_policy.merge(l.blocks_by_policy)?;
        self.redacts_by_policy.merge(l.redacts_by_policy)?;
        self.enforced_without_policy += l.enforced_without_policy;
        self.denials_by_actor.merge(l.denials_by_actor)?;
        self.denials_by_app.merge(l.denials_by_app)?;
        self.denials_without_actor += l.denials_without_actor;
        Ok(())
    }

    pub fn new() -> Self {
        Self {
            decisions: DecisionCounts::default(),
            by_app: CappedMap::new(MAX_KEYS),
            by_model: CappedMap::new(MAX_KEYS),
            daily: BTreeMap::new(),
            weekly: BTreeMap::new(),
            series_overflow: 0,
            providers: CappedMap::new(MAX_KEYS),
            provider_models: CappedMap::new(MAX_KEYS),
            request_without_provider: 0,
            configs: CappedMap::new(MAX_KEYS),
            blocks_by_policy: CappedMap::new(MAX_KEYS),
            redacts_by_policy: CappedMap::new(MAX_KEYS),
            enforced_without_policy: 0,
            denials_by_actor: CappedMap::new(10_000),
            denials_by_app: CappedMap::new(MAX_KEYS),
            denials_without_actor: 0,
        }
    }

    pub fn observe(&mut self, o: &Obs<'_>) {
        let e = o.e;
        if self.daily.len() < MAX_DAYS || self.daily.contains_key(&o.day) {
            let d = self.daily.entry(o.day).or_default();
            d.events += 1;
            if o.is_request {
                d.decisions.add(o.decision);
                d.provider_errors += u64::from(o.is_error && o.provider.is_some());
            }
            d.high_risk += u64::from(matches!(o.risk, Some("high") | Some("critical")));
        } else {
            self.series_overflow += 1;
        }
        if let Some(cv) = e.config_version.as_deref() {
            self.configs.update(cv, |c| {
                if c.events == 0 {
                    c.first_seen = o.ts;
                }
                c.events += 1;
                c.last_seen = o.ts;
                if o.event_type == "config.published" && c.published_at.is_none() {
                    c.published_at = Some(o.ts);
                    c.published_event_id = Some(e.event_id.to_string());
                }
            });
        }
        if !o.is_request {
            return;
        }
        if self.weekly.len() < MAX_WEEKS || self.weekly.contains_key(&o.week) {
            let w = self.weekly.entry(o.week).or_default();
            w.decisions.add(o.decision);
            if o.provider.is_some() {
                w.provider_requests += 1;
                w.provider_errors += u64::from(o.is_error);
                if let Some(l) = e.latency_ms {
                    w.latency.add(l);
                }
                if let Some(t) = e.tokens {
                    w.tokens_input += t.input.unwrap_or(0);
                    w.tokens_output += t.output.unwrap_or(0);
                }
            }
        }
        self.decisions.add(o.decision);
        self.by_app
            .update(o.app.unwrap_or("(none)"), |d| d.add(o.decision));
        self.by_model
            .update(o.model_key.unwrap_or("(none)"), |d| d.add(o.decision));
        match o.provider {
            Some(p) => {
                self.providers.update(p, |s| add_provider(s, o));
                let key = o.model_key.unwrap_or(p);
                self.provider_models.update(key, |s| add_provider(s, o));
            }
            None => self.request_without_provider += 1,
        }
        if let Some(d @ ("block" | "redact")) = o.decision {
            let policies = e.policy_ids.as_deref().unwrap_or_default();
            if policies.is_empty() {
                self.enforced_without_policy += 1;
            }
            let by = if d == "block" {
                &mut self.blocks_by_policy
            } else {
                &mut self.redacts_by_policy
            };
            for p in policies {
                by.incr(p);
            }
            if d == "block" {
                match &o.actor_ps {
                    Some(ps) => self.denials_by_actor.incr(ps),
                    None => self.denials_without_actor += 1,
                }
                self.denials_by_app.incr(o.app.unwrap_or("(none)"));
            }
        }
    }
}
