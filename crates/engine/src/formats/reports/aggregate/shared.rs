//! Strings the lifecycle tables' rows share instead of owning.
//!
//! A table holds up to [`super::MAX_TRACKED`] rows; a `String` per field (24
//! bytes and a heap block of at least 32) made the escalation rows alone
//! ~30 MB. An [`IdStr`] and an [`ArcStr`] are one pointer each, so an
//! event's ids (its event id, incident id and case key, as `IdStr`s packed
//! many to a block) are stored once per event however many tables and
//! fields link them (`Obs::shared_event_id` and its siblings), and a value
//! that repeats across rows (a decision, a risk level, a reviewer's
//! pseudonym, a destination, as `ArcStr`s) once per table. A state loaded back (a fanned-out export's
//! segments) holds its strings unshared: correct, only larger.
pub use super::id_str::IdStr;
pub use arcstr::ArcStr;
use std::collections::HashSet;

/// Linked event ids kept per escalation or incident.
pub const MAX_LINKED_EVENTS: usize = 4;

/// A row's linked event ids, in the order linked, all inline: 32 bytes and
/// no heap block. (A 24-byte vector inline up to two spilled a heap block
/// for a third; at 10M events the escalation and incident tables' spills
/// were ~7 MB, against 0.8 MB for the 8 bytes more per row.) Saved as the
/// list of ids.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LinkedIds([Option<IdStr>; MAX_LINKED_EVENTS]);

impl LinkedIds {
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0[0].is_none()
    }

    /// Links one more event; a row already linking [`MAX_LINKED_EVENTS`] keeps its own.
    pub fn push(&mut self, id: IdStr) {
        if let Some(free) = self.0.iter_mut().find(|slot| slot.is_none()) {
            *free = Some(id);
        }
    }

    pub fn first(&self) -> Option<&IdStr> {
        self.0[0].as_ref()
    }

    pub fn iter(&self) -> impl Iterator<Item = &IdStr> {
        self.0.iter().map_while(|slot| slot.as_ref())
    }
}

impl IntoIterator for LinkedIds {
    type Item = IdStr;
    type IntoIter = std::iter::Flatten<std::array::IntoIter<Option<IdStr>, MAX_LINKED_EVENTS>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter().flatten()
    }
}

impl Extend<IdStr> for LinkedIds {
    fn extend<T: IntoIterator<Item = IdStr>>(&mut self, ids: T) {
        ids.into_iter().for_each(|id| self.push(id));
    }
}

impl std::fmt::Debug for LinkedIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl serde::Serialize for LinkedIds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for LinkedIds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let ids = Vec::<IdStr>::deserialize(d)?;
        if ids.len() > MAX_LINKED_EVENTS {
            return Err(serde::de::Error::invalid_length(
                ids.len(),
                &"at most four linked event ids",
            ));
        }
        let mut linked = LinkedIds::default();
        linked.extend(ids);
        Ok(linked)
    }
}

/// Distinct values an [`Interner`] keeps; past it, values are allocated per row.
const MAX_INTERNED: usize = 4096;

/// The table's repeating values, each allocated once (bounded: producer
/// values are unbounded, so past [`MAX_INTERNED`] a value is simply owned).
#[derive(Default)]
pub struct Interner(HashSet<ArcStr, foldhash::fast::RandomState>);

impl Interner {
    pub fn intern(&mut self, value: &str) -> ArcStr {
        if let Some(shared) = self.0.get(value) {
            return shared.clone();
        }
        let owned = ArcStr::from(value);
        if self.0.len() < MAX_INTERNED {
            self.0.insert(owned.clone());
        }
        owned
    }

