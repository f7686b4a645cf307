//! A lifecycle table: rows by id, stored densely, read in id order.
//!
//! Each lifecycle table (escalations, incidents, serious-incident
//! candidates, breach candidates, held requests) keeps up to
//! [`super::MAX_TRACKED`] rows. In a B-tree a third or more of every node was
//! slack (at 10M events the escalation table took 10.9 MB for 50,000 rows
//! of 128 bytes). Here the ids and rows sit in two vectors in the order they
//! were added, a hash table of row numbers (4 bytes and a control byte a
//! slot) finds an id, and reading the table sorts the row numbers by id once
//! (4 bytes a row, kept until the next insert), so every report and saved
//! state sees the rows in id order exactly as the B-tree gave them.
use super::shared::IdStr;
use crate::formats::reports::merge::{MAX_TRACKED, NotExact, check_tracked};
use hashbrown::HashTable;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::hash::BuildHasher;
use std::sync::OnceLock;

pub struct Rows<R> {
    keys: Vec<IdStr>,
    rows: Vec<R>,
    /// Row numbers, hashed by their key.
    index: HashTable<u32>,
    /// Seeded per table: ids come from event producers, and a known seed
    /// would let them choose ids that all land in one slot.
    hasher: foldhash::fast::RandomState,
    /// Row numbers in key order, worked out when first read after an insert.
    order: OnceLock<Vec<u32>>,
    /// One bit a key's hash sets (see [`Filter`]), once the table is big.
    filter: Option<Filter>,
}

/// Rows from which a table answers "not here" from its [`Filter`] first.
const FILTER_FROM_ROWS: usize = 4096;

/// A bit set over the keys' hashes (32 KiB, one hash a key): a lookup whose
/// bit is clear is not in the table. Most lookups are of ids a table does
/// not hold (every event's case key is looked up, and few events are
/// candidates), and in a table of 50,000 rows each of them missed the cache
/// in the index; the bit set stays in it. At 50,000 keys ~17% of absent ids
/// still find their bit set and probe the index as before. 64 KiB would
/// halve that for at most 160 KiB more over five tables, but
/// compliance-all's peak RSS at 10M events is ~1 MiB under its 64 MiB
/// target, and half the probes a table had are already gone at 32.
struct Filter(Box<[u64]>);

impl Filter {
    const WORDS: usize = 1 << 12;

    /// The bit of `hash`: its high bits, which the index's bucket does not use.
    fn bit(hash: u64) -> (usize, u64) {
        let bit = (hash >> 40) as usize & (Self::WORDS * 64 - 1);
        (bit / 64, 1 << (bit % 64))
    }

    fn add(&mut self, hash: u64) {
        let (word, mask) = Self::bit(hash);
        self.0[word] |= mask;
    }

    fn may_hold(&self, hash: u64) -> bool {
        let (word, mask) = Self::bit(hash);
        self.0[word] & mask != 0
    }
}

impl<R> Default for Rows<R> {
    fn default() -> Self {
        Self {
            keys: Vec::new(),
            rows: Vec::new(),
            index: HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
            order: OnceLock::new(),
            filter: None,
        }
    }
}

