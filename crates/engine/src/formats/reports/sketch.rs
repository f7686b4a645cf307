//! Quantiles in bounded memory: a log-bucket histogram (the DDSketch idea).
//!
//! A positive value `v` goes to bucket `ceil(ln v / ln γ)` with
//! `γ = (1 + α) / (1 - α)`, `α = 1%`. A quantile is answered with the bucket's
//! midpoint `2 γ^i / (γ + 1)`, which is within ±1% (relative) of the exact
//! nearest-rank value. Values up to 2^53 ms need fewer than 1,900 buckets, so
//! memory is bounded whatever the event count; values ≤ 0 share one bucket.
//! Histograms merge exactly by adding counts ([`LogHistogram::merge`]): a
//! fanned-out export's segments merge into the single worker's histogram.
use super::doc::{QuantileMethod, Quantiles};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const ALPHA: f64 = 0.01;
/// Up to this many values are kept as they are, and quantiles are exact.
pub const EXACT_UP_TO: usize = 1_000;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogHistogram {
    buckets: Buckets,
    non_positive: u64,
    count: u64,
    /// The values themselves while there are at most [`EXACT_UP_TO`].
    exact: Vec<i64>,
}

fn gamma() -> f64 {
    (1.0 + ALPHA) / (1.0 - ALPHA)
}

/// Values below this find their bucket in a table worked out once: a
/// latency in ms nearly always does, and two logarithms per value cost more
/// than the rest of folding it.
const TABLED_BELOW: i64 = 1 << 16;

/// The bucket of a positive value: the least `i` with `v <= gamma^i`.
fn bucket_of(v: i64) -> i32 {
    static TABLE: std::sync::OnceLock<Box<[i32]>> = std::sync::OnceLock::new();
    if v < TABLED_BELOW {
        let table = TABLE.get_or_init(|| (0..TABLED_BELOW).map(bucket_by_logarithms).collect());
        table[v as usize]
    } else {
        bucket_by_logarithms(v)
    }
}

fn bucket_by_logarithms(v: i64) -> i32 {
    ((v as f64).ln() / gamma().ln()).ceil() as i32
}

/// Buckets further apart than this are refused when a saved state is read
/// (a value up to `i64::MAX` ms falls in bucket 2,200 at most).
const MAX_SPAN: usize = 4_096;

/// Bucket counts, dense from the lowest bucket used: an add is an index, not a
/// B-tree search (values cluster, so the span is a few hundred). Saved as the
/// map of the buckets in use, in order, as it was when it was a `BTreeMap`.
#[derive(Debug, Clone, Default)]
struct Buckets {
    first: i32,
    counts: Vec<u64>,
}

impl Buckets {
    fn add(&mut self, i: i32, n: u64) {
        if self.counts.is_empty() {
            self.first = i;
        } else if i < self.first {
            let grow = (self.first - i) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.first = i;
        }
        let at = (i - self.first) as usize;
        if at >= self.counts.len() {
            self.counts.resize(at + 1, 0);
        }
        self.counts[at] += n;
    }

    /// The buckets in use, in ascending order.
    fn iter(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        (self.first..)
            .zip(self.counts.iter().copied())
            .filter(|&(_, n)| n > 0)
    }
}

impl Serialize for Buckets {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Buckets {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let used = BTreeMap::<i32, u64>::deserialize(d)?;
        if let (Some((&lo, _)), Some((&hi, _))) = (used.first_key_value(), used.last_key_value())
            && i64::from(hi) - i64::from(lo) >= MAX_SPAN as i64
        {
            return Err(serde::de::Error::custom("histogram buckets too far apart"));
        }
        let mut b = Buckets::default();
        for (i, n) in used {
            b.add(i, n);
        }
        Ok(b)
    }
}

impl LogHistogram {
    pub fn add(&mut self, v: i64) {
        self.count += 1;
        if self.exact.len() < EXACT_UP_TO && self.count as usize == self.exact.len() + 1 {
            self.exact.push(v);
        } else {
            self.exact.clear();
        }
        if v <= 0 {
            self.non_positive += 1;
            return;
        }
        self.buckets.add(bucket_of(v), 1);
    }

