//! Evidence samples: one bottom-k sample per framework and population.
use super::Obs;
use crate::formats::reports::Framework;
use crate::formats::reports::doc::{Evidence, Selection, SelectionMethod};
use crate::formats::reports::num::iso;
use crate::formats::reports::sample::{BottomK, EVIDENCE_CAP, SeedState, priority};
use kt_domain::Window;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The event populations evidence lists are drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Pop {
    /// Every exported event.
    All,
    /// Events with risk `high` or `critical`.
    HighRisk,
    /// `escalation.opened` / `escalation.resolved` events.
    Escalation,
    /// Request events that carry a decision.
    Decision,
    /// Request events that name a model provider.
    ProviderRequest,
    /// `incident.reported` events, events with an `incident_id` and critical-risk events.
    Incident,
    /// Events with a personal-data category.
    Personal,
    /// Events with a special-category detection.
    Special,
    /// Events with decision `block` or `redact`.
    Enforced,
    /// Events that are breach candidates (see `risk.rs`).
    Breach,
    /// Personal-data request events sent to a provider region outside the EEA (or unknown).
    NonEeaPersonal,
    /// `admin.action` events and exports of the log.
    Admin,
    /// Request events (gateway.request, policy.decision, escalation.opened).
    Request,
    /// `config.published` events.
    Config,
    /// Exports or reads of the log itself (`export.*`, `log.export*`).
    LogExport,
}

impl Pop {
    /// The population's bit in a set of populations.
    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// A set of populations being built.
struct Pops(u16);

impl Pops {
    fn push(&mut self, pop: Pop) {
        self.0 |= pop.bit();
    }
}

const _: () = {
    assert!(ALL_POPS.len() <= u16::BITS as usize);
    // `ALL_POPS[i] as usize == i`: a population's sample is found by index.
    let mut i = 0;
    while i < ALL_POPS.len() {
        assert!(ALL_POPS[i] as usize == i);
        i += 1;
    }
};

/// Saves the per-population samples as a map keyed by population.
fn by_pop<S: serde::Serializer>(events: &[BottomK], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(ALL_POPS.iter().zip(events))
}

/// Loads the per-population samples saved by [`by_pop`].
fn in_pop_order<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<BottomK>, D::Error> {
    let mut saved = BTreeMap::<Pop, BottomK>::deserialize(d)?;
    ALL_POPS
        .iter()
        .map(|pop| {
            saved
                .remove(pop)
                .ok_or_else(|| serde::de::Error::custom(format!("no sample of {pop:?}")))
        })
        .collect()
}

const ALL_POPS: [Pop; 15] = [
    Pop::All,
    Pop::HighRisk,
    Pop::Escalation,
    Pop::Decision,
    Pop::ProviderRequest,
    Pop::Incident,
    Pop::Personal,
    Pop::Special,
    Pop::Enforced,
    Pop::Breach,
    Pop::NonEeaPersonal,
    Pop::Admin,
    Pop::Request,
    Pop::Config,
    Pop::LogExport,
];

#[derive(Serialize, Deserialize)]
struct FrameworkSamples {
    seed: String,
    /// One sample per population, at `Pop as usize` (saved as a map by population).
    #[serde(serialize_with = "by_pop", deserialize_with = "in_pop_order")]
    events: Vec<BottomK>,
    escalations: BottomK,
    incidents: BottomK,
}

#[derive(Serialize, Deserialize)]
pub struct Samples {
    per: BTreeMap<Framework, FrameworkSamples>,
}

/// The seed of one report's samples: `tenant|format|window_start/window_end`.
pub fn seed_for(tenant: &str, fw: Framework, window: &Window) -> String {
    format!(
        "{tenant}|{}|{}/{}",
        fw.format().as_str(),
        iso(window.start),
        iso(window.end)
    )
}

impl FrameworkSamples {
    /// Empty samples of every population under `seed`.
    fn empty(seed: String) -> Self {
        Self {
            seed,
            events: ALL_POPS.map(|_| BottomK::new(EVIDENCE_CAP)).into(),
            escalations: BottomK::new(EVIDENCE_CAP),
            incidents: BottomK::new(EVIDENCE_CAP),
        }
    }
}

impl Samples {
    pub fn new(tenant: &str, window: &Window, frameworks: &[Framework]) -> Self {
        let per = frameworks
            .iter()
            .map(|&fw| (fw, FrameworkSamples::empty(seed_for(tenant, fw, window))))
            .collect();
        Self { per }
    }

    /// The event's populations, as a set of [`Pop::bit`]s.
    fn pops_of(o: &Obs<'_>) -> u16 {
        let mut pops = Pops(Pop::All.bit());
        let high = matches!(o.risk, Some("high") | Some("critical"));
        if high {
            pops.push(Pop::HighRisk);
        }
        if o.event_type.starts_with("escalation.") {
            pops.push(Pop::Escalation);
        }
        if o.is_request {
            pops.push(Pop::Request);
            if o.decision.is_some() {
                pops.push(Pop::Decision);
            }
            if o.provider.is_some() {
                pops.push(Pop::ProviderRequest);
            }
            if o.personal
                && o.region_class.is_outside_eea()
                && !matches!(o.decision, Some("block") | Some("redact"))
            {
                pops.push(Pop::NonEeaPersonal);
            }
        }
        if o.event_type == "incident.reported"
            || o.e.incident_id.is_some()
            || o.risk == Some("critical")
        {
            pops.push(Pop::Incident);
        }
        if o.personal {
            pops.push(Pop::Personal);
        }
        if o.special {
            pops.push(Pop::Special);
        }
        if matches!(o.decision, Some("block") | Some("redact")) {
            pops.push(Pop::Enforced);
        }
        if super::risk::is_breach_candidate(o) {
            pops.push(Pop::Breach);
        }
        let log_export = super::access::is_log_export(o.event_type);
        if o.event_type == "admin.action" || log_export {
            pops.push(Pop::Admin);
        }
        if log_export {
            pops.push(Pop::LogExport);
        }
        if o.event_type == "config.published" {
            pops.push(Pop::Config);
        }
        pops.0
    }

