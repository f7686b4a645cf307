//! The events digest's hashing ([`super::EVENTS_DIGEST_RULE`]): a SHA-256 per
//! UTC hour over the hour's lines in export order.
//!
//! On the reference lake that is 1.3 GB through SHA-256, about a quarter of
//! compliance-all's writer thread, which bounds the export's wall time while
//! the second core waits. An export's aggregate therefore hashes on a helper
//! thread ([`HourDigests::hash_on_helper`]): the writer copies each line into
//! a batch (a memcpy, a tenth of the hashing) and the helper hashes whole
//! batches beside it. The digests are the same either way.
use sha2::{Digest, Sha256};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Lines of one hour gathered before they go to the helper.
const BATCH_BYTES: usize = 256 << 10;
/// Batches on their way to the helper (and back, to be reused).
const IN_FLIGHT: usize = 4;

/// The hour digests of the lines seen so far.
pub(super) struct HourDigests {
    hashing: Hashing,
}

enum Hashing {
    Here(Hours),
    Helper(Helper),
}

/// Finished hours, and the hour being hashed.
#[derive(Default, Clone)]
pub(super) struct Hours {
    /// (hour number since the epoch, lowercase hex SHA-256), in time order.
    pub closed: Vec<(i64, String)>,
    pub open: Option<(i64, Sha256)>,
}

impl Hours {
    fn add(&mut self, hour: i64, bytes: &[&[u8]]) {
        if self.open.as_ref().is_none_or(|(h, _)| *h != hour) {
            self.close();
            self.open = Some((hour, Sha256::new()));
        }
        if let Some((_, d)) = &mut self.open {
            for b in bytes {
                d.update(b);
            }
        }
    }

    fn close(&mut self) {
        if let Some((h, d)) = self.open.take() {
            self.closed.push((h, hex::encode(d.finalize())));
        }
    }

    /// Every hour with its digest, the open one finished (it stays open).
    pub fn all(self) -> impl Iterator<Item = (i64, String)> {
        let open = self.open.map(|(h, d)| (h, hex::encode(d.finalize())));
        self.closed.into_iter().chain(open)
    }
}

enum ToHelper {
    /// Lines of an hour, each followed by `\n`.
    Lines(i64, Vec<u8>),
    /// Answer with a copy of the hours so far.
    Copy,
    /// Answer with the hours so far, closed, and start afresh.
    Close,
}

/// The helper thread and the batch being filled for it.
struct Helper {
    batch: Vec<u8>,
    /// The hour of the lines in `batch` (when it holds any).
    batch_hour: i64,
    tx: Option<SyncSender<ToHelper>>,
    answers: Receiver<Hours>,
    spare: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<()>>,
}

impl HourDigests {
    pub fn new() -> Self {
        Self {
            hashing: Hashing::Here(Hours::default()),
        }
    }

    /// Hashes from now on on a helper thread (here still when no thread can
    /// be started).
    pub fn hash_on_helper(&mut self) {
        let Hashing::Here(hours) = &mut self.hashing else {
            return;
        };
        let start = hours.clone();
        let (tx, rx) = sync_channel::<ToHelper>(IN_FLIGHT);
        let (answer_tx, answers) = sync_channel(1);
        let (spare_tx, spare) = sync_channel(IN_FLIGHT + 1);
        let spawned = std::thread::Builder::new()
            .name("kt-events-digest".into())
            .spawn(move || helper(start, rx, answer_tx, spare_tx));
        // When no thread starts, the lines are hashed here, as before.
        if let Ok(thread) = spawned {
            self.hashing = Hashing::Helper(Helper {
                batch: Vec::with_capacity(BATCH_BYTES),
                batch_hour: 0,
                tx: Some(tx),
                answers,
                spare,
                thread: Some(thread),
            });
        }
    }

    /// Adds an event's line to its hour's digest (`raw` and a `\n`).
    pub fn line(&mut self, hour: i64, raw: &[u8]) {
        match &mut self.hashing {
            Hashing::Here(hours) => hours.add(hour, &[raw, b"\n"]),
            Hashing::Helper(helper) => helper.line(hour, raw),
        }
    }

    /// The hours so far, the open one included (it stays open).
    pub fn copy(&self) -> Hours {
        match &self.hashing {
            Hashing::Here(hours) => hours.clone(),
            Hashing::Helper(helper) => {
                let mut hours = helper.ask(ToHelper::Copy);
                // The batch not yet sent, hashed on the copy.
                if !helper.batch.is_empty() {
                    hours.add(helper.batch_hour, &[&helper.batch]);
                }
                hours
            }
        }
    }