    /// Adds the values of `other`, as if they had been added one by one: the
    /// buckets add up, and the values are kept while there are at most
    /// [`EXACT_UP_TO`] in all (quantiles sort them, so their order is moot).
    pub fn merge(&mut self, other: &LogHistogram) {
        let exact = self.is_exact() && other.is_exact();
        self.count += other.count;
        self.non_positive += other.non_positive;
        for (i, n) in other.buckets.iter() {
            self.buckets.add(i, n);
        }
        if exact && self.count as usize <= EXACT_UP_TO {
            self.exact.extend_from_slice(&other.exact);
        } else {
            self.exact.clear();
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether quantiles are exact (every value is still held).
    pub fn is_exact(&self) -> bool {
        self.exact.len() as u64 == self.count
    }

    /// Nearest-rank quantile `q` in (0, 1]: exact while [`Self::is_exact`],
    /// else the sketch's estimate rounded to a whole number; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<i64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        if self.is_exact() {
            let mut sorted = self.exact.clone();
            sorted.sort_unstable();
            return sorted.get(rank as usize - 1).copied();
        }
        self.sketch_quantile(rank)
    }

    fn sketch_quantile(&self, rank: u64) -> Option<i64> {
        if rank <= self.non_positive {
            return Some(0);
        }
        let mut seen = self.non_positive;
        for (i, n) in self.buckets.iter() {
            seen += n;
            if seen >= rank {
                let g = gamma();
                return Some((2.0 * g.powi(i) / (g + 1.0)).round() as i64);
            }
        }
        None
    }

    /// `{"count", "p50", "p95", "method"}` for a report; an approximation
    /// says so and gives its error bound.
    pub fn summary(&self) -> Quantiles {
        let exact = self.is_exact();
        Quantiles {
            count: self.count,
            p50: self.quantile(0.5),
            p95: self.quantile(0.95),
            method: if exact {
                QuantileMethod::ExactNearestRank
            } else {
                QuantileMethod::LogBucketSketch
            },
            relative_error_bound: (!exact).then_some(ALPHA),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(sorted: &[i64], q: f64) -> i64 {
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }

    #[test]
    fn quantiles_are_within_one_percent_of_nearest_rank() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for round in 0..50 {
            let mut h = LogHistogram::default();
            let mut all = Vec::new();
            for _ in 0..(EXACT_UP_TO + 100 + round * 37) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let v = (state % 2_000_000) as i64;
                h.add(v);
                all.push(v);
            }
            all.sort();
            for q in [0.5, 0.95, 0.99] {
                let e = exact(&all, q) as f64;
                let a = h.quantile(q).unwrap() as f64;
                assert!(
                    (a - e).abs() <= e * 0.0101 + 1.0,
                    "q={q} exact={e} approx={a}"
                );
            }
        }
    }

    #[test]
    fn small_counts_are_exact_and_say_so() {
        let mut h = LogHistogram::default();
        for v in [930_000, 65_000, 1_170_000] {
            h.add(v);
        }
        assert_eq!(h.quantile(0.5), Some(930_000));
        assert_eq!(h.quantile(0.95), Some(1_170_000));
        assert_eq!(
            serde_json::to_value(h.summary()).unwrap()["method"],
            "exact_nearest_rank"
        );
        assert!(
            serde_json::to_value(h.summary())
                .unwrap()
                .get("relative_error_bound")
                .is_none()
        );
        for v in 0..EXACT_UP_TO as i64 {
            h.add(v);
        }
        assert!(!h.is_exact());
        assert_eq!(
            serde_json::to_value(h.summary()).unwrap()["method"],
            "log_bucket_sketch"
        );
        assert_eq!(
            serde_json::to_value(h.summary()).unwrap()["relative_error_bound"],
            0.01
        );
    }