    /// Offers the event to its populations.
    pub fn observe(&mut self, o: &Obs<'_>) {
        let pops = Self::pops_of(o);
        let id = o.e.event_id.as_ref();
        for (s, &p) in self.per.values_mut().zip(&o.priorities) {
            for (pop, b) in ALL_POPS.iter().zip(&mut s.events) {
                if pops & pop.bit() != 0 {
                    b.offer(p, id);
                }
            }
        }
    }

    /// Adds the samples of a later part (events are exported once, so the
    /// populations are disjoint).
    pub fn merge(&mut self, later: Samples) {
        for (fw, l) in later.per {
            if let Some(s) = self.per.get_mut(&fw) {
                for (mine, b) in s.events.iter_mut().zip(l.events) {
                    mine.merge(b);
                }
            }
        }
    }

    /// Samples the tracked escalation and incident ids (each offered once).
    pub fn sample_ids<'a>(
        &mut self,
        escalations: impl Iterator<Item = &'a str> + Clone,
        incidents: impl Iterator<Item = &'a str> + Clone,
    ) {
        for s in self.per.values_mut() {
            s.escalations.clear();
            s.incidents.clear();
            for id in escalations.clone() {
                s.escalations.offer(priority(&s.seed, id), id);
            }
            for id in incidents.clone() {
                s.incidents.offer(priority(&s.seed, id), id);
            }
        }
    }

    /// Each framework's seed hashed (`seed|`), in the order
    /// [`Obs::priorities`](super::Obs) follows.
    pub fn seed_states(&self) -> Vec<SeedState> {
        self.per.values().map(|s| SeedState::new(&s.seed)).collect()
    }

    pub fn seed(&self, fw: Framework) -> &str {
        self.per.get(&fw).map_or("", |s| s.seed.as_str())
    }

    /// The escalation ids sampled for `fw`.
    pub fn escalation_ids(&self, fw: Framework) -> Vec<String> {
        self.per
            .get(&fw)
            .map(|s| s.escalations.ids())
            .unwrap_or_default()
    }

    pub fn incident_ids(&self, fw: Framework) -> Vec<String> {
        self.per
            .get(&fw)
            .map(|s| s.incidents.ids())
            .unwrap_or_default()
    }

    /// A section's `evidence` object: event ids from `pop`, and escalation /
    /// incident ids when the section is about them.
    pub fn evidence(
        &self,
        fw: Framework,
        pop: Pop,
        escalations: bool,
        incidents: bool,
    ) -> Evidence {
        let Some(s) = self.per.get(&fw) else {
            return Evidence::none();
        };
        let ev = &s.events[pop as usize];
        let event_ids = ev.ids();
        let (esc_ids, esc_pop) = if escalations {
            (s.escalations.ids(), s.escalations.population())
        } else {
            (vec![], 0)
        };
        let (inc_ids, inc_pop) = if incidents {
            (s.incidents.ids(), s.incidents.population())
        } else {
            (vec![], 0)
        };
        Evidence {
            selection: Selection {
                method: SelectionMethod::BottomKSha256,
                seed: s.seed.clone(),
                population: ev.population(),
                n: event_ids.len() as u64,
                escalation_population: esc_pop,
                incident_population: inc_pop,
                rule: "each list keeps the ids with the smallest SHA-256(seed|id) (first 8 bytes, big-endian), at most 25, listed by id".into(),
            },
            event_ids,
            escalation_ids: esc_ids,
            incident_ids: inc_ids,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framework_samples() -> FrameworkSamples {
        let mut samples = FrameworkSamples::empty("acme|x|w".into());
        samples.events[Pop::Breach as usize].offer(7, "evt_breach");
        samples
    }

    #[test]
    fn samples_save_as_a_map_by_population_and_load_back_in_place() {
        let saved = serde_json::to_value(framework_samples()).unwrap();
        let keys: Vec<&String> = saved["events"].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), ALL_POPS.len());
        assert_eq!(saved["events"]["Breach"]["population"], 1);
        let back: FrameworkSamples = serde_json::from_value(saved.clone()).unwrap();
        assert_eq!(back.events[Pop::Breach as usize].ids(), vec!["evt_breach"]);
        assert_eq!(back.events[Pop::All as usize].population(), 0);
        // A saved state that lacks a population is refused, not half-loaded.
        let mut short = saved;
        short["events"].as_object_mut().unwrap().remove("Config");
        let refused = serde_json::from_value::<FrameworkSamples>(short)
            .err()
            .unwrap();
        assert!(
            refused.to_string().contains("no sample of Config"),
            "{refused}"
        );
    }
}
