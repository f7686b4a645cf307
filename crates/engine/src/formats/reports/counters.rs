//! Bounded categorical state: counters and distinct sets with a cap.
//!
//! Keys come from the producer (apps, models, policies, categories, event
//! types), so their number is not bounded by the contract. A map holds at most
//! `cap` keys; later new keys are added to `overflow` (counts) and the report
//! says so. Keys enter in export order, which is deterministic, so the kept keys
//! are too. Keys longer than 128 bytes are cut (at a char boundary).
//!
//! Both merge (`merge`): a later part's counts add to an earlier part's,
//! exactly, or the merge says it cannot know which keys one worker would have
//! kept ([`NotExact`]).
use super::merge::{Merge, NotExact};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

const MAX_KEY_LEN: usize = 128;

pub fn clip(s: &str) -> &str {
    if s.len() <= MAX_KEY_LEN {
        return s;
    }
    let mut end = MAX_KEY_LEN;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A map from a producer-chosen key to a value, with at most `cap` keys.
///
/// Held in a hash map: events look their keys up many times each, and a
/// B-tree of strings paid a comparison per level. Nothing reads it in hash
/// order: readers get it sorted by key ([`CappedMap::sorted`]), and it is
/// saved sorted, so a saved state is reproducible.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CappedMap<V> {
    cap: usize,
    #[serde(
        serialize_with = "sorted_map",
        deserialize_with = "hash_map",
        bound(serialize = "V: Serialize", deserialize = "V: Deserialize<'de>")
    )]
    map: KeyMap<V>,
    /// Observations whose key did not fit.
    pub overflow: u64,
}

/// Counters keyed by text, hashed (see [`CappedMap`]).
pub(crate) type KeyMap<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// Saves a [`KeyMap`] as a map sorted by key, so a saved state is reproducible.
pub(crate) fn sorted_map<V: Serialize, S: serde::Serializer>(
    map: &KeyMap<V>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(map.iter().collect::<BTreeMap<_, _>>())
}

/// Loads what [`sorted_map`] saved.
pub(crate) fn hash_map<'de, V: Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<KeyMap<V>, D::Error> {
    Ok(BTreeMap::<String, V>::deserialize(d)?.into_iter().collect())
}

impl<V: Default> CappedMap<V> {
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            map: KeyMap::default(),
            overflow: 0,
        }
    }

    /// The value of `key` (as stored: clipped keys are looked up clipped).
    pub fn get(&self, key: &str) -> Option<&V> {
        self.map.get(key)
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The entries, sorted by key.
    pub fn sorted(&self) -> Vec<(&String, &V)> {
        let mut entries: Vec<(&String, &V)> = self.map.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries
    }

    /// The keys, sorted.
    pub fn keys(&self) -> Vec<&String> {
        self.sorted().into_iter().map(|(k, _)| k).collect()
    }

    /// The entry for `key`, or `None` (and `overflow += 1`) when full.
    pub fn entry(&mut self, key: &str) -> Option<&mut V> {
        let key = clip(key);
        if !self.map.contains_key(key) {
            if self.map.len() >= self.cap {
                self.overflow += 1;
                return None;
            }
            self.map.insert(key.to_string(), V::default());
        }
        self.map.get_mut(key)
    }

    /// Applies `f` to the entry for `key` (added when there is room; else
    /// `overflow += 1`). One lookup when the key is known, unlike [`Self::entry`],
    /// which must look twice to hand the entry back.
    pub fn update(&mut self, key: &str, f: impl FnOnce(&mut V)) {
        let key = clip(key);
        if let Some(v) = self.map.get_mut(key) {
            f(v);
        } else if self.map.len() < self.cap {
            f(self.map.entry(key.to_string()).or_default());
        } else {
            self.overflow += 1;
        }
    }

    pub fn is_capped(&self) -> bool {
        self.overflow > 0
    }
}

