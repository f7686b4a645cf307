//! Human oversight: escalations opened and resolved, time to decision, reviewers, overrides.
//!
//! The automated decision of an escalation is the decision on its
//! `escalation.opened` event when that is not `escalate`; otherwise it is
//! `block`, because the gateway withholds an escalated request until a human
//! decides. A human override is a resolution whose decision differs from it.
//!
//! Events only fill each escalation's row (its first opening, its first
//! resolution); the counts are derived from the rows once, in [`Oversight::finalize`],
//! so that rows of a fanned-out export's segments merge per id first.
use super::rows::Rows;
use super::shared::{ArcStr, IdStr, Interner, LinkedIds};
use super::{MAX_DISTINCT, MAX_KEYS, MAX_TRACKED, Obs, OptMs};
use crate::formats::reports::counters::{CappedMap, DistinctCap};
use crate::formats::reports::merge::NotExact;
use crate::formats::reports::sketch::LogHistogram;
use serde::{Deserialize, Serialize};

pub use super::shared::MAX_LINKED_EVENTS;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Escalation {
    pub opened_at: OptMs,
    pub resolved_at: OptMs,
    pub automated: Option<ArcStr>,
    pub resolution: Option<ArcStr>,
    pub reviewer: Option<ArcStr>,
    pub event_ids: LinkedIds,
    /// The event ids of the first opening and the first resolution: with the
    /// times, their place in export order.
    opened_by: Option<IdStr>,
    resolved_by: Option<IdStr>,
    open_risk: Option<ArcStr>,
    resolution_risk: Option<ArcStr>,
}

impl Escalation {
    /// The opening's risk level, else the resolution's (a resolution that
    /// came before the opening does not lend its level to an opened row).
    /// Worked out when read, not stored: 8 bytes less a row.
    pub fn risk(&self) -> Option<&ArcStr> {
        match (self.opened_at.is_some(), self.resolved_at.is_some()) {
            (true, true) if self.matched() => {
                self.open_risk.as_ref().or(self.resolution_risk.as_ref())
            }
            (true, _) => self.open_risk.as_ref(),
            (false, _) => self.resolution_risk.as_ref(),
        }
    }

    /// Whether the first resolution came after the first opening (in export order).
    /// A resolution before its own escalation's opening is a timestamp
    /// anomaly ([`Escalation::resolved_before_opening`]), not a match.
    pub fn matched(&self) -> bool {
        match (self.opened_at.get(), self.resolved_at.get()) {
            (Some(o), Some(r)) => (o, self.opened_by.as_deref()) < (r, self.resolved_by.as_deref()),
            _ => false,
        }
    }

    /// Whether the escalation was opened in the window and its first
    /// resolution is timestamped before that opening.
    pub fn resolved_before_opening(&self) -> bool {
        self.opened_at.is_some() && self.resolved_at.is_some() && !self.matched()
    }

    /// A later part's row of the same escalation.
    fn merge(&mut self, l: Escalation) {
        let room = MAX_LINKED_EVENTS.saturating_sub(self.event_ids.len());
        self.event_ids.extend(l.event_ids.into_iter().take(room));
        if self.opened_at.is_none() {
            self.opened_at = l.opened_at;
            self.opened_by = l.opened_by;
            self.automated = l.automated;
            self.open_risk = l.open_risk;
        }
        if self.resolved_at.is_none() {
            self.resolved_at = l.resolved_at;
            self.resolved_by = l.resolved_by;
            self.resolution = l.resolution;
            self.reviewer = l.reviewer;
            self.resolution_risk = l.resolution_risk;
        }
    }
}

/// What escalation events past the table's cap add (counted, not linked).
#[derive(Serialize, Deserialize)]
struct Loose {
    opened: u64,
    resolved: u64,
    resolved_without_reviewer: u64,
    resolutions: CappedMap<u64>,
    opened_by_risk: CappedMap<u64>,
    reviewers: DistinctCap,
}

