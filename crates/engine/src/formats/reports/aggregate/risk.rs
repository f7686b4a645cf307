//! Incidents (ENS op.exp.7/9), serious-incident candidates (AI Act Art. 73) and
//! personal-data breach candidates (GDPR Art. 33/34).
use super::oversight::MAX_LINKED_EVENTS;
use super::rows::Rows;
use super::shared::{ArcStr, IdStr, Interner, LinkedIds};
use super::vocab::{INCIDENT_ACK_OUTCOMES, INCIDENT_RESOLVED_OUTCOMES};
use super::{BreachKind, CandidateKind, EscalatedVia, MAX_KEYS, MAX_TRACKED, Obs, OptMs};
use crate::formats::reports::counters::CappedMap;
use crate::formats::reports::merge::{NotExact, check_tracked, first};
use crate::formats::reports::sketch::LogHistogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Incident {
    pub reported_at: i64,
    pub acknowledged_at: OptMs,
    pub resolved_at: OptMs,
    pub severity: Option<ArcStr>,
    pub personal_data: bool,
    pub event_ids: LinkedIds,
}

/// Incidents by `incident_id`: first sighting = reported; a later event of the
/// same incident with an acknowledging / resolving `outcome` moves its lifecycle.
/// The counts and times are derived from the rows in [`Incidents::finalize`].
#[derive(Serialize, Deserialize)]
pub struct Incidents {
    pub lifecycles: Rows<Incident>,
    /// The rows' severities, each stored once.
    #[serde(skip)]
    interned: Interner,
    pub untracked: u64,
    pub total: u64,
    pub by_severity: CappedMap<u64>,
    pub time_to_acknowledge: LogHistogram,
    pub time_to_resolve: LogHistogram,
}

impl Default for Incidents {
    fn default() -> Self {
        Self::new()
    }
}

impl Incident {
    /// A later part's row of the same incident.
    fn merge(&mut self, l: Incident) {
        self.personal_data |= l.personal_data;
        let room = MAX_LINKED_EVENTS.saturating_sub(self.event_ids.len());
        self.event_ids.extend(l.event_ids.into_iter().take(room));
        self.acknowledged_at.first(l.acknowledged_at);
        self.resolved_at.first(l.resolved_at);
    }
}

impl Incidents {
    pub fn new() -> Self {
        Self {
            lifecycles: Rows::new(),
            interned: Interner::default(),
            untracked: 0,
            total: 0,
            by_severity: CappedMap::new(MAX_KEYS),
            time_to_acknowledge: LogHistogram::default(),
            time_to_resolve: LogHistogram::default(),
        }
    }

    /// Observes one event (rows only; counts come from `finalize`).
    pub fn observe(&mut self, o: &Obs<'_>) {
        let Some(id) = o.e.incident_id.as_deref() else {
            return;
        };
        if !self.lifecycles.contains_key(id) {
            if self.lifecycles.len() >= MAX_TRACKED {
                self.untracked += 1;
                return;
            }
            self.lifecycles.insert(
                o.shared_incident_id()
                    .expect("the event has an incident id"),
                Incident {
                    reported_at: o.ts,
                    severity: self.interned.intern_opt(o.risk),
                    ..Incident::default()
                },
            );
        }
        let x = self.lifecycles.get_mut(id).expect("inserted above");
        x.personal_data |= o.personal;
        if x.event_ids.len() < MAX_LINKED_EVENTS {
            x.event_ids.push(o.shared_event_id());
        }
        let outcome = o.e.outcome.as_deref().unwrap_or("");
        let resolves = INCIDENT_RESOLVED_OUTCOMES.contains(&outcome);
        if (resolves || INCIDENT_ACK_OUTCOMES.contains(&outcome)) && x.acknowledged_at.is_none() {
            x.acknowledged_at = OptMs::at(o.ts);
        }
        if resolves && x.resolved_at.is_none() {
            x.resolved_at = OptMs::at(o.ts);
        }
    }

    /// `self` then the later part `l`: rows merge per id.
    pub fn merge(&mut self, l: Incidents) -> Result<(), NotExact> {
        self.lifecycles.merge_later(
            "incidents",
            self.untracked + l.untracked,
            l.lifecycles,
            Incident::merge,
        )
    }