    #[test]
    fn parts_merge_into_the_histogram_of_the_whole() {
        let values: Vec<i64> = (0..2_500).map(|i| (i * 7_919) % 50_000 - 10).collect();
        let mut whole = LogHistogram::default();
        values.iter().for_each(|v| whole.add(*v));
        for cut in [0, 1, 400, 999, 1_000, 1_001, 2_499] {
            for len in [values.len(), 600, 1_000] {
                let (mut a, mut b, mut w) = (
                    LogHistogram::default(),
                    LogHistogram::default(),
                    LogHistogram::default(),
                );
                values[..cut.min(len)].iter().for_each(|v| a.add(*v));
                values[cut.min(len)..len].iter().for_each(|v| b.add(*v));
                values[..len].iter().for_each(|v| w.add(*v));
                a.merge(&b);
                assert_eq!(a.is_exact(), w.is_exact(), "cut {cut} of {len}");
                assert_eq!(
                    serde_json::to_value(a.summary()).unwrap(),
                    serde_json::to_value(w.summary()).unwrap()
                );
            }
        }
        assert!(!whole.is_exact());
    }

    #[test]
    fn a_value_falls_in_the_least_bucket_whose_bound_holds_it_on_both_sides_of_the_table() {
        // The bucket of v is the least i with v <= gamma^i (up to rounding).
        let g = gamma();
        for v in (1..300)
            .chain(TABLED_BELOW - 300..TABLED_BELOW + 300)
            .chain([1 << 40])
        {
            let i = bucket_of(v);
            assert!(
                v as f64 <= g.powi(i) * (1.0 + 1e-12),
                "{v} above bucket {i}"
            );
            assert!(
                v as f64 > g.powi(i - 1) * (1.0 - 1e-12),
                "{v} below bucket {i}"
            );
        }
        assert_eq!(bucket_of(1), 0);
        assert_eq!(bucket_of(2), 35); // ln 2 / ln(1.01 / 0.99) = 34.66
        // The table's entries are the logarithms' buckets (above the table
        // the logarithms are used as they are).
        for v in [1, 2, TABLED_BELOW - 1] {
            assert_eq!(bucket_of(v), bucket_by_logarithms(v), "{v}");
        }
    }

    #[test]
    fn buckets_save_as_the_map_of_those_in_use_and_load_back() {
        let mut h = LogHistogram::default();
        for v in (0..3_000)
            .map(|i| 50 + (i * 37) % 9_000)
            .chain([7, 1, 2_000_000])
        {
            h.add(v);
        }
        // Saved as a B-tree of the buckets in use would be: ascending, none empty.
        let as_btree: BTreeMap<i32, u64> = h.buckets.iter().collect();
        assert_eq!(
            serde_json::to_string(&h.buckets).unwrap(),
            serde_json::to_string(&as_btree).unwrap()
        );
        assert!(as_btree.values().all(|&n| n > 0));
        assert!(as_btree.len() > 100);
        assert_eq!(as_btree.values().sum::<u64>(), h.count());
        let saved = serde_json::to_value(&h).unwrap();
        let loaded: LogHistogram = serde_json::from_value(saved.clone()).unwrap();
        assert_eq!(serde_json::to_value(&loaded).unwrap(), saved);
        assert_eq!(loaded.quantile(0.95), h.quantile(0.95));
        // Buckets further apart than any value can reach are refused.
        let far = serde_json::json!({"buckets": {"-5000": 1, "5": 1}, "non_positive": 0, "count": 2, "exact": []});
        assert!(serde_json::from_value::<LogHistogram>(far).is_err());
    }

    #[test]
    fn empty_and_zero() {
        let mut h = LogHistogram::default();
        assert_eq!(h.quantile(0.5), None);
        h.add(0);
        h.add(-5);
        h.add(1000);
        assert_eq!(h.quantile(0.5), Some(0));
        assert_eq!(h.count(), 3);
        let p = h.quantile(1.0).unwrap();
        assert_eq!(p, 1000, "three values: exact");
    }
}