impl<R> Rows<R> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn find(&self, key: &str) -> Option<usize> {
        self.find_hashed(self.hasher.hash_one(key), key)
    }

    /// [`Self::find`] with the key's hash already made.
    fn find_hashed(&self, hash: u64, key: &str) -> Option<usize> {
        if self.filter.as_ref().is_some_and(|f| !f.may_hold(hash)) {
            return None;
        }
        let keys = &self.keys;
        self.index
            .find(hash, |&i| *keys[i as usize] == *key)
            .map(|&i| i as usize)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    pub fn get(&self, key: &str) -> Option<&R> {
        self.find(key).map(|i| &self.rows[i])
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut R> {
        self.find(key).map(|i| &mut self.rows[i])
    }

    /// Tests check which allocation a key shares.
    #[cfg(test)]
    pub fn get_key_value(&self, key: &str) -> Option<(&IdStr, &R)> {
        self.find(key).map(|i| (&self.keys[i], &self.rows[i]))
    }

    /// Adds the row, or replaces the row the key has (returned), as a map does.
    pub fn insert(&mut self, key: IdStr, row: R) -> Option<R> {
        let hash = self.hasher.hash_one(&*key);
        if let Some(i) = self.find_hashed(hash, &key) {
            return Some(std::mem::replace(&mut self.rows[i], row));
        }
        let i = u32::try_from(self.rows.len()).expect("a table keeps at most MAX_TRACKED rows");
        let (keys, hasher) = (&self.keys, &self.hasher);
        self.index
            .insert_unique(hash, i, |&j| hasher.hash_one(&*keys[j as usize]));
        if let Some(filter) = &mut self.filter {
            filter.add(hash);
        } else if self.keys.len() + 1 >= FILTER_FROM_ROWS {
            let mut filter = Filter(vec![0; Filter::WORDS].into_boxed_slice());
            filter.add(hash);
            for k in &self.keys {
                filter.add(hasher.hash_one(&**k));
            }
            self.filter = Some(filter);
        }
        if self.rows.len() == self.rows.capacity() {
            // Doubling, but not past the cap: 50,000 rows in room for 65,536
            // would leave a quarter of a table's block unused.
            let len = self.rows.len();
            let more = match MAX_TRACKED.checked_sub(len) {
                Some(room) if room > 0 => len.max(16).min(room),
                _ => len.max(16),
            };
            self.rows.reserve_exact(more);
            self.keys.reserve_exact(more);
        }
        self.keys.push(key);
        self.rows.push(row);
        self.order.take();
        None
    }

    /// Row numbers in key order.
    fn order(&self) -> &[u32] {
        self.order.get_or_init(|| {
            let mut order: Vec<u32> = (0..self.rows.len() as u32).collect();
            order.sort_unstable_by(|&a, &b| self.keys[a as usize].cmp(&self.keys[b as usize]));
            order
        })
    }

    /// The rows with their keys, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&IdStr, &R)> + Clone {
        self.order()
            .iter()
            .map(|&i| (&self.keys[i as usize], &self.rows[i as usize]))
    }

    pub fn keys(&self) -> impl Iterator<Item = &IdStr> + Clone {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &R> + Clone {
        self.iter().map(|(_, r)| r)
    }

    /// Merges the later part's rows into these per id (`merge_row` joins a
    /// row both parts have), held to [`check_tracked`] before (with both
    /// parts' `untracked`) and after.
    pub fn merge_later(
        &mut self,
        what: &str,
        untracked: u64,
        later: Rows<R>,
        mut merge_row: impl FnMut(&mut R, R),
    ) -> Result<(), NotExact> {
        check_tracked(what, self.len(), untracked)?;
        for (id, row) in later {
            match self.get_mut(&id) {
                Some(mine) => merge_row(mine, row),
                None => {
                    self.insert(id, row);
                }
            }
        }
        check_tracked(what, self.len(), 0)
    }
}

impl<R> IntoIterator for Rows<R> {
    type Item = (IdStr, R);
    type IntoIter = std::vec::IntoIter<(IdStr, R)>;

    /// The rows with their keys, in key order.
    fn into_iter(self) -> Self::IntoIter {
        let mut rows: Vec<(IdStr, R)> = self.keys.into_iter().zip(self.rows).collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0)); // keys are unique
        rows.into_iter()
    }
}

/// Adds each row, a later one replacing the row its key has, as a map does.
impl<R> Extend<(IdStr, R)> for Rows<R> {
    fn extend<T: IntoIterator<Item = (IdStr, R)>>(&mut self, rows: T) {
        for (k, r) in rows {
            self.insert(k, r);
        }
    }
}

/// Tests read rows as they would a map's.
#[cfg(test)]
impl<R> std::ops::Index<&str> for Rows<R> {
    type Output = R;

    fn index(&self, key: &str) -> &R {
        self.get(key).expect("no row with that key")
    }
}

/// A map in key order: the bytes a B-tree map of the same rows saved.
impl<R: Serialize> Serialize for Rows<R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, r) in self.iter() {
            map.serialize_entry(k, r)?;
        }
        map.end()
    }
}

