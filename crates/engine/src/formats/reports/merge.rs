//! Merging the aggregates of a fanned-out compliance export's segments.
//!
//! A segment aggregates its hours with the ordinary [`super::aggregate::Aggregate`]
//! and saves the state; the finisher folds the states in plan order with
//! `Aggregate::merge`, which computes the state one worker would have reached
//! after the earlier segments' events and then the later one's. Counts, sums,
//! min/max, sets and the log-bucket histogram add exactly; bottom-k samples
//! are order-free; lifecycle tables merge per id, and what is derived from
//! them is computed once, from the merged tables (`Aggregate::finalize`).
//!
//! A few bounded structures keep the *first* keys in export order (a
//! producer-keyed counter past 500 keys, a lifecycle table past 50,000 ids). When
//! a merge cannot know which keys one worker would have kept, it says so
//! ([`NotExact`]) instead of guessing: the caller then exports on one worker.

/// A merge whose result would differ from the single worker's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the segments' aggregates cannot be merged exactly: {0}")]
pub struct NotExact(pub String);

/// Lifecycle tables (escalations, incidents, candidates) keep at most this many ids.
pub const MAX_TRACKED: usize = 50_000;

/// A value that absorbs the same key's value from a later part of the export.
pub trait Merge {
    /// `self` then `later`, as one worker would have accumulated them.
    fn merge_from(&mut self, later: Self) -> Result<(), NotExact>;
    /// How many observations made the value (what moves to an overflow
    /// count when its key does not fit); `None` when it cannot tell.
    fn observations(&self) -> Option<u64> {
        None
    }
}

impl Merge for u64 {
    fn merge_from(&mut self, later: Self) -> Result<(), NotExact> {
        *self += later;
        Ok(())
    }
    fn observations(&self) -> Option<u64> {
        Some(*self)
    }
}

/// A configuration's redaction flag: the last publication wins.
impl Merge for bool {
    fn merge_from(&mut self, later: Self) -> Result<(), NotExact> {
        *self = later;
        Ok(())
    }
}

/// The first `Some` in export order.
pub fn first<T>(a: &mut Option<T>, later: Option<T>) {
    if a.is_none() {
        *a = later;
    }
}

/// The last `Some` in export order.
pub fn last<T>(a: &mut Option<T>, later: Option<T>) {
    if later.is_some() {
        *a = later;
    }
}

/// A lifecycle table's ids must all fit after the merge.
pub fn check_tracked(what: &str, merged: usize, untracked: u64) -> Result<(), NotExact> {
    if merged > MAX_TRACKED || untracked > 0 {
        return Err(NotExact(format!(
            "more than {} {what} in the export",
            MAX_TRACKED
        )));
    }
    Ok(())
}

/// (De)serialises a map whose keys are not strings as a list of pairs.
pub mod pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;
    pub fn serialize<S: Serializer, K: Serialize, V: Serialize>(
        v: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter())
    }
    pub fn deserialize<
        'de,
        D: Deserializer<'de>,
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
    >(
        d: D,
    ) -> Result<BTreeMap<K, V>, D::Error> {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

/// (De)serialises a hash map whose keys are not strings as a list of pairs,
/// sorted by key (so a saved state does not depend on the hash order).
pub mod sorted_pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::HashMap;
    use std::hash::{BuildHasher, Hash};
    pub fn serialize<S: Serializer, K: Serialize + Ord, V: Serialize, H>(
        v: &HashMap<K, V, H>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut pairs: Vec<(&K, &V)> = v.iter().collect();
        pairs.sort_unstable_by(|a, b| a.0.cmp(b.0));
        s.collect_seq(pairs)
    }
    pub fn deserialize<
        'de,
        D: Deserializer<'de>,
        K: Deserialize<'de> + Eq + Hash,
        V: Deserialize<'de>,
        H: BuildHasher + Default,
    >(
        d: D,
    ) -> Result<HashMap<K, V, H>, D::Error> {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}
