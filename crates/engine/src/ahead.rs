//! How far the readers may run ahead of the writer, in bytes.
//!
//! Readers are usually faster than the writer (always, for the report
//! formats, whose writer folds every event into the aggregate), so what they
//! have read but the writer has not taken piles up. Counting objects bounds
//! that only for small objects: on the 10M-event lake (2.2 MB inflated per
//! object) eight objects ahead were ~25 MB of records. The driver opens the
//! next object only while the bytes ahead are under the limit; an object
//! once opened is always read to its end, so the writer, which takes objects
//! in order, can never wait on a reader that waits on it.
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes read ahead of the writer: the chunks readers hold or have queued,
/// and a reservation for each object being read.
#[derive(Debug)]
pub(crate) struct ReadAhead {
    bytes: AtomicUsize,
    limit: usize,
    freed: tokio::sync::Notify,
}

impl ReadAhead {
    pub fn new(limit: usize) -> Self {
        Self {
            bytes: AtomicUsize::new(0),
            limit: limit.max(1),
            freed: tokio::sync::Notify::new(),
        }
    }

    /// Waits until the bytes ahead are under the limit.
    pub async fn room(&self) {
        while self.bytes.load(Ordering::Acquire) >= self.limit {
            // A release between the check and the wait leaves a permit, so
            // the wait returns at once instead of missing it.
            self.freed.notified().await;
        }
    }

    /// Counts `n` more bytes ahead (an object opened, a chunk handed on).
    pub fn add(&self, n: usize) {
        self.bytes.fetch_add(n, Ordering::AcqRel);
    }

    /// Counts `n` bytes no longer ahead (the writer took them, or an object's
    /// reservation ended) and wakes the driver.
    pub fn remove(&self, n: usize) {
        // Every removal follows its own addition (a chunk is counted before
        // it is sent; a reservation before its reader starts).
        let before = self.bytes.fetch_sub(n, Ordering::AcqRel);
        debug_assert!(before >= n, "removed {n} of {before} bytes ahead");
        self.freed.notify_one();
    }

    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn room_waits_for_the_writer_to_take_bytes() {
        let ahead = Arc::new(ReadAhead::new(100));
        ahead.add(60);
        ahead.room().await; // under the limit: no wait
        ahead.add(60);
        let waiting = tokio::spawn({
            let ahead = ahead.clone();
            async move { ahead.room().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "120 of 100 bytes ahead: must wait");
        ahead.remove(30);
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("90 of 100 bytes ahead: room again")
            .unwrap();
        assert_eq!(ahead.bytes(), 90);
    }

    #[tokio::test]
    async fn a_release_before_the_wait_is_not_missed() {
        let ahead = ReadAhead::new(10);
        ahead.add(10);
        ahead.remove(5); // leaves a permit
        tokio::time::timeout(Duration::from_secs(5), ahead.room())
            .await
            .expect("5 of 10 bytes ahead: room");
    }
}
