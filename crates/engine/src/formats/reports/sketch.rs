//! Quantiles in bounded memory: a log-bucket histogram (the DDSketch idea).
//!
//! A positive value `v` goes to bucket `ceil(ln v / ln γ)` with
//! `γ = (1 + α) / (1 - α)`, `α = 1%`. A quantile is answered with the bucket's
//! midpoint `2 γ^i / (γ + 1)`, which is within ±1% (relative) of the exact
//! nearest-rank value. Values up to 2^53 ms need fewer than 1,900 buckets, so
//! memory is bounded whatever the event count; values ≤ 0 share one bucket.
//! Histograms merge by adding counts (not needed here, but it keeps the door open
//! for segmented exports).
use serde_json::Value;
use std::collections::BTreeMap;

const ALPHA: f64 = 0.01;

#[derive(Debug, Clone, Default)]
pub struct LogHistogram {
    buckets: BTreeMap<i32, u64>,
    non_positive: u64,
    count: u64,
}

fn gamma() -> f64 {
    (1.0 + ALPHA) / (1.0 - ALPHA)
}

impl LogHistogram {
    pub fn add(&mut self, v: i64) {
        self.count += 1;
        if v <= 0 {
            self.non_positive += 1;
            return;
        }
        let i = ((v as f64).ln() / gamma().ln()).ceil() as i32;
        *self.buckets.entry(i).or_default() += 1;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Nearest-rank quantile `q` in (0, 1], rounded to a whole number; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<i64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        if rank <= self.non_positive {
            return Some(0);
        }
        let mut seen = self.non_positive;
        for (&i, &n) in &self.buckets {
            seen += n;
            if seen >= rank {
                let g = gamma();
                return Some((2.0 * g.powi(i) / (g + 1.0)).round() as i64);
            }
        }
        None
    }

    /// `{"count", "p50", "p95"}` for a report.
    pub fn summary(&self) -> Value {
        serde_json::json!({
            "count": self.count,
            "p50": self.quantile(0.5),
            "p95": self.quantile(0.95),
        })
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
            for _ in 0..(100 + round * 37) {
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
    fn empty_and_zero() {
        let mut h = LogHistogram::default();
        assert_eq!(h.quantile(0.5), None);
        h.add(0);
        h.add(-5);
        h.add(1000);
        assert_eq!(h.quantile(0.5), Some(0));
        assert_eq!(h.count(), 3);
        let p = h.quantile(1.0).unwrap();
        assert!((990..=1010).contains(&p));
    }
}
