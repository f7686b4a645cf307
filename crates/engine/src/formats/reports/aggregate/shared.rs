//! Strings the lifecycle tables' rows share instead of owning.
//!
//! A table holds up to [`super::MAX_TRACKED`] rows; a `String` per field (24
//! bytes and a heap block of at least 32) made the escalation rows alone
//! ~30 MB. An [`ArcStr`] is one pointer, so an event's ids (its event id,
//! incident id and case key) are stored once per event however many tables
//! and fields link them (`Obs::shared_event_id` and its siblings), and a value that repeats
//! across rows (a decision, a risk level, a reviewer's pseudonym, a
//! destination) once per table. A state loaded back (a fanned-out export's
//! segments) holds its strings unshared: correct, only larger.
pub use arcstr::ArcStr;
use std::collections::{BTreeMap, HashSet};
use std::hash::BuildHasher;

/// A row's linked event ids: the first two inline (most rows link one or
/// two events), more on the heap.
pub type LinkedIds = smallvec::SmallVec<[ArcStr; 2]>;

/// The keys of a lifecycle table, for the question every event asks ("is
/// this a case the table holds?"), which is usually no: a filter of bits
/// (two per key, 128 KiB whatever the table's size) answers "no" for sure,
/// and "maybe" (about 1% wrongly, at the 50,000-row cap) sends the question
/// to the table's B-tree of ids. Rows are never removed, so the filter has
/// seen every key when it has seen as many as the table holds; a table
/// filled another way (a loaded or merged state) is filtered again on first
/// use.
pub struct KeyIndex {
    bits: Vec<u64>,
    keys: usize,
}

/// Bits in a [`KeyIndex`] (2^20).
const FILTER_BITS: u64 = 1 << 20;

impl Default for KeyIndex {
    fn default() -> Self {
        Self {
            bits: vec![0; (FILTER_BITS / 64) as usize],
            keys: 0,
        }
    }
}

impl KeyIndex {
    /// Whether `table` holds `key`.
    pub fn holds<V>(&mut self, table: &BTreeMap<ArcStr, V>, key: &str) -> bool {
        if self.keys != table.len() {
            self.bits.fill(0);
            self.keys = 0;
            table.keys().for_each(|k| self.note(k));
        }
        self.may_hold(key) && table.contains_key(key)
    }

    /// `false` when the key was never noted; `true` when it was (or, rarely, not).
    fn may_hold(&self, key: &str) -> bool {
        Self::positions(key)
            .iter()
            .all(|&b| self.bits[(b / 64) as usize] & (1 << (b % 64)) != 0)
    }

    /// Adds a key just inserted into the table.
    pub fn note(&mut self, key: &str) {
        for b in Self::positions(key) {
            self.bits[(b / 64) as usize] |= 1 << (b % 64);
        }
        self.keys += 1;
    }

    /// The key's two bits, from one 64-bit hash.
    fn positions(key: &str) -> [u64; 2] {
        let h = foldhash::fast::FixedState::with_seed(0x6b74).hash_one(key);
        [h % FILTER_BITS, (h >> 32) % FILTER_BITS]
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

    #[test]
    fn a_key_index_answers_for_rows_it_was_told_of_and_for_rows_filled_another_way() {
        let mut table: BTreeMap<ArcStr, u32> = BTreeMap::new();
        let mut index = KeyIndex::default();
        assert!(!index.holds(&table, "req_1"));
        let key = ArcStr::from("req_1");
        index.note(&key);
        table.insert(key, 1);
        assert!(index.holds(&table, "req_1"));
        assert!(!index.holds(&table, "req_2"));
        // Rows added without the index (a loaded or merged state) are found too.
        table.insert(ArcStr::from("req_2"), 2);
        table.insert(ArcStr::from("req_3"), 3);
        assert!(index.holds(&table, "req_2") && index.holds(&table, "req_3"));
        assert!(!index.holds(&table, "req_4"));
        // The filter itself: every noted key passes, nearly every other is turned away.
        let mut filter = KeyIndex::default();
        (0..50_000).for_each(|i| filter.note(&format!("req_{i}")));
        assert!((0..50_000).all(|i| filter.may_hold(&format!("req_{i}"))));
        let passed = (50_000..60_000)
            .filter(|i| filter.may_hold(&format!("req_{i}")))
            .count();
        assert!(passed < 300, "{passed} of 10,000 absent keys passed");
        let loaded: BTreeMap<ArcStr, u32> = table.clone();
        let mut fresh = KeyIndex::default();
        assert!(
            ["req_1", "req_2", "req_3"]
                .iter()
                .all(|k| fresh.holds(&loaded, k))
        );
    }

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
                r#""event_type":"escalation.opened","escalation_id":"esc_1","decision":"escalate","risk_level":"high""#,
                r#""event_type":"escalation.opened","escalation_id":"esc_2","decision":"escalate","risk_level":"high""#,
            ],
        );
        // One event id, linked from three tables.
        let candidate = &agg.serious.by_case["req_1"];
        let incident = &agg.incidents.lifecycles["inc_1"];
        let breach = &agg.breaches.by_case["req_1"];
        assert_eq!(candidate.event_id, "evt_0");
        assert!(ArcStr::ptr_eq(&candidate.event_id, &incident.event_ids[0]));
        assert!(ArcStr::ptr_eq(&candidate.event_id, &breach.event_id));
        // The case key is the request id, one allocation for both tables
        // that key the case.
        let (key, _) = agg.serious.by_case.get_key_value("req_1").unwrap();
        assert!(ArcStr::ptr_eq(key, candidate.request_id.as_ref().unwrap()));
        let (breach_key, _) = agg.breaches.by_case.get_key_value("req_1").unwrap();
        assert!(ArcStr::ptr_eq(key, breach_key));
        // The incident id: the incident table's key and both rows' field.
        let (incident_key, _) = agg.incidents.lifecycles.get_key_value("inc_1").unwrap();
        assert!(ArcStr::ptr_eq(
            incident_key,
            candidate.incident_id.as_ref().unwrap()
        ));
        assert!(ArcStr::ptr_eq(
            incident_key,
            breach.incident_id.as_ref().unwrap()
        ));
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
