//! Evidence id lists: a seeded bottom-k sample, reproducible by anyone.
//!
//! Each candidate id gets the priority `SHA-256(seed || "|" || id)` (first 8
//! bytes, big-endian); the `k` ids with the smallest priorities are kept. The
//! result does not depend on the order ids arrive in, memory is `k` entries, an
//! id seen twice counts once in the sample, and anyone holding the events can
//! recompute it. The seed is the string `tenant|format|window_start/window_end`.
//! Two samples of disjoint parts of a population merge exactly ([`BottomK::merge`]):
//! the `k` smallest of a union are among the `k` smallest of each part.
use serde::{Deserialize, Serialize};
use sha2::block_api::compress256;
use std::collections::BTreeSet;

/// Evidence ids per list and section.
pub const EVIDENCE_CAP: usize = 25;
pub const SAMPLE_METHOD: &str = "bottom_k_sha256";

/// The priority of `id` under `seed`: the first 8 bytes, big-endian, of
/// SHA-256(`seed|id`).
pub fn priority(seed: &str, id: &str) -> u64 {
    SeedState::new(seed).priority(id)
}

/// SHA-256 after `seed|`, hashed once and continued per id by
/// [`SeedState::priority`]: the state after the whole 64-byte blocks of
/// `seed|`, and the bytes after them. A priority is then one or two
/// compressions of a block built on the stack: a compliance export takes
/// three per event, and a hasher's clone, buffering and finalisation cost
/// about as much as the compression itself.
#[derive(Debug, Clone)]
pub struct SeedState {
    state: [u32; 8],
    tail: [u8; 64],
    /// Bytes of `seed|` (the tail is the last `len % 64`).
    len: u64,
}

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const SHA256_INITIAL: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

impl SeedState {
    pub fn new(seed: &str) -> Self {
        let mut prefix = Vec::with_capacity(seed.len() + 1);
        prefix.extend_from_slice(seed.as_bytes());
        prefix.push(b'|');
        let mut state = SHA256_INITIAL;
        let whole = prefix.chunks_exact(64);
        let rest = whole.remainder();
        for block in whole.clone() {
            compress256(&mut state, &[block.try_into().expect("64 bytes")]);
        }
        let mut tail = [0; 64];
        tail[..rest.len()].copy_from_slice(rest);
        Self {
            state,
            tail,
            len: prefix.len() as u64,
        }
    }

    /// [`priority`] of `id` under this seed: SHA-256's padding (FIPS 180-4,
    /// 5.1.1) around the crate's compression function.
    pub fn priority(&self, id: &str) -> u64 {
        let mut state = self.state;
        let mut block = self.tail;
        let mut fill = (self.len % 64) as usize;
        let mut rest = id.as_bytes();
        loop {
            let take = (64 - fill).min(rest.len());
            block[fill..fill + take].copy_from_slice(&rest[..take]);
            fill += take;
            rest = &rest[take..];
            if fill < 64 {
                break;
            }
            compress256(&mut state, &[block]);
            fill = 0;
        }
        block[fill] = 0x80;
        block[fill + 1..].fill(0);
        if fill + 1 > 56 {
            compress256(&mut state, &[block]);
            block = [0; 64];
        }
        let bits = (self.len + id.len() as u64) * 8;
        block[56..].copy_from_slice(&bits.to_be_bytes());
        compress256(&mut state, &[block]);
        (u64::from(state[0]) << 32) | u64::from(state[1])
    }
}

/// The `k` smallest-priority ids seen, plus how many candidates were offered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BottomK {
    k: usize,
    kept: BTreeSet<(u64, String)>,
    population: u64,
    /// The largest kept priority once the sample is full: a larger one is
    /// turned away without walking the set (most offers, on a large export).
    #[serde(skip)]
    ceiling: Option<u64>,
}

impl BottomK {
    pub fn new(k: usize) -> Self {
        Self {
            k,
            kept: BTreeSet::new(),
            population: 0,
            ceiling: None,
        }
    }

    /// Offers one candidate; `population` counts every offer (callers offer
    /// distinct ids, or count occurrences on purpose).
    pub fn offer(&mut self, prio: u64, id: &str) {
        self.population += 1;
        if self.ceiling.is_some_and(|c| prio > c) {
            return;
        }
        if self.kept.len() < self.k {
            self.kept.insert((prio, id.to_string()));
            self.note_ceiling();
            return;
        }
        let max = self.kept.last().expect("non-empty when full");
        // An id already kept stays kept once (inserting it again must not evict another).
        if (prio, id) < (max.0, max.1.as_str()) && self.kept.insert((prio, id.to_string())) {
            self.kept.pop_last();
            self.note_ceiling();
        }
    }

