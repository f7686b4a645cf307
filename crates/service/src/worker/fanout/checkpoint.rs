//! Checkpoints of long segments (`docs/scale.md`, "Checkpoints").
//!
//! A segment whose invocation nears its deadline (or, for tests and the
//! local stack, has run `KT_FANOUT_CHECKPOINT_AFTER_MS`) asks the engine to
//! stop at the next hour boundary ([`kt_engine::resume`]). What it wrote is
//! a finished object of its own (a *piece*); the checkpoint records the
//! pieces so far, the next hour and the SHA-256 state, on condition that
//! nobody saved it first, and a `continue` message naming the checkpoint
//! carries the segment on in a new invocation. The finisher joins a
//! segment's pieces in order like segments (UploadPartCopy where they are
//! 5 MiB or more), so no tail under 5 MiB is ever carried between
//! invocations and no byte is copied twice.
//!
//! Messages: a message that names an older checkpoint than the stored one is
//! stale and dropped, after re-sending the stored one's continuation if no
//! mark says it was sent (its sender died in between). Of two deliveries
//! continuing one checkpoint, one saves the next; the other deletes its piece.
use super::FanOut;
use crate::worker::{DEADLINE_MARGIN, Disposition, Worker};
use chrono::{DateTime, Utc};
use kt_domain::{ExportFormat, Job};
use kt_engine::resume::{HourStop, RunEnd};
use kt_engine::segment::{SegmentOutput, merge_stats, segment_formatter};
use kt_engine::{ExportContext, ExportError, Formatter};
use kt_store::checkpoint::{SegmentCheckpoint, SegmentPiece};
use kt_store::fanout::SegmentDone;
use kt_store::sqs::fanout::{FanOutMessage, FanOutTask};
use std::time::Duration;
use tracing::{info, warn};

/// How long before the point where an export is given up
/// ([`DEADLINE_MARGIN`] before the deadline) a segment asks to stop: the
/// hour it is writing must still finish, and the checkpoint be saved.
pub const CHECKPOINT_LEAD: Duration = Duration::from_secs(60);

/// Whether segments of `format` checkpoint: those whose output is their
/// hours' bytes and nothing else. (A compliance segment would also have to
/// save its aggregate state.)
pub(super) fn checkpointable(format: ExportFormat) -> bool {
    matches!(format, ExportFormat::Csv | ExportFormat::Json)
}

/// When a segment started `now` asks to stop: [`CHECKPOINT_LEAD`] before
/// the deadline's margin, or after `after` if that is sooner; `None`: never.
pub(super) fn stop_time(
    now: DateTime<Utc>,
    deadline: Option<DateTime<Utc>>,
    after: Option<Duration>,
) -> Option<DateTime<Utc>> {
    let lead = chrono::Duration::from_std(DEADLINE_MARGIN + CHECKPOINT_LEAD).ok()?;
    let by_deadline = deadline.map(|d| d - lead);
    let by_knob = after.and_then(|a| chrono::Duration::from_std(a).ok().map(|a| now + a));
    match (by_deadline, by_knob) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Sets `stop` at `at`; dropping it cancels the timer.
pub(super) struct StopTimer(Option<tokio::task::JoinHandle<()>>);

impl StopTimer {
    pub(super) fn start(stop: &HourStop, at: Option<DateTime<Utc>>) -> Self {
        let Some(at) = at else { return Self(None) };
        let stop = stop.clone();
        let wait = (at - Utc::now()).to_std().unwrap_or_default();
        Self(Some(tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            stop.stop();
        })))
    }
}

impl Drop for StopTimer {
    fn drop(&mut self) {
        if let Some(timer) = self.0.take() {
            timer.abort();
        }
    }
}

/// The formatter of one piece: a segment's first piece is the segment's own
/// (head in segment 0); a later piece continues it, so it never writes the
/// head and json separates every event with `,\n` (what
/// [`segment_formatter`] gives any segment but the first).
pub(super) fn piece_formatter(
    ctx: &ExportContext,
    index: usize,
    resumed: bool,
) -> Option<Box<dyn Formatter>> {
    segment_formatter(ctx, if resumed { index.max(1) } else { index })
}

/// How a segment message starts.
pub(super) enum Start {
    /// Export from the segment's first hour, or from this checkpoint.
    Run(Option<SegmentCheckpoint>),
    /// The message names an older checkpoint than the stored one: drop it.
    Stale,
}