    /// The hours so far, all closed; later lines start afresh.
    pub fn close(&mut self) -> Vec<(i64, String)> {
        match &mut self.hashing {
            Hashing::Here(hours) => {
                hours.close();
                std::mem::take(&mut hours.closed)
            }
            Hashing::Helper(helper) => {
                helper.send_batch();
                helper.ask(ToHelper::Close).closed
            }
        }
    }
}

impl Helper {
    fn line(&mut self, hour: i64, raw: &[u8]) {
        if !self.batch.is_empty()
            && (hour != self.batch_hour || self.batch.len() + raw.len() >= BATCH_BYTES)
        {
            self.send_batch();
        }
        self.batch_hour = hour;
        self.batch.extend_from_slice(raw);
        self.batch.push(b'\n');
    }

    fn send_batch(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH_BYTES));
        let full = std::mem::replace(&mut self.batch, next);
        self.send(ToHelper::Lines(self.batch_hour, full));
    }

    fn send(&self, message: ToHelper) {
        self.tx
            .as_ref()
            .and_then(|tx| tx.send(message).ok())
            .expect("the digest helper runs until its aggregate is dropped");
    }

    fn ask(&self, question: ToHelper) -> Hours {
        self.send(question);
        self.answers
            .recv()
            .expect("the digest helper answers every question")
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        drop(self.tx.take()); // the helper's loop ends
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn helper(
    mut hours: Hours,
    rx: Receiver<ToHelper>,
    answers: SyncSender<Hours>,
    spare: SyncSender<Vec<u8>>,
) {
    while let Ok(message) = rx.recv() {
        match message {
            ToHelper::Lines(hour, mut lines) => {
                hours.add(hour, &[&lines]);
                lines.clear();
                let _ = spare.try_send(lines);
            }
            ToHelper::Copy => {
                let _ = answers.send(hours.clone());
            }
            ToHelper::Close => {
                hours.close();
                let _ = answers.send(std::mem::take(&mut hours));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule written out: each hour's lines joined, hashed.
    fn expected(lines: &[(i64, Vec<u8>)]) -> Vec<(i64, String)> {
        let mut out: Vec<(i64, Vec<u8>)> = Vec::new();
        for (hour, line) in lines {
            if out.last().is_none_or(|(h, _)| h != hour) {
                out.push((*hour, Vec::new()));
            }
            let joined = &mut out.last_mut().expect("pushed").1;
            joined.extend_from_slice(line);
            joined.push(b'\n');
        }
        out.into_iter()
            .map(|(h, joined)| (h, hex::encode(Sha256::digest(&joined))))
            .collect()
    }

    /// Hours 5, 6 and 8, with lines of every size up to several batches.
    fn lines() -> Vec<(i64, Vec<u8>)> {
        let mut lines = Vec::new();
        for i in 0..400usize {
            let hour = match i {
                0..150 => 5,
                150..300 => 6,
                _ => 8,
            };
            let len = if i % 97 == 3 {
                3 * BATCH_BYTES
            } else {
                i * 37 % 5_000
            };
            lines.push((hour, (0..len).map(|b| (b * 7 + i) as u8).collect()));
        }
        lines
    }

    fn digests(on_helper: bool) -> HourDigests {
        let mut d = HourDigests::new();
        if on_helper {
            d.hash_on_helper();
            assert!(matches!(d.hashing, Hashing::Helper(_)), "a thread started");
        }
        d
    }

    #[test]
    fn the_helper_and_the_writer_thread_give_the_rules_digests() {
        let lines = lines();
        for on_helper in [false, true] {
            let mut d = digests(on_helper);
            for (i, (hour, line)) in lines.iter().enumerate() {
                d.line(*hour, line);
                if i == 220 {
                    // Midway, with lines of hour 6 still in the batch: the
                    // copy finishes them without closing the hour.
                    let copy: Vec<_> = d.copy().all().collect();
                    assert_eq!(copy, expected(&lines[..=i]), "helper: {on_helper}");
                }
            }
            assert_eq!(d.copy().all().collect::<Vec<_>>(), expected(&lines));
            assert_eq!(d.close(), expected(&lines), "helper: {on_helper}");
            // Closed: the hours start afresh, even the same hour again.
            d.line(8, b"again");
            assert_eq!(d.close(), expected(&[(8, b"again".to_vec())]));
            assert!(d.close().is_empty());
        }
    }
}