impl<V: Merge> CappedMap<V> {
    /// Adds the map of a later part of the export: one worker keeps this
    /// map's keys, then the later part's new keys in their first-seen order
    /// while there is room, and counts the rest as overflow.
    pub fn merge(&mut self, later: CappedMap<V>) -> Result<(), NotExact> {
        let not_exact = || NotExact(format!("a counter with more than {} keys", self.cap));
        // The later part's overflow may hide keys that this part kept.
        if later.overflow > 0 && self.map.keys().any(|k| !later.map.contains_key(k)) {
            return Err(not_exact());
        }
        let new = later
            .map
            .keys()
            .filter(|k| !self.map.contains_key(*k))
            .count();
        let room = self.cap.saturating_sub(self.map.len());
        // Which new keys fit depends on their first-seen order, unknown here.
        if new > room && room > 0 {
            return Err(not_exact());
        }
        let full = new > room;
        self.overflow += later.overflow;
        for (k, v) in later.map {
            match self.map.get_mut(&k) {
                Some(mine) => mine.merge_from(v)?,
                None if full => self.overflow += v.observations().ok_or_else(not_exact)?,
                None => {
                    self.map.insert(k, v);
                }
            }
        }
        Ok(())
    }
}

impl CappedMap<u64> {
    pub fn incr(&mut self, key: &str) {
        self.update(key, |n| *n += 1);
    }

    /// `{key: count}` plus `"(other)"` for the overflow, if any.
    pub fn to_json(&self) -> super::doc::Counts {
        let mut m: super::doc::Counts = self.map.iter().map(|(k, n)| (k.clone(), *n)).collect();
        if self.overflow > 0 {
            m.insert("(other)".into(), self.overflow);
        }
        m
    }

    /// The `n` largest counts, ties by key.
    pub fn top_pairs(&self, n: usize) -> Vec<(String, u64)> {
        let mut v: Vec<(&String, &u64)> = self.map.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.into_iter()
            .take(n)
            .map(|(k, c)| (k.clone(), *c))
            .collect()
    }
}

impl<V: Serialize + Default> CappedMap<V> {
    pub fn to_json_with(&self) -> Value {
        let mut m: Map<String, Value> = self
            .sorted()
            .into_iter()
            .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
            .collect();
        if self.overflow > 0 {
            m.insert("(other_observations)".into(), Value::from(self.overflow));
        }
        Value::Object(m)
    }
}

/// Distinct values, counted exactly up to `cap`; beyond it the count is a
/// lower bound (`at_least`). A hash set: an insert is one lookup, however
/// many values there are (saved sorted, so a saved state is reproducible).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DistinctCap {
    cap: usize,
    #[serde(serialize_with = "sorted", deserialize_with = "hash_set")]
    set: DistinctSet,
    saturated: bool,
}

type DistinctSet = HashSet<String, foldhash::fast::RandomState>;

fn sorted<S: serde::Serializer>(set: &DistinctSet, s: S) -> Result<S::Ok, S::Error> {
    let mut values: Vec<&String> = set.iter().collect();
    values.sort();
    s.collect_seq(values)
}

fn hash_set<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DistinctSet, D::Error> {
    Ok(Vec::<String>::deserialize(d)?.into_iter().collect())
}

impl DistinctCap {
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            set: DistinctSet::default(),
            saturated: false,
        }
    }

    pub fn insert(&mut self, v: &str) {
        if self.set.contains(v) {
            return;
        }
        if self.set.len() >= self.cap {
            self.saturated = true;
            return;
        }
        self.set.insert(v.to_string());
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// The distinct values of both parts: the count is exact up to the cap
    /// whichever values are kept (the smallest, after a merge).
    pub fn merge(&mut self, later: DistinctCap) {
        self.saturated |= later.saturated;
        self.set.extend(later.set);
        if self.set.len() > self.cap {
            let mut values: Vec<String> = self.set.drain().collect();
            values.sort();
            values.truncate(self.cap);
            self.set.extend(values);
            self.saturated = true;
        }
    }

    /// `{"count": n, "at_least": bool}`.
    pub fn to_json(&self) -> super::doc::Distinct {
        super::doc::Distinct {
            count: self.set.len() as u64,
            at_least: self.saturated,
        }
    }
}

#[cfg(test)]
#[path = "counters_tests.rs"]
mod tests;