#[derive(Serialize, Deserialize)]
pub struct Oversight {
    pub lifecycles: Rows<Escalation>,
    /// The rows' decisions, risk levels and reviewers, each stored once.
    #[serde(skip)]
    interned: Interner,
    /// Escalation events whose id did not fit in `lifecycles`.
    pub untracked: u64,
    loose: Loose,
    /// Escalation events without an `escalation_id`.
    pub without_id: u64,
    // Derived from the rows by `finalize`:
    /// Distinct escalations opened / resolved in the window (untracked ones: events).
    pub opened: u64,
    pub resolved: u64,
    /// Resolutions whose opening is not in the window (or not tracked).
    pub resolved_unmatched: u64,
    /// Resolutions timestamped before their escalation's opening in the
    /// window: a timestamp anomaly; the escalation counts as pending.
    #[serde(default)]
    pub resolved_before_opening: u64,
    pub resolved_without_reviewer: u64,
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
            lifecycles: Rows::new(),
            interned: Interner::default(),
            untracked: 0,
            loose: Loose {
                opened: 0,
                resolved: 0,
                resolved_without_reviewer: 0,
                resolutions: CappedMap::new(MAX_KEYS),
                opened_by_risk: CappedMap::new(MAX_KEYS),
                reviewers: DistinctCap::new(MAX_DISTINCT),
            },
            without_id: 0,
            opened: 0,
            resolved: 0,
            resolved_unmatched: 0,
            resolved_before_opening: 0,
            resolved_without_reviewer: 0,
            overrides: 0,
            resolution_unknown: 0,
            resolutions: CappedMap::new(MAX_KEYS),
            opened_by_risk: CappedMap::new(MAX_KEYS),
            overrides_by_risk: CappedMap::new(MAX_KEYS),
            time_to_decision: LogHistogram::default(),
            reviewers: DistinctCap::new(MAX_DISTINCT),
        }
    }

    /// Observes one event (rows only; counts come from `finalize`).
    pub fn observe(&mut self, o: &Obs<'_>) {
        let reviewer_ps = o.reviewer_ps.as_deref();
        let opened = o.event_type == "escalation.opened";
        let resolved = o.event_type == "escalation.resolved";
        if !opened && !resolved {
            return;
        }
        let Some(id) = o.e.escalation_id.as_deref() else {
            self.without_id += 1;
            return;
        };
        if !self.lifecycles.contains_key(id) && self.lifecycles.len() >= MAX_TRACKED {
            // Untracked (table full): counted, not linked.
            self.untracked += 1;
            let l = &mut self.loose;
            if opened {
                l.opened += 1;
                l.opened_by_risk.incr(o.risk.unwrap_or("(none)"));
            } else {
                l.resolved += 1;
                match reviewer_ps {
                    Some(r) => l.reviewers.insert(r),
                    None => l.resolved_without_reviewer += 1,
                }
                l.resolutions.incr(o.decision.unwrap_or("(none)"));
            }
            return;
        }
        if !self.lifecycles.contains_key(id) {
            self.lifecycles.insert(
                o.shared_escalation_id()
                    .expect("the event has an escalation id"),
                Escalation::default(),
            );
        }
        let x = self.lifecycles.get_mut(id).expect("inserted above");
        if x.event_ids.len() < MAX_LINKED_EVENTS {
            x.event_ids.push(o.shared_event_id());
        }
        let interned = &mut self.interned;
        // A repeated opening or resolution of one escalation is linked, not counted again.
        if opened && x.opened_at.is_none() {
            x.opened_at = OptMs::at(o.ts);
            x.opened_by = Some(o.shared_event_id());
            x.automated =
                Some(interned.intern(o.decision.filter(|d| *d != "escalate").unwrap_or("block")));
            x.open_risk = interned.intern_opt(o.risk);
        } else if resolved && x.resolved_at.is_none() {
            x.resolved_at = OptMs::at(o.ts);
            x.resolved_by = Some(o.shared_event_id());
            x.resolution = interned.intern_opt(o.decision);
            x.reviewer = interned.intern_opt(reviewer_ps);
            x.resolution_risk = interned.intern_opt(o.risk);
        }
    }

    /// `self` then the later part `l`: rows merge per id.
    pub fn merge(&mut self, l: Oversight) -> Result<(), NotExact> {
        self.lifecycles.merge_later(
            "escalations",
            self.untracked + l.untracked,
            l.lifecycles,
            Escalation::merge,
        )?;
        self.without_id += l.without_id;
        Ok(())
    }

    /// Derives the counts from the rows (openings and resolutions in export
    /// order), then adds the untracked events.
    pub fn finalize(&mut self) {
        let mut opens: Vec<&Escalation> = self
            .lifecycles
            .values()
            .filter(|x| x.opened_at.is_some())
            .collect();
        opens.sort_by(|a, b| (a.opened_at, &a.opened_by).cmp(&(b.opened_at, &b.opened_by)));
        let mut resolutions: Vec<&Escalation> = self
            .lifecycles
            .values()
            .filter(|x| x.resolved_at.is_some())
            .collect();
        resolutions
            .sort_by(|a, b| (a.resolved_at, &a.resolved_by).cmp(&(b.resolved_at, &b.resolved_by)));
        let mut opened_by_risk = CappedMap::new(MAX_KEYS);
        for x in &opens {
            opened_by_risk.incr(x.open_risk.as_deref().unwrap_or("(none)"));
        }
        let (mut unmatched, mut without_reviewer, mut overrides, mut unknown) = (0, 0, 0, 0);
        let mut before_opening = 0;
        let mut reviewers = DistinctCap::new(MAX_DISTINCT);
        let mut by_resolution = CappedMap::new(MAX_KEYS);
        let mut overrides_by_risk = CappedMap::new(MAX_KEYS);
        let mut time_to_decision = LogHistogram::default();
        for x in &resolutions {
            match &x.reviewer {
                Some(r) => reviewers.insert(r),
                None => without_reviewer += 1,
            }
            by_resolution.incr(x.resolution.as_deref().unwrap_or("(none)"));
            if x.resolved_before_opening() {
                before_opening += 1;
                continue;
            }
            if !x.matched() {
                unmatched += 1;
                continue;
            }
            let (at, to) = (x.opened_at.unwrap_or(0), x.resolved_at.unwrap_or(0));
            time_to_decision.add(to - at);
            match (&x.automated, &x.resolution) {
                (Some(auto), Some(d)) if auto != d => {
                    overrides += 1;
                    let risk = x.open_risk.as_ref().or(x.resolution_risk.as_ref());
                    overrides_by_risk.incr(risk.map_or("(none)", ArcStr::as_str));
                }
                (Some(_), Some(_)) => {}
                _ => unknown += 1,
            }
        }
        let l = &self.loose;
        self.opened = opens.len() as u64 + l.opened;
        self.resolved = resolutions.len() as u64 + l.resolved;
        self.resolved_unmatched = unmatched + l.resolved;
        self.resolved_before_opening = before_opening;
        self.resolved_without_reviewer = without_reviewer + l.resolved_without_reviewer;
        self.overrides = overrides;
        self.resolution_unknown = unknown;
        add_counts(&mut opened_by_risk, &l.opened_by_risk);
        add_counts(&mut by_resolution, &l.resolutions);
        reviewers.merge(l.reviewers.clone());
        self.opened_by_risk = opened_by_risk;
        self.resolutions = by_resolution;
        self.overrides_by_risk = overrides_by_risk;
        self.time_to_decision = time_to_decision;
        self.reviewers = reviewers;
    }

    /// Escalations opened in the window and not resolved after their
    /// opening by its end: a resolution timestamped before the opening does
    /// not resolve it (it is counted in `resolved_before_opening`).
    pub fn pending(&self) -> impl Iterator<Item = (&IdStr, &Escalation)> {
        self.lifecycles
            .iter()
            .filter(|(_, x)| x.opened_at.is_some() && !x.matched())
    }
}