impl<'de, R: Deserialize<'de>> Deserialize<'de> for Rows<R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RowsVisitor<R>(std::marker::PhantomData<R>);
        impl<'de, R: Deserialize<'de>> Visitor<'de> for RowsVisitor<R> {
            type Value = Rows<R>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of rows by id")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Rows<R>, A::Error> {
                let mut rows = Rows::new();
                while let Some((k, r)) = map.next_entry::<IdStr, R>()? {
                    rows.insert(k, r);
                }
                Ok(rows)
            }
        }
        d.deserialize_map(RowsVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn both(ids: &[(&str, u32)]) -> (Rows<u32>, BTreeMap<IdStr, u32>) {
        let mut rows = Rows::new();
        let mut map = BTreeMap::new();
        for &(k, v) in ids {
            assert_eq!(
                rows.insert(IdStr::from(k), v),
                map.insert(IdStr::from(k), v)
            );
        }
        (rows, map)
    }

    #[test]
    fn rows_read_and_save_in_key_order_as_the_b_tree_map_did() {
        let ids = [
            ("esc_9", 1),
            ("esc_10", 2),
            ("ä", 3),
            ("esc_1", 4),
            ("esc_10", 5),
            ("A", 6),
        ];
        let (rows, map) = both(&ids);
        assert_eq!(rows.len(), map.len());
        let listed: Vec<(&IdStr, &u32)> = rows.iter().collect();
        assert_eq!(listed, map.iter().collect::<Vec<_>>());
        assert_eq!(
            serde_json::to_string(&rows).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        let loaded: Rows<u32> =
            serde_json::from_str(&serde_json::to_string(&map).unwrap()).unwrap();
        assert_eq!(loaded.iter().collect::<Vec<_>>(), listed);
        assert_eq!(rows["esc_10"], 5, "a later insert replaces the row");
        assert_eq!(rows.get("esc_2"), None);
        assert!(rows.contains_key("ä") && !rows.contains_key("esc_"));
    }

    #[test]
    fn a_full_table_has_no_room_to_spare_and_can_still_grow() {
        let mut rows = Rows::new();
        for i in 0..MAX_TRACKED as u32 {
            rows.insert(IdStr::from(format!("esc_{i}")), i);
        }
        assert_eq!(rows.rows.capacity(), MAX_TRACKED);
        // A merge may pass the cap before it is checked.
        rows.insert(IdStr::from("esc_more"), 0);
        assert_eq!(rows.len(), MAX_TRACKED + 1);
        assert!(rows.contains_key("esc_more") && rows.contains_key("esc_0"));
    }

    #[test]
    fn a_big_table_finds_every_key_it_holds_and_no_other() {
        // Across the row count where the filter is made from the keys so
        // far, and after it (each insert adds its bit).
        let mut rows = Rows::new();
        let n = 3 * FILTER_FROM_ROWS as u32;
        for i in 0..n {
            rows.insert(IdStr::from(format!("req_{i}")), i);
            let len = rows.len();
            assert_eq!(rows.filter.is_some(), len >= FILTER_FROM_ROWS, "{len} rows");
        }
        let mut bit_set = 0;
        for i in 0..n {
            assert_eq!(rows.get(&format!("req_{i}")), Some(&i), "req_{i}");
            let other = format!("other_{i}");
            assert_eq!(rows.get(&other), None);
            let filter = rows.filter.as_ref().expect("made");
            bit_set += usize::from(filter.may_hold(rows.hasher.hash_one(other.as_str())));
        }
        // The bit set answers for most absent ids (12,288 keys in 262,144
        // bits: ~5% of absent ids find their bit set).
        assert!(bit_set < n as usize / 7, "{bit_set} of {n} absent ids pass");
        // Loaded from a saved table: the same.
        let loaded: Rows<u32> =
            serde_json::from_str(&serde_json::to_string(&rows).unwrap()).unwrap();
        assert!((0..n).all(|i| loaded.get(&format!("req_{i}")) == Some(&i)));
    }

    #[test]
    fn changed_rows_stay_with_their_keys_and_leave_in_key_order() {
        let ids: Vec<(String, u32)> = (0..2_000)
            .map(|i| (format!("req_{}", (i * 7_919) % 2_000), i))
            .collect();
        let pairs: Vec<(&str, u32)> = ids.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let (mut rows, map) = both(&pairs);
        for k in map.keys() {
            *rows.get_mut(k).expect("added") += 1;
        }
        for (k, v) in &map {
            assert_eq!(rows.get(k), Some(&(v + 1)), "{k} after the rows moved");
        }
        rows.insert(IdStr::from("req_0000"), 0);
        assert_eq!(rows.keys().next().map(|k| k.as_str()), Some("req_0"));
        let drained: Vec<IdStr> = rows.into_iter().map(|(k, _)| k).collect();
        let mut want: Vec<IdStr> = map.keys().cloned().collect();
        want.push(IdStr::from("req_0000"));
        want.sort();
        assert_eq!(drained, want);
    }
}