    /// Derives the counts and times from the rows (first sightings in export order).
    pub fn finalize(&mut self) {
        let mut rows: Vec<&Incident> = self.lifecycles.values().collect();
        rows.sort_by(|a, b| {
            (a.reported_at, a.event_ids.first()).cmp(&(b.reported_at, b.event_ids.first()))
        });
        let mut by_severity = CappedMap::new(MAX_KEYS);
        let (mut ack, mut resolve) = (LogHistogram::default(), LogHistogram::default());
        for x in &rows {
            by_severity.incr(x.severity.as_deref().unwrap_or("(none)"));
            if let Some(at) = x.acknowledged_at.get() {
                ack.add(at - x.reported_at);
            }
            if let Some(at) = x.resolved_at.get() {
                resolve.add(at - x.reported_at);
            }
        }
        self.total = rows.len() as u64;
        self.by_severity = by_severity;
        self.time_to_acknowledge = ack;
        self.time_to_resolve = resolve;
    }
}

/// The key that links the events of one case: request, else incident, else event id.
fn case_key<'a>(o: &Obs<'a>) -> &'a str {
    o.e.request_id
        .as_deref()
        .or(o.e.incident_id.as_deref())
        .unwrap_or(&o.e.event_id)
}

/// An AI Act Art. 73 candidate: an `incident.reported` event or a critical-risk event.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriousCandidate {
    pub detected_at: i64,
    pub event_id: IdStr,
    pub kind: CandidateKind,
    pub incident_id: Option<IdStr>,
    pub request_id: Option<IdStr>,
    pub escalated_at: OptMs,
    pub escalated_via: Option<EscalatedVia>,
}

/// What a segment saw of a case before (or without) a candidate of its own:
/// the first incident id and the first escalation, which update a candidate
/// an earlier segment found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CaseUpdate {
    incident_id: Option<IdStr>,
    escalated_at: OptMs,
    escalated_via: Option<EscalatedVia>,
}

impl CaseUpdate {
    fn then(&mut self, l: CaseUpdate) {
        first(&mut self.incident_id, l.incident_id);
        if self.escalated_at.is_none() {
            self.escalated_at = l.escalated_at;
            self.escalated_via = l.escalated_via;
        }
    }
}

impl SeriousCandidate {
    fn update(&mut self, u: CaseUpdate) {
        first(&mut self.incident_id, u.incident_id);
        if self.escalated_at.is_none() {
            self.escalated_at = u.escalated_at;
            self.escalated_via = u.escalated_via;
        }
    }
}

#[derive(Default, Serialize, Deserialize)]
pub struct SeriousCandidates {
    pub by_case: Rows<SeriousCandidate>,
    pub total: u64,
    pub untracked: u64,
    /// Only a segment of a fanned-out export keeps these (see [`CaseUpdate`]).
    pub keep_updates: bool,
    updates: BTreeMap<IdStr, CaseUpdate>,
    updates_overflow: bool,
}

impl SeriousCandidates {
    /// `self` then the later part `l`: a later candidate of a case this part
    /// found is an update of it, as are the later part's updates.
    pub fn merge(&mut self, l: SeriousCandidates) -> Result<(), NotExact> {
        check_tracked(
            "serious-incident candidates",
            self.by_case.len(),
            self.untracked + l.untracked,
        )?;
        if l.updates_overflow {
            return Err(NotExact(format!("more than {MAX_TRACKED} linked cases")));
        }
        self.total += l.total;
        for (key, u) in l.updates {
            if let Some(c) = self.by_case.get_mut(&key) {
                c.update(u);
            } else {
                self.updates.entry(key).or_default().then(u);
            }
        }
        for (key, c) in l.by_case {
            match self.by_case.get_mut(&key) {
                Some(mine) => {
                    self.total -= 1;
                    mine.update(CaseUpdate {
                        incident_id: c.incident_id,
                        escalated_at: c.escalated_at,
                        escalated_via: c.escalated_via,
                    });
                }
                None => {
                    self.updates.remove(&key);
                    self.by_case.insert(key, c);
                }
            }
        }
        self.updates_overflow |= self.updates.len() > MAX_TRACKED;
        check_tracked("serious-incident candidates", self.by_case.len(), 0)
    }