/// Adds the counts of `from` to `to` (keys that do not fit count as overflow).
fn add_counts(to: &mut CappedMap<u64>, from: &CappedMap<u64>) {
    for (k, n) in from.sorted() {
        match to.entry(k) {
            Some(c) => *c += n,
            None => to.overflow += n - 1,
        }
    }
    to.overflow += from.overflow;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_saved_with_a_stored_risk_level_still_loads_and_works_it_out() {
        // Before the eleventh round rows saved a `risk` field (always null
        // before `finalize`); a saved state holding it still loads.
        let saved = r#"{"opened_at":5,"resolved_at":null,"automated":"block","resolution":null,"risk":null,"reviewer":null,"event_ids":["evt_1"],"opened_by":"evt_1","resolved_by":null,"open_risk":"high","resolution_risk":null}"#;
        let row: Escalation = serde_json::from_str(saved).unwrap();
        assert_eq!(row.risk().map(ArcStr::as_str), Some("high"));
        let again = serde_json::to_string(&row).unwrap();
        assert!(!again.contains(r#""risk""#), "{again}");
        // A resolution before the opening (in export order) does not lend its level.
        let mut early = row.clone();
        early.open_risk = None;
        early.resolved_at = OptMs::at(1);
        early.resolved_by = Some(IdStr::from("evt_0"));
        early.resolution_risk = Some(ArcStr::from("low"));
        assert_eq!(early.risk(), None);
        early.resolved_at = OptMs::at(9);
        assert_eq!(early.risk().map(ArcStr::as_str), Some("low"));
    }
}
