//! What the sub-aggregates read of one event: its fields, and the facts
//! worked out once for all of them (pseudonyms, day and week, region class,
//! personal and special categories, sample priorities, shared ids).
use super::super::eea::{RegionClass, classify};
use super::prepare::{self, Prepared};
use super::{shared, vocab};
use chrono::NaiveDate;
use kt_domain::{Event, ParsedEvent};

/// Facts derived once per event and shared by the sub-aggregates.
pub struct Obs<'e> {
    pub e: &'e Event<'e>,
    pub raw: &'e str,
    pub ts: i64,
    pub day: NaiveDate,
    pub week: NaiveDate,
    pub event_type: &'e str,
    pub is_request: bool,
    pub decision: Option<&'e str>,
    pub risk: Option<&'e str>,
    pub actor_ps: Option<shared::ArcStr>,
    pub app: Option<&'e str>,
    pub provider: Option<&'e str>,
    pub model_key: Option<&'e str>,
    pub region: Option<&'e str>,
    pub region_class: RegionClass,
    /// Inline up to four (events name one or two): no allocation per event.
    pub categories: smallvec::SmallVec<[&'e str; 4]>,
    pub reviewer_ps: Option<shared::ArcStr>,
    /// The event id's sample priority under each framework's seed.
    pub priorities: [u64; prepare::MAX_FRAMEWORKS],
    pub personal: bool,
    pub special: bool,
    pub is_error: bool,
    /// The event's ids as shared strings, each made when a table first asks for it.
    shared_ids: SharedIds,
}

/// See [`Obs::shared_event_id`].
#[derive(Default)]
struct SharedIds {
    event_id: std::cell::OnceCell<shared::IdStr>,
    incident_id: std::cell::OnceCell<shared::IdStr>,
    request_id: std::cell::OnceCell<shared::IdStr>,
    escalation_id: std::cell::OnceCell<shared::IdStr>,
}

impl<'e> Obs<'e> {
    /// The facts of one event, with what was prepared from it alone (its
    /// model key is in `model_key`, empty when the event names no model).
    pub(super) fn new(ev: &'e ParsedEvent<'e>, p: Prepared, model_key: &'e str) -> Self {
        let e = &ev.fields;
        let event_type = e.event_type.as_ref();
        // A category named twice in one event is one detection of it.
        let mut categories: smallvec::SmallVec<[&str; 4]> = smallvec::SmallVec::new();
        for c in e.data_categories.iter().flatten() {
            if !categories.contains(&c.as_ref()) {
                categories.push(c.as_ref());
            }
        }
        let model = e.model.as_ref();
        let region = model.and_then(|m| m.region.as_deref());
        Obs {
            e,
            raw: ev.raw,
            ts: ev.ts_ms,
            day: p.day,
            week: p.week,
            event_type,
            is_request: vocab::REQUEST_TYPES.contains(&event_type),
            decision: e.decision.as_deref(),
            risk: e.risk_level.as_deref(),
            actor_ps: p.actor_ps,
            app: e.actor.as_ref().and_then(|a| a.app.as_deref()),
            provider: model.and_then(|m| m.provider.as_deref()),
            model_key: (!model_key.is_empty()).then_some(model_key),
            region,
            region_class: classify(region),
            personal: categories.iter().any(|c| vocab::is_personal(c)),
            special: categories.iter().any(|c| vocab::is_special(c)),
            categories,
            reviewer_ps: p.reviewer_ps,
            priorities: p.priorities,
            is_error: e
                .outcome
                .as_deref()
                .is_some_and(|o| vocab::ERROR_OUTCOMES.contains(&o)),
            shared_ids: SharedIds::default(),
        }
    }

    /// The event id, allocated once however many tables and fields link it.
    pub fn shared_event_id(&self) -> shared::IdStr {
        once(&self.shared_ids.event_id, &self.e.event_id)
    }

    /// The incident id, allocated once for the incident table's key and the
    /// serious-candidate and breach rows that name it.
    pub fn shared_incident_id(&self) -> Option<shared::IdStr> {
        let id = self.e.incident_id.as_deref()?;
        Some(once(&self.shared_ids.incident_id, id))
    }

    /// The escalation id, allocated once for the escalation table's key and
    /// the held personal-data request's.
    pub fn shared_escalation_id(&self) -> Option<shared::IdStr> {
        let id = self.e.escalation_id.as_deref()?;
        Some(once(&self.shared_ids.escalation_id, id))
    }

    /// The key of the event's case (the request id, else the incident id,
    /// else the event id), shared with the rows that name those ids: the
    /// serious-candidate and breach tables key the same case.
    pub fn shared_case_key(&self) -> shared::IdStr {
        match self.e.request_id.as_deref() {
            Some(id) => once(&self.shared_ids.request_id, id),
            None => self
                .shared_incident_id()
                .unwrap_or_else(|| self.shared_event_id()),
        }
    }
}

/// `id` stored the first time the event's tables ask for it, then shared.
fn once(cell: &std::cell::OnceCell<shared::IdStr>, id: &str) -> shared::IdStr {
    cell.get_or_init(|| shared::IdStr::new(id)).clone()
}