    pub fn observe(&mut self, o: &Obs<'_>) {
        let reported = o.event_type == "incident.reported";
        let critical = o.risk == Some("critical");
        let key = case_key(o);
        if let Some(c) = self.by_case.get_mut(key) {
            if c.incident_id.is_none() {
                c.incident_id = o.shared_incident_id();
            }
            if c.escalated_at.is_none() && (reported || o.event_type == "escalation.opened") {
                c.escalated_at = OptMs::at(o.ts);
                c.escalated_via = Some(EscalatedVia::of(reported));
            }
            return;
        }
        if self.keep_updates
            && (o.e.incident_id.is_some() || reported || o.event_type == "escalation.opened")
        {
            self.note_update(key, o, reported);
        }
        if !reported && !critical {
            return;
        }
        self.total += 1;
        if self.by_case.len() >= MAX_TRACKED {
            self.untracked += 1;
            return;
        }
        let via = match o.event_type {
            "incident.reported" | "escalation.opened" => Some(EscalatedVia::of(reported)),
            _ => None,
        };
        let key = o.shared_case_key();
        // The case key is the request id when there is one: shared, not copied.
        let request_id = o.e.request_id.as_ref().map(|_| key.clone());
        self.by_case.insert(
            key,
            SeriousCandidate {
                detected_at: o.ts,
                event_id: o.shared_event_id(),
                kind: if reported {
                    CandidateKind::IncidentReported
                } else {
                    CandidateKind::CriticalRiskEvent
                },
                incident_id: o.shared_incident_id(),
                request_id,
                escalated_at: via.as_ref().map_or(OptMs::NONE, |_| OptMs::at(o.ts)),
                escalated_via: via,
            },
        );
    }

    /// Records what a case's event would update, had an earlier part found
    /// its candidate. `key` is the event's case key (`case_key(o)`).
    fn note_update(&mut self, key: &str, o: &Obs<'_>, reported: bool) {
        debug_assert_eq!(key, case_key(o));
        if !self.updates.contains_key(key) {
            if self.updates.len() >= MAX_TRACKED {
                self.updates_overflow = true;
                return;
            }
            self.updates
                .insert(o.shared_case_key(), CaseUpdate::default());
        }
        let u = self.updates.get_mut(key).expect("inserted above");
        if u.incident_id.is_none() {
            u.incident_id = o.shared_incident_id();
        }
        if u.escalated_at.is_none() && (reported || o.event_type == "escalation.opened") {
            u.escalated_at = OptMs::at(o.ts);
            u.escalated_via = Some(EscalatedVia::of(reported));
        }
    }
}

/// An event of an incident (it carries an `incident_id`) with personal data.
/// A transfer outside the EEA is not a breach: it is reviewed under GDPR
/// Chapter V (`rgpd.44_49`), not put on a 72-hour clock.
pub fn is_breach_candidate(o: &Obs<'_>) -> bool {
    o.e.incident_id.is_some() && o.personal
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Breach {
    pub detected_at: i64,
    pub event_id: IdStr,
    pub kind: BreachKind,
    pub incident_id: Option<IdStr>,
    pub provider: Option<ArcStr>,
    pub region: Option<ArcStr>,
    /// Inline up to two (events name one or two): no heap block per row.
    pub categories: smallvec::SmallVec<[ArcStr; 2]>,
}

#[derive(Default, Serialize, Deserialize)]
pub struct Breaches {
    pub by_case: Rows<Breach>,
    /// The rows' providers, regions and data categories, each stored once.
    #[serde(skip)]
    interned: Interner,
    pub total: u64,
    pub untracked: u64,
}

impl Breaches {
    /// `self` then the later part `l`: a case found by both is this part's
    /// (a candidate always carries its incident id, so later events change nothing).
    pub fn merge(&mut self, l: Breaches) -> Result<(), NotExact> {
        self.total += l.total;
        self.by_case.merge_later(
            "breach candidates",
            self.untracked + l.untracked,
            l.by_case,
            |_, _| self.total -= 1,
        )
    }

    pub fn observe(&mut self, o: &Obs<'_>) {
        let key = case_key(o);
        if let Some(b) = self.by_case.get_mut(key) {
            // A later incident record on the same case links the candidate to handling.
            if b.incident_id.is_none() {
                b.incident_id = o.shared_incident_id();
            }
            return;
        }
        if !is_breach_candidate(o) {
            return;
        }
        self.total += 1;
        if self.by_case.len() >= MAX_TRACKED {
            self.untracked += 1;
            return;
        }
        let mut categories: Vec<&str> = o.categories.to_vec();
        categories.sort_unstable();
        categories.dedup();
        categories.truncate(16);
        let interned = &mut self.interned;
        let categories = categories.into_iter().map(|c| interned.intern(c)).collect();
        let key = o.shared_case_key();
        self.by_case.insert(
            key,
            Breach {
                detected_at: o.ts,
                event_id: o.shared_event_id(),
                kind: BreachKind::IncidentWithPersonalData,
                incident_id: o.shared_incident_id(),
                provider: interned.intern_opt(o.provider),
                region: interned.intern_opt(o.region),
                categories,
            },
        );
    }
}
