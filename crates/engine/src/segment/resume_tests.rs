//! A run stopped at hour boundaries and continued, piece after piece, writes
//! the single run's bytes and continues its hash.
use crate::local_dir::DirLakeSource;
use crate::resume::*;
use crate::run_resumable;
use crate::segment::{Piece, SegmentOutput, artifact_tail, merge_stats, pieces, segment_formatter};
use crate::test_support::{MemSink, Quiet, context, planned, single_run, small_lake};
use crate::{EngineOptions, ExportContext, ExportPlan, ExportSummary};
use chrono::{TimeZone, Utc};
use kt_domain::{ExportFormat, Window};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Runs the plan as one segment that is told to stop at once every time:
/// each run writes one hour (with objects) and the next continues it.
async fn piece_by_piece(
    source: Arc<DirLakeSource>,
    plan: &ExportPlan,
    ctx: &ExportContext,
) -> (Vec<Vec<u8>>, Vec<RunEnd>) {
    let (mut bytes, mut ends) = (Vec::new(), Vec::<RunEnd>::new());
    let mut next = 0;
    loop {
        let part = ExportPlan {
            hours: plan.hours[next..].to_vec(),
            skipped_objects: if next == 0 { plan.skipped_objects } else { 0 },
            ..plan.clone()
        };
        let stop = HourStop::new();
        stop.stop();
        let saved = ends.last().map(|e| e.hash_state.clone());
        let resume = Resume::new(saved.as_deref(), stop).unwrap();
        let formatter = segment_formatter(ctx, usize::from(next > 0)).unwrap();
        let sink = MemSink::default();
        let end = run_resumable(
            source.clone(),
            &part,
            ctx,
            formatter,
            Box::new(sink.clone()),
            &EngineOptions::default(),
            &Quiet,
            resume,
        )
        .await
        .unwrap();
        bytes.push(sink.0.lock().unwrap().clone());
        let stopped = end.stopped_before;
        ends.push(end);
        match stopped {
            Some(h) => {
                assert!(h > 0, "a run always writes an hour");
                next += h;
            }
            None => return (bytes, ends),
        }
    }
}

#[tokio::test]
async fn a_run_stopped_at_every_hour_and_continued_writes_the_single_runs_bytes() {
    let dir = small_lake(1, 3_000);
    let window = Window {
        // Leading empty hours: the first piece with an event is not the first.
        start: Utc.with_ymd_and_hms(2026, 4, 30, 20, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap(),
        timezone: chrono_tz::UTC,
    };
    let (source, plan) = planned(dir.path(), &window).await;
    let with_objects = plan.hours.iter().filter(|(_, o)| !o.is_empty()).count();
    for format in [ExportFormat::Csv, ExportFormat::Json] {
        let ctx = context(format, &plan);
        let (whole, single) = single_run(source.clone(), &plan, &ctx).await;

        let (bytes, ends) = piece_by_piece(source.clone(), &plan, &ctx).await;
        assert_eq!(ends.len(), with_objects, "{format:?}: one run per hour");
        // The continued hash is the hash of every piece's bytes in order.
        let concatenated: Vec<u8> = bytes.concat();
        let last = ends.last().unwrap();
        assert_eq!(
            last.outcome.sha256,
            hex::encode(Sha256::digest(&concatenated))
        );
        // Joined as the finisher joins segments, the pieces are the single run.
        let outputs: Vec<SegmentOutput> = ends
            .iter()
            .map(|e| SegmentOutput {
                size_bytes: e.outcome.size_bytes,
                event_count: e.outcome.event_count,
            })
            .collect();
        let stats = merge_stats(ends.iter().map(|e| &e.outcome.stats));
        assert_eq!(stats, single.stats, "{format:?}");
        let summary = ExportSummary {
            event_count: outputs.iter().map(|o| o.event_count).sum(),
            stats,
        };
        let tail = artifact_tail(&ctx, &summary).unwrap();
        let mut joined = Vec::new();
        for piece in pieces(format, &outputs, tail) {
            match piece {
                Piece::Segment { index, range } => joined
                    .extend_from_slice(&bytes[index][range.start as usize..range.end as usize]),
                Piece::Inline(b) => joined.extend_from_slice(&b),
            }
        }
        assert!(
            joined == whole,
            "{format:?}: pieces differ from the single run"
        );
        if format == ExportFormat::Csv {
            assert_eq!(last.outcome.sha256, single.sha256);
        }
    }
}