/// The name of the mark that says checkpoint `seq`'s continuation was sent.
fn continuation_mark(index: u32, seq: u32) -> String {
    format!("CONT#{index:06}#{seq:05}")
}

/// A segment's whole record from its checkpoint (if it resumed one) and
/// the last run: the pieces in order, their totals, the continued hash.
pub(super) fn segment_done(
    index: u32,
    resumed: Option<&SegmentCheckpoint>,
    object_key: String,
    end: RunEnd,
) -> SegmentDone {
    let Some(cp) = resumed else {
        return SegmentDone {
            index,
            object_key,
            size_bytes: end.outcome.size_bytes,
            event_count: end.outcome.event_count,
            sha256: end.outcome.sha256,
            stats: end.outcome.stats,
            pieces: Vec::new(),
        };
    };
    let mut pieces = cp.pieces.clone();
    pieces.push(SegmentPiece {
        object_key: object_key.clone(),
        size_bytes: end.outcome.size_bytes,
        event_count: end.outcome.event_count,
    });
    SegmentDone {
        index,
        object_key,
        size_bytes: cp.size_bytes() + end.outcome.size_bytes,
        event_count: cp.event_count() + end.outcome.event_count,
        sha256: end.outcome.sha256,
        stats: merge_stats([&cp.stats, &end.outcome.stats]),
        pieces,
    }
}

/// What the finisher joins, in artifact order: every segment's pieces
/// (a segment without checkpoints is one piece), as join inputs and keys.
pub(super) fn join_inputs(segments: &[SegmentDone]) -> (Vec<SegmentOutput>, Vec<String>) {
    let mut outputs = Vec::new();
    let mut keys = Vec::new();
    for s in segments {
        if s.pieces.is_empty() {
            outputs.push(SegmentOutput {
                size_bytes: s.size_bytes,
                event_count: s.event_count,
            });
            keys.push(s.object_key.clone());
        }
        for p in &s.pieces {
            outputs.push(SegmentOutput {
                size_bytes: p.size_bytes,
                event_count: p.event_count,
            });
            keys.push(p.object_key.clone());
        }
    }
    (outputs, keys)
}

impl Worker {
    /// Where a segment message starts: checks the message's checkpoint
    /// against the stored one.
    pub(super) async fn segment_start(
        &self,
        fan_out: &FanOut,
        job: &Job,
        index: u32,
        named: Option<u32>,
    ) -> Result<Start, kt_store::StoreError> {
        if !checkpointable(job.format) {
            return Ok(Start::Run(None));
        }
        let stored = fan_out
            .checkpoints
            .checkpoint(&job.tenant_id, &job.id, job.attempts, index)
            .await?;
        let stored_seq = stored.as_ref().map_or(0, |c| c.seq);
        let named = named.unwrap_or(0);
        if named == stored_seq {
            return Ok(Start::Run(stored));
        }
        if named > stored_seq {
            warn!(
                index,
                named, stored_seq, "a continuation of a checkpoint that is not stored; dropped"
            );
            return Ok(Start::Stale);
        }
        info!(
            index,
            named, stored_seq, "the segment went on from a later checkpoint; message dropped"
        );
        let mark = continuation_mark(index, stored_seq);
        let sent = fan_out
            .checkpoints
            .was_sent(&job.tenant_id, &job.id, job.attempts, &mark)
            .await?;
        if !sent {
            warn!(
                index,
                stored_seq, "the checkpoint's continuation was never sent; sending it"
            );
            self.send_continuation(fan_out, job, index, stored_seq)
                .await?;
        }
        Ok(Start::Stale)
    }