    /// Remembers the largest kept priority when the sample is full.
    fn note_ceiling(&mut self) {
        self.ceiling = if self.kept.len() >= self.k {
            self.kept.last().map(|(p, _)| *p)
        } else {
            None
        };
    }

    /// Adds the sample of another part of the population: the result is the
    /// sample of the whole, whatever the split.
    pub fn merge(&mut self, other: BottomK) {
        self.population += other.population;
        self.kept.extend(other.kept);
        while self.kept.len() > self.k {
            self.kept.pop_last();
        }
        self.note_ceiling();
    }

    /// Forgets every offer (a sample recomputed from a table).
    pub fn clear(&mut self) {
        self.kept.clear();
        self.population = 0;
        self.ceiling = None;
    }

    pub fn population(&self) -> u64 {
        self.population
    }

    /// The kept ids, sorted by id.
    pub fn ids(&self) -> Vec<String> {
        let mut v: Vec<String> = self.kept.iter().map(|(_, id)| id.clone()).collect();
        v.sort();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_is_order_independent_and_bounded() {
        let ids: Vec<String> = (0..500).map(|i| format!("evt_{i:04}")).collect();
        let mut a = BottomK::new(25);
        let mut b = BottomK::new(25);
        for id in &ids {
            a.offer(priority("s", id), id);
        }
        for id in ids.iter().rev() {
            b.offer(priority("s", id), id);
        }
        assert_eq!(a.ids(), b.ids());
        assert_eq!(a.ids().len(), 25);
        assert_eq!(a.population(), 500);
        // The kept ids are exactly the 25 smallest priorities.
        let mut all: Vec<(u64, &String)> = ids.iter().map(|i| (priority("s", i), i)).collect();
        all.sort();
        let mut expect: Vec<String> = all[..25].iter().map(|(_, i)| (*i).clone()).collect();
        expect.sort();
        assert_eq!(a.ids(), expect);
        // Another seed picks another sample.
        let mut c = BottomK::new(25);
        for id in &ids {
            c.offer(priority("t", id), id);
        }
        assert_ne!(a.ids(), c.ids());
    }

    #[test]
    fn a_priority_is_the_first_8_bytes_of_sha256_of_seed_bar_id() {
        use sha2::{Digest, Sha256};
        // Every length around the block and padding boundaries, for the seed
        // (its tail) and the id alike; multi-byte characters included.
        for seed_len in 0..140 {
            let seed: String = "tenant|compliance-aesia|é"
                .chars()
                .cycle()
                .take(seed_len)
                .collect();
            let seeded = SeedState::new(&seed);
            for id_len in (0..140).chain([300, 1000]) {
                let id: String = "evt_ü0123456789".chars().cycle().take(id_len).collect();
                let digest = Sha256::digest(format!("{seed}|{id}").as_bytes());
                let expected = u64::from_be_bytes(digest[..8].try_into().unwrap());
                assert_eq!(
                    seeded.priority(&id),
                    expected,
                    "seed {seed_len}, id {id_len}"
                );
            }
        }
    }

    #[test]
    fn samples_of_parts_merge_into_the_sample_of_the_whole() {
        let ids: Vec<String> = (0..300).map(|i| format!("evt_{i:04}")).collect();
        let mut whole = BottomK::new(25);
        for id in &ids {
            whole.offer(priority("s", id), id);
        }
        for cut in [0, 1, 24, 25, 150, 299, 300] {
            let (mut a, mut b) = (BottomK::new(25), BottomK::new(25));
            for id in &ids[..cut] {
                a.offer(priority("s", id), id);
            }
            for id in &ids[cut..] {
                b.offer(priority("s", id), id);
            }
            a.merge(b);
            assert_eq!((a.ids(), a.population()), (whole.ids(), whole.population()));
        }
    }

    #[test]
    fn an_id_offered_again_does_not_evict_another() {
        let mut a = BottomK::new(2);
        for id in ["x", "y", "z", "w"] {
            a.offer(priority("s", id), id);
        }
        let kept = a.ids();
        a.offer(priority("s", &kept[0]), &kept[0]);
        assert_eq!(a.ids(), kept);
    }
}
