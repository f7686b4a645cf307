//! What an event contributes that depends on the event alone: its
//! pseudonyms, its sample priorities, its local day and week, its model key
//! (`provider/name`). A pseudonym is an HMAC, so it is cached per user id;
//! a priority is a SHA-256 per framework, continued from the seed hashed once.
use super::Aggregate;
use super::shared::ArcStr;
use crate::formats::reports::Framework;
use crate::formats::reports::pseudonym::Pseudonymizer;
use chrono::{Datelike, Duration, NaiveDate};
use kt_domain::ParsedEvent;
use std::collections::HashMap;

/// Frameworks a report format can hold (compliance-all: all of them).
pub const MAX_FRAMEWORKS: usize = Framework::ALL.len();
/// Pseudonyms remembered before the cache starts again (bounds its memory,
/// with [`CACHED_ID_MAX_BYTES`]).
const PSEUDONYM_CACHE_MAX: usize = 16_384;
/// Longer user ids are not cached (nothing bounds an id's length).
const CACHED_ID_MAX_BYTES: usize = 128;

/// The facts [`super::Obs`] takes from an event beyond its fields.
pub struct Prepared {
    pub day: NaiveDate,
    pub week: NaiveDate,
    pub actor_ps: Option<ArcStr>,
    pub reviewer_ps: Option<ArcStr>,
    /// Bottom-k priority of the event id under each framework's seed, in
    /// the samples' framework order.
    pub priorities: [u64; MAX_FRAMEWORKS],
}

/// Remembers pseudonyms already computed: actors repeat, HMACs cost. Each
/// is shared, so an event's copy is a reference count, not an allocation.
#[derive(Default)]
pub(crate) struct PseudonymCache(HashMap<String, ArcStr, foldhash::fast::RandomState>);

impl PseudonymCache {
    pub fn get(&mut self, pseudo: &Pseudonymizer, user: &str) -> ArcStr {
        if let Some(ps) = self.0.get(user) {
            return ps.clone();
        }
        let ps = ArcStr::from(pseudo.pseudonym(user));
        if user.len() <= CACHED_ID_MAX_BYTES {
            if self.0.len() >= PSEUDONYM_CACHE_MAX {
                self.0.clear();
            }
            self.0.insert(user.to_string(), ps.clone());
        }
        ps
    }
}

impl Aggregate {
    /// `computed`: the priorities a reader computed, if it did (else empty).
    pub(super) fn prepare(&mut self, ev: &ParsedEvent<'_>, computed: &[u64]) -> Prepared {
        let e = &ev.fields;
        let day = self.local_day(ev.ts_ms);
        let week = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
        // `provider/name` in a reused buffer; never empty (it holds the `/`),
        // so an empty buffer means no model.
        let model = e
            .model
            .as_ref()
            .filter(|m| m.provider.is_some() || m.name.is_some());
        self.model_key.clear();
        if let Some(m) = model {
            self.model_key
                .push_str(m.provider.as_deref().unwrap_or("?"));
            self.model_key.push('/');
            self.model_key.push_str(m.name.as_deref().unwrap_or("?"));
        }
        let mut priorities = [0; MAX_FRAMEWORKS];
        if computed.len() == self.seeds.len() && computed.len() <= MAX_FRAMEWORKS {
            priorities[..computed.len()].copy_from_slice(computed);
        } else {
            for (p, seed) in priorities.iter_mut().zip(&self.seeds) {
                *p = seed.priority(&e.event_id);
            }
        }
        let (pseudo, cache) = (&self.pseudo, &mut self.pseudonyms);
        Prepared {
            day,
            week,
            actor_ps: e
                .actor
                .as_ref()
                .and_then(|a| a.user_id.as_deref())
                .map(|u| cache.get(pseudo, u)),
            reviewer_ps: e.reviewer.as_deref().map(|r| cache.get(pseudo, r)),
            priorities,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_pseudonym_is_the_computed_one_also_after_the_cache_restarts() {
        let pseudo = Pseudonymizer::new("k", "acme");
        let mut cache = PseudonymCache::default();
        for round in 0..2 {
            for i in 0..PSEUDONYM_CACHE_MAX + 10 {
                let user = format!("u_{i}");
                assert_eq!(
                    cache.get(&pseudo, &user),
                    pseudo.pseudonym(&user),
                    "round {round}"
                );
            }
            assert!(cache.0.len() <= PSEUDONYM_CACHE_MAX);
        }
        // A long id is pseudonymised but not kept.
        let long = "u".repeat(CACHED_ID_MAX_BYTES + 1);
        cache.0.clear();
        assert_eq!(cache.get(&pseudo, &long), pseudo.pseudonym(&long));
        assert!(cache.0.is_empty());
    }
}