    pub fn intern_opt(&mut self, value: Option<&str>) -> Option<ArcStr> {
        value.map(|v| self.intern(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::reports::Framework;
    use crate::formats::reports::aggregate::Aggregate;
    use crate::formats::test_support::parsed;
    use kt_domain::ExportFormat;

    fn observe(agg: &mut Aggregate, lines: &[&str]) {
        for (h, rest) in lines.iter().enumerate() {
            let line = format!(
                r#"{{"event_id":"evt_{h}","ts":"2026-05-01T0{h}:10:00.000Z","tenant_id":"acme",{rest}}}"#
            );
            agg.observe(&parsed(&line));
        }
    }

    #[test]
    fn lifecycle_rows_share_an_event_id_and_repeated_values_instead_of_copying_them() {
        let ctx = crate::formats::test_support::context(ExportFormat::ComplianceAll);
        let mut agg = Aggregate::new(ctx.window, "acme", "k", &Framework::ALL);
        observe(
            &mut agg,
            &[
                r#""event_type":"incident.reported","incident_id":"inc_1","request_id":"req_1","risk_level":"critical","data_categories":["email"]"#,
                r#""event_type":"escalation.opened","escalation_id":"esc_1","decision":"escalate","risk_level":"high","data_categories":["email"]"#,
                r#""event_type":"escalation.opened","escalation_id":"esc_2","decision":"escalate","risk_level":"high""#,
            ],
        );
        // One event id, linked from three tables.
        let candidate = &agg.serious.by_case["req_1"];
        let incident = &agg.incidents.lifecycles["inc_1"];
        let breach = &agg.breaches.by_case["req_1"];
        assert_eq!(candidate.event_id, "evt_0");
        assert!(IdStr::ptr_eq(
            &candidate.event_id,
            incident.event_ids.first().unwrap()
        ));
        assert!(IdStr::ptr_eq(&candidate.event_id, &breach.event_id));
        // The case key is the request id, one allocation for both tables
        // that key the case.
        let (key, _) = agg.serious.by_case.get_key_value("req_1").unwrap();
        assert!(IdStr::ptr_eq(key, candidate.request_id.as_ref().unwrap()));
        let (breach_key, _) = agg.breaches.by_case.get_key_value("req_1").unwrap();
        assert!(IdStr::ptr_eq(key, breach_key));
        // The incident id: the incident table's key and both rows' field.
        let (incident_key, _) = agg.incidents.lifecycles.get_key_value("inc_1").unwrap();
        assert!(IdStr::ptr_eq(
            incident_key,
            candidate.incident_id.as_ref().unwrap()
        ));
        assert!(IdStr::ptr_eq(
            incident_key,
            breach.incident_id.as_ref().unwrap()
        ));
        // The escalation id: the escalation table's key and the held request's.
        let (esc_key, _) = agg.oversight.lifecycles.get_key_value("esc_1").unwrap();
        let (held_key, _) = agg.privacy.escalated.get_key_value("esc_1").unwrap();
        assert!(IdStr::ptr_eq(esc_key, held_key));
        // A decision and a risk level repeated across rows: stored once.
        let (a, b) = (
            &agg.oversight.lifecycles["esc_1"],
            &agg.oversight.lifecycles["esc_2"],
        );
        assert_eq!(a.automated.as_deref(), Some("block"));
        assert!(ArcStr::ptr_eq(
            a.automated.as_ref().unwrap(),
            b.automated.as_ref().unwrap()
        ));
    }

    #[test]
    fn linked_ids_keep_the_first_four_in_order_and_save_as_a_list() {
        let mut ids = LinkedIds::default();
        assert!(ids.is_empty() && ids.first().is_none());
        assert_eq!(serde_json::to_string(&ids).unwrap(), "[]");
        ids.extend(["evt_1", "evt_2", "evt_3"].map(IdStr::from));
        assert_eq!(
            (ids.len(), ids.iter().nth(2)),
            (3, Some(&IdStr::from("evt_3")))
        );
        ids.push(IdStr::from("evt_4"));
        ids.push(IdStr::from("evt_5"));
        let listed: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
        assert_eq!(
            listed,
            ["evt_1", "evt_2", "evt_3", "evt_4"],
            "a fifth is not linked"
        );
        let saved = serde_json::to_string(&ids).unwrap();
        assert_eq!(saved, serde_json::to_string(&listed).unwrap());
        let loaded: LinkedIds = serde_json::from_str(&saved).unwrap();
        assert_eq!(loaded, ids);
        let five = r#"["a","b","c","d","e"]"#;
        assert!(serde_json::from_str::<LinkedIds>(five).is_err());
        assert_eq!(
            std::mem::size_of::<LinkedIds>(),
            32,
            "inline, no heap block"
        );
    }

    #[test]
    fn a_repeated_value_is_the_same_allocation_until_the_interner_is_full() {
        let mut interner = Interner::default();
        let a = interner.intern("block");
        let b = interner.intern("block");
        assert!(ArcStr::ptr_eq(&a, &b));
        for i in 0..MAX_INTERNED {
            interner.intern(&format!("v{i}"));
        }
        let late_a = interner.intern("late");
        let late_b = interner.intern("late");
        assert_eq!(late_a, late_b);
        assert!(
            !ArcStr::ptr_eq(&late_a, &late_b),
            "past the bound, values are owned"
        );
        assert!(ArcStr::ptr_eq(&interner.intern("block"), &a));
    }
}
