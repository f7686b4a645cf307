//! Incidents (ENS op.exp.7/9), serious-incident candidates (AI Act Art. 73) and
//! personal-data breach candidates (GDPR Art. 33/34).
use super::oversight::MAX_LINKED_EVENTS;
use super::vocab::{INCIDENT_ACK_OUTCOMES, INCIDENT_RESOLVED_OUTCOMES};
use super::{MAX_KEYS, MAX_TRACKED, Obs};
use crate::formats::reports::counters::CappedMap;
use crate::formats::reports::eea::RegionClass;
use crate::formats::reports::sketch::LogHistogram;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct Incident {
    pub reported_at: i64,
    pub acknowledged_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub severity: Option<String>,
    pub personal_data: bool,
    pub event_ids: Vec<String>,
}

/// Incidents by `incident_id`: first sighting = reported; a later event of the
/// same incident with an acknowledging / resolving `outcome` moves its lifecycle.
pub struct Incidents {
    pub lifecycles: BTreeMap<String, Incident>,
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

impl Incidents {
    pub fn new() -> Self {
        Self {
            lifecycles: BTreeMap::new(),
            untracked: 0,
            total: 0,
            by_severity: CappedMap::new(MAX_KEYS),
            time_to_acknowledge: LogHistogram::default(),
            time_to_resolve: LogHistogram::default(),
        }
    }

    /// Returns the incident id when it is seen for the first time.
    pub fn observe<'o>(&mut self, o: &Obs<'o>) -> Option<&'o str> {
        let id = o.e.incident_id.as_deref()?;
        let is_new = !self.lifecycles.contains_key(id);
        if is_new {
            if self.lifecycles.len() >= MAX_TRACKED {
                self.untracked += 1;
                return None;
            }
            self.total += 1;
            self.by_severity.incr(o.risk.unwrap_or("(none)"));
            self.lifecycles.insert(
                id.to_string(),
                Incident {
                    reported_at: o.ts,
                    severity: o.risk.map(str::to_string),
                    ..Incident::default()
                },
            );
        }
        let x = self.lifecycles.get_mut(id).expect("inserted above");
        x.personal_data |= o.personal;
        if x.event_ids.len() < MAX_LINKED_EVENTS {
            x.event_ids.push(o.e.event_id.to_string());
        }
        let outcome = o.e.outcome.as_deref().unwrap_or("");
        let resolves = INCIDENT_RESOLVED_OUTCOMES.contains(&outcome);
        if (resolves || INCIDENT_ACK_OUTCOMES.contains(&outcome)) && x.acknowledged_at.is_none() {
            x.acknowledged_at = Some(o.ts);
            self.time_to_acknowledge.add(o.ts - x.reported_at);
        }
        if resolves && x.resolved_at.is_none() {
            x.resolved_at = Some(o.ts);
            self.time_to_resolve.add(o.ts - x.reported_at);
        }
        is_new.then_some(id)
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
#[derive(Debug, Clone)]
pub struct SeriousCandidate {
    pub detected_at: i64,
    pub event_id: String,
    pub kind: &'static str,
    pub incident_id: Option<String>,
    pub request_id: Option<String>,
    pub escalated_at: Option<i64>,
    pub escalated_via: Option<&'static str>,
}

#[derive(Default)]
pub struct SeriousCandidates {
    pub by_case: BTreeMap<String, SeriousCandidate>,
    pub total: u64,
    pub untracked: u64,
}

impl SeriousCandidates {
    pub fn observe(&mut self, o: &Obs<'_>) {
        let reported = o.event_type == "incident.reported";
        let critical = o.risk == Some("critical");
        let key = case_key(o);
        if let Some(c) = self.by_case.get_mut(key) {
            if c.incident_id.is_none() {
                c.incident_id = o.e.incident_id.as_deref().map(str::to_string);
            }
            if c.escalated_at.is_none() && (reported || o.event_type == "escalation.opened") {
                c.escalated_at = Some(o.ts);
                c.escalated_via = Some(if reported {
                    "incident.reported"
                } else {
                    "escalation.opened"
                });
            }
            return;
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
            "incident.reported" => Some("incident.reported"),
            "escalation.opened" => Some("escalation.opened"),
            _ => None,
        };
        self.by_case.insert(
            key.to_string(),
            SeriousCandidate {
                detected_at: o.ts,
                event_id: o.e.event_id.to_string(),
                kind: if reported {
                    "incident_reported"
                } else {
                    "critical_risk_event"
                },
                incident_id: o.e.incident_id.as_deref().map(str::to_string),
                request_id: o.e.request_id.as_deref().map(str::to_string),
                escalated_at: via.map(|_| o.ts),
                escalated_via: via,
            },
        );
    }
}

/// Personal data sent on (decision `allow`) to a provider region that is
/// neither EEA nor adequacy-decision, or whose region is not stated; or an
/// incident whose events carry personal data.
pub fn is_breach_candidate(o: &Obs<'_>) -> bool {
    let transfer = o.is_request
        && o.personal
        && o.decision == Some("allow")
        && matches!(o.region_class, RegionClass::NonEea | RegionClass::Unknown);
    let incident = o.e.incident_id.is_some() && o.personal;
    transfer || incident
}

#[derive(Debug, Clone)]
pub struct Breach {
    pub detected_at: i64,
    pub event_id: String,
    pub kind: &'static str,
    pub incident_id: Option<String>,
    pub provider: Option<String>,
    pub region: Option<String>,
    pub region_class: &'static str,
    pub categories: Vec<String>,
}

#[derive(Default)]
pub struct Breaches {
    pub by_case: BTreeMap<String, Breach>,
    pub total: u64,
    pub untracked: u64,
}

impl Breaches {
    pub fn observe(&mut self, o: &Obs<'_>) {
        let key = case_key(o);
        if let Some(b) = self.by_case.get_mut(key) {
            // A later incident record on the same case links the candidate to handling.
            if b.incident_id.is_none() {
                b.incident_id = o.e.incident_id.as_deref().map(str::to_string);
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
        let mut categories: Vec<String> = o.categories.iter().map(|c| c.to_string()).collect();
        categories.sort();
        categories.dedup();
        categories.truncate(16);
        let is_incident = o.e.incident_id.is_some();
        self.by_case.insert(
            key.to_string(),
            Breach {
                detected_at: o.ts,
                event_id: o.e.event_id.to_string(),
                kind: if is_incident {
                    "incident_with_personal_data"
                } else {
                    "personal_data_to_unapproved_region"
                },
                incident_id: o.e.incident_id.as_deref().map(str::to_string),
                provider: o.provider.map(str::to_string),
                region: o.region.map(str::to_string),
                region_class: o.region_class.as_str(),
                categories,
            },
        );
    }
}
