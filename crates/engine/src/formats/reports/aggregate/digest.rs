//! The events digest's per-hour SHA-256 ([`super::EVENTS_DIGEST_RULE`]).
//!
//! Every exported line goes through SHA-256 (1.3 GB on the reference lake),
//! ~14% of the work of the writer thread, which folds a compliance export's
//! events one at a time and bounds its wall time. When the engine hands over
//! a whole hour at once, [`Aggregate::observe_hour`](super::Aggregate::observe_hour)
//! hashes its lines on a second thread while the writer folds the events:
//! the same bytes in the same order, so the same digests.
use sha2::{Digest, Sha256};

/// A finished hour: (hour number since the epoch, lowercase hex SHA-256).
pub type HourDigest = (i64, String);

/// The hours of an export being digested: the one open, the ones finished.
#[derive(Default)]
pub struct Hours {
    open: Option<(i64, Sha256)>,
    /// Finished since the last [`Hours::take_finished`].
    finished: Vec<HourDigest>,
}

impl Hours {
    /// Adds a line of `hour` (lines come in export order: a new hour finishes the open one).
    pub fn add(&mut self, hour: i64, line: &[u8]) {
        match &mut self.open {
            Some((h, digest)) if *h == hour => {
                digest.update(line);
                digest.update(b"\n");
            }
            _ => {
                self.close();
                let mut digest = Sha256::new_with_prefix(line);
                digest.update(b"\n");
                self.open = Some((hour, digest));
            }
        }
    }

    /// Finishes the open hour.
    pub fn close(&mut self) {
        if let Some((h, digest)) = self.open.take() {
            self.finished.push((h, hex::encode(digest.finalize())));
        }
    }

    /// Whether no hour is open.
    pub fn is_closed(&self) -> bool {
        self.open.is_none()
    }

    /// The hours finished so far, moved out.
    pub fn take_finished(&mut self) -> Vec<HourDigest> {
        std::mem::take(&mut self.finished)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_of_a_new_hour_finishes_the_open_one() {
        let mut hours = Hours::default();
        hours.add(7, b"a");
        hours.add(7, b"b");
        assert!(hours.take_finished().is_empty());
        hours.add(9, b"c");
        let seven = hex::encode(Sha256::digest(b"a\nb\n"));
        assert_eq!(hours.take_finished(), vec![(7, seven)]);
        assert!(!hours.is_closed());
        hours.close();
        assert!(hours.is_closed());
        let nine = hex::encode(Sha256::digest(b"c\n"));
        assert_eq!(hours.take_finished(), vec![(9, nine)]);
    }
}
