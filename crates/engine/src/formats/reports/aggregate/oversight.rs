//! Human oversight: escalations opened and resolved, time to decision, reviewers, overrides.
//!
//! The automated decision of an escalation is the decision on its
//! `escalation.opened` event when that is not `escalate`; otherwise it is
//! `block`, because the gateway withholds an escalated request until a human
//! decides. A human override is a resolution whose decision differs from it.
use super::{MAX_DISTINCT, MAX_KEYS, MAX_TRACKED, Obs};
use crate::formats::reports::counters::{CappedMap, DistinctCap};
use crate::formats::reports::sketch::LogHistogram;
use std::collections::BTreeMap;

/// Linked event ids kept per escalation or incident.
pub const MAX_LINKED_EVENTS: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct Escalation {
    pub opened_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub automated: Option<String>,
    pub resolution: Option<String>,
    pub risk: Option<String>,
    pub reviewer: Option<String>,
    pub event_ids: Vec<String>,
}

pub struct Oversight {
    pub lifecycles: BTreeMap<String, Escalation>,
    /// Escalation events whose id did not fit in `lifecycles`.
    pub untracked: u64,
    /// Distinct escalations opened / resolved in the window (untracked ones: events).
    pub opened: u64,
    pub resolved: u64,
    /// Resolutions whose opening is not in the window (or not tracked).
    pub resolved_unmatched: u64,
    pub resolved_without_reviewer: u64,
    /// Escalation events without an `escalation_id`.
    pub without_id: u64,
    pub overrides: u64,
    pub resolution_unknown: u64,
    pub resolutions: CappedMap<u64>,
    pub opened_by_risk: CappedMap<u64>,
    pub overrides_by_risk: CappedMap<u64>,
    pub time_to_decision: LogHistogram,
    pub reviewers: DistinctCap,
}

impl Default for Oversight {
    fn default() -> Self {
        Self::new()
    }
}

impl Oversight {
    pub fn new() -> Self {
        Self {
            lifecycles: BTreeMap::new(),
            untracked: 0,
            opened: 0,
            resolved: 0,
            resolved_unmatched: 0,
            resolved_without_reviewer: 0,
            without_id: 0,
            overrides: 0,
            resolution_unknown: 0,
            resolutions: CappedMap::new(MAX_KEYS),
            opened_by_risk: CappedMap::new(MAX_KEYS),
            overrides_by_risk: CappedMap::new(MAX_KEYS),
            time_to_decision: LogHistogram::default(),
            reviewers: DistinctCap::new(MAX_DISTINCT),
        }
    }

    fn entry(&mut self, id: &str) -> (Option<&mut Escalation>, bool) {
        if self.lifecycles.contains_key(id) {
            return (self.lifecycles.get_mut(id), false);
        }
        if self.lifecycles.len() >= MAX_TRACKED {
            self.untracked += 1;
            return (None, false);
        }
        (
            Some(self.lifecycles.entry(id.to_string()).or_default()),
            true,
        )
    }

    /// Returns the escalation id when it is seen for the first time.
    pub fn observe<'o>(&mut self, o: &Obs<'o>, reviewer_ps: Option<&str>) -> Option<&'o str> {
        let opened = o.event_type == "escalation.opened";
        let resolved = o.event_type == "escalation.resolved";
        if !opened && !resolved {
            return None;
        }
        let Some(id) = o.e.escalation_id.as_deref() else {
            self.without_id += 1;
            return None;
        };
        let event_id = o.e.event_id.to_string();
        let (entry, is_new) = self.entry(id);
        let Some(x) = entry else {
            // Untracked (table full): counted, not linked.
            self.count_event(opened, o, reviewer_ps);
            if !opened {
                self.resolved_unmatched += 1;
            }
            return None;
        };
        if x.event_ids.len() < MAX_LINKED_EVENTS {
            x.event_ids.push(event_id);
        }
        // A repeated opening or resolution of one escalation is linked, not counted again.
        if opened {
            if x.opened_at.is_some() {
                return None;
            }
            x.opened_at = Some(o.ts);
            x.automated = Some(
                o.decision
                    .filter(|d| *d != "escalate")
                    .unwrap_or("block")
                    .to_string(),
            );
            x.risk = o.risk.map(str::to_string);
            self.count_event(true, o, reviewer_ps);
            return is_new.then_some(id);
        }
        if x.resolved_at.is_some() {
            return None;
        }
        x.resolved_at = Some(o.ts);
        x.resolution = o.decision.map(str::to_string);
        x.reviewer = reviewer_ps.map(str::to_string);
        if x.risk.is_none() {
            x.risk = o.risk.map(str::to_string);
        }
        let risk = x.risk.clone().unwrap_or_else(|| "(none)".into());
        let (opened_at, automated) = (x.opened_at, x.automated.clone());
        self.count_event(false, o, reviewer_ps);
        match (opened_at, automated, o.decision) {
            (None, _, _) => self.resolved_unmatched += 1,
            (Some(at), Some(auto), Some(d)) => {
                self.time_to_decision.add(o.ts - at);
                if auto != d {
                    self.overrides += 1;
                    self.overrides_by_risk.incr(&risk);
                }
            }
            (Some(at), _, _) => {
                self.time_to_decision.add(o.ts - at);
                self.resolution_unknown += 1;
            }
        }
        is_new.then_some(id)
    }

    /// Counts one opening or one resolution.
    fn count_event(&mut self, opened: bool, o: &Obs<'_>, reviewer_ps: Option<&str>) {
        if opened {
            self.opened += 1;
            self.opened_by_risk.incr(o.risk.unwrap_or("(none)"));
            return;
        }
        self.resolved += 1;
        match reviewer_ps {
            Some(r) => self.reviewers.insert(r),
            None => self.resolved_without_reviewer += 1,
        }
        self.resolutions.incr(o.decision.unwrap_or("(none)"));
    }

    /// Escalations opened in the window and not resolved by its end.
    pub fn pending(&self) -> impl Iterator<Item = (&String, &Escalation)> {
        self.lifecycles
            .iter()
            .filter(|(_, x)| x.opened_at.is_some() && x.resolved_at.is_none())
    }
}