    /// The run stopped before `next_hour`: saves the next checkpoint (if no
    /// other delivery saved it first) and sends its continuation.
    pub(super) async fn continue_later(
        &self,
        fan_out: &FanOut,
        job: &Job,
        index: u32,
        resumed: Option<&SegmentCheckpoint>,
        (object_key, end, next_hour): (String, RunEnd, usize),
    ) -> Disposition {
        let mut pieces = resumed.map(|c| c.pieces.clone()).unwrap_or_default();
        pieces.push(SegmentPiece {
            object_key: object_key.clone(),
            size_bytes: end.outcome.size_bytes,
            event_count: end.outcome.event_count,
        });
        let stats = match resumed {
            Some(c) => merge_stats([&c.stats, &end.outcome.stats]),
            None => end.outcome.stats.clone(),
        };
        let next = SegmentCheckpoint {
            seq: resumed.map_or(0, |c| c.seq) + 1,
            next_hour,
            pieces,
            stats,
            hash_state: hex::encode(&end.hash_state),
        };
        let saved = fan_out
            .checkpoints
            .save_checkpoint(&job.tenant_id, &job.id, job.attempts, index, &next)
            .await;
        match saved {
            Ok(true) => {}
            Ok(false) => {
                info!(
                    index,
                    seq = next.seq,
                    "another delivery saved this checkpoint first; own piece deleted"
                );
                self.discard(&object_key).await;
                return Disposition::Done;
            }
            Err(e) => {
                self.discard(&object_key).await;
                return self.store_trouble("saving a segment's checkpoint", &e);
            }
        }
        info!(
            index,
            seq = next.seq,
            next_hour,
            events = next.pieces.iter().map(|p| p.event_count).sum::<u64>(),
            "segment checkpointed; it continues in a new invocation"
        );
        match self.send_continuation(fan_out, job, index, next.seq).await {
            Ok(()) => Disposition::Done,
            // This message comes back, finds itself stale and sends it then.
            Err(e) => self.store_trouble("sending a segment's continuation", &e),
        }
    }

    async fn send_continuation(
        &self,
        fan_out: &FanOut,
        job: &Job,
        index: u32,
        seq: u32,
    ) -> Result<(), kt_store::StoreError> {
        let message = FanOutMessage {
            tenant_id: job.tenant_id.clone(),
            job_id: job.id.clone(),
            attempt: job.attempts,
            task: FanOutTask::Continue {
                segment: index,
                checkpoint: seq,
            },
        };
        fan_out.queue.send_fan_out(&[message]).await?;
        let mark = continuation_mark(index, seq);
        if let Err(e) = fan_out
            .checkpoints
            .mark_sent(&job.tenant_id, &job.id, job.attempts, &mark)
            .await
        {
            // Only a stale redelivery reads it: it would send one more
            // continuation, which the checkpoint's condition makes a no-op.
            warn!(error = %kt_engine::ErrorChain(&e), "could not note the continuation as sent");
        }
        Ok(())
    }
}

/// The hash state a checkpoint saved.
pub(super) fn saved_hash(cp: Option<&SegmentCheckpoint>) -> Result<Option<Vec<u8>>, ExportError> {
    cp.map(|c| {
        hex::decode(&c.hash_state)
            .map_err(|e| ExportError::Internal(format!("a checkpoint's hash state: {e}")))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_segment_stops_a_lead_before_the_deadline_or_after_the_knob() {
        let now = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
        let deadline = now + chrono::Duration::minutes(15);
        assert_eq!(stop_time(now, None, None), None);
        assert_eq!(
            stop_time(now, Some(deadline), None),
            Some(deadline - chrono::Duration::seconds(80))
        );
        assert_eq!(
            stop_time(now, None, Some(Duration::from_millis(1500))),
            Some(now + chrono::Duration::milliseconds(1500))
        );
        assert_eq!(
            stop_time(now, Some(deadline), Some(Duration::from_secs(3600))),
            Some(deadline - chrono::Duration::seconds(80)),
            "the sooner of the two"
        );
    }

    fn piece(key: &str, size: u64, events: u64) -> SegmentPiece {
        SegmentPiece {
            object_key: key.into(),
            size_bytes: size,
            event_count: events,
        }
    }

    #[test]
    fn the_finisher_joins_every_segments_pieces_in_order() {
        let plain = SegmentDone {
            index: 0,
            object_key: "s0".into(),
            size_bytes: 10,
            event_count: 2,
            sha256: String::new(),
            stats: Default::default(),
            pieces: Vec::new(),
        };
        let pieced = SegmentDone {
            index: 1,
            object_key: "s1-b".into(),
            size_bytes: 7,
            event_count: 3,
            pieces: vec![piece("s1-a", 0, 0), piece("s1-b", 7, 3)],
            ..plain.clone()
        };
        let (outputs, keys) = join_inputs(&[plain, pieced]);
        assert_eq!(keys, ["s0", "s1-a", "s1-b"]);
        let sizes: Vec<(u64, u64)> = outputs
            .iter()
            .map(|o| (o.size_bytes, o.event_count))
            .collect();
        assert_eq!(sizes, [(10, 2), (0, 0), (7, 3)]);
    }
}
