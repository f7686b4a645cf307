//! The events digest's running part: the SHA-256 of the UTC hour being
//! read, and the hours finished since it was last emptied
//! ([`super::EVENTS_DIGEST_RULE`]). The aggregate owns it, and lends it to
//! the engine for an hour so that the hashing (a third of the writer
//! thread's work in compliance-all) runs beside the aggregate's.
use sha2::{Digest, Sha256};

const MS_PER_HOUR: i64 = 3_600_000;

#[derive(Default, Clone)]
pub struct HourDigest {
    /// The hour being hashed: (hour number since the epoch, hasher).
    open: Option<(i64, Sha256)>,
    /// Hours finished and not yet taken: (hour number, hex SHA-256).
    finished: Vec<(i64, String)>,
}

impl HourDigest {
    /// Adds an event's raw line (and its `\n`) to the digest of its UTC hour,
    /// finishing the hour before when the event starts another.
    pub fn add(&mut self, ts_ms: i64, raw: &[u8]) {
        let hour = ts_ms.div_euclid(MS_PER_HOUR);
        if self.open.as_ref().is_none_or(|(h, _)| *h != hour) {
            self.close();
            self.open = Some((hour, Sha256::new()));
        }
        if let Some((_, d)) = &mut self.open {
            d.update(raw);
            d.update(b"\n");
        }
    }

    /// Finishes the open hour, if any.
    pub fn close(&mut self) {
        if let Some((h, d)) = self.open.take() {
            self.finished.push((h, hex::encode(d.finalize())));
        }
    }

    /// Moves the finished hours to the end of `hours`.
    pub fn take_finished(&mut self, hours: &mut Vec<(i64, String)>) {
        hours.append(&mut self.finished);
    }

    /// The open hour's digest so far, without finishing it.
    pub fn open_hour(&self) -> Option<(i64, String)> {
        self.open
            .as_ref()
            .map(|(h, d)| (*h, hex::encode(d.clone().finalize())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_of(lines: &[&str]) -> String {
        let mut d = Sha256::new();
        for l in lines {
            d.update(l.as_bytes());
            d.update(b"\n");
        }
        hex::encode(d.finalize())
    }

    #[test]
    fn lines_are_digested_per_utc_hour_and_an_hour_ends_when_another_starts() {
        let mut digest = HourDigest::default();
        let hour = 491_000;
        digest.add(hour * MS_PER_HOUR, b"a");
        digest.add(hour * MS_PER_HOUR + MS_PER_HOUR - 1, b"b");
        assert_eq!(digest.open_hour(), Some((hour, hex_of(&["a", "b"]))));
        digest.add((hour + 1) * MS_PER_HOUR, b"c");
        let mut hours = Vec::new();
        digest.take_finished(&mut hours);
        assert_eq!(hours, vec![(hour, hex_of(&["a", "b"]))]);
        digest.take_finished(&mut hours);
        assert_eq!(hours.len(), 1, "taken once");
        digest.close();
        digest.take_finished(&mut hours);
        assert_eq!(hours[1], (hour + 1, hex_of(&["c"])));
        assert_eq!(digest.open_hour(), None);
    }
}
