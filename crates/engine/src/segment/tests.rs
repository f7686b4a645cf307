//! A split export joined by [`pieces`] is the single export, byte for byte.
use super::*;
use crate::EngineOptions;
use crate::local_dir::DirLakeSource;
use crate::test_support::{context, planned, run_in_memory, single_run, small_lake};
use chrono::{TimeZone, Utc};
use kt_domain::{TenantId, Window};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A lake whose first and last hours are empty (the window starts a day early).
fn lake() -> (tempfile::TempDir, Window) {
    let dir = small_lake(2, 6_000);
    let window = Window {
        start: Utc.with_ymd_and_hms(2026, 4, 30, 0, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 5, 2, 12, 30, 0).unwrap(),
        timezone: chrono_tz::UTC,
    };
    (dir, window)
}

async fn single(source: Arc<DirLakeSource>, plan: &ExportPlan, ctx: &ExportContext) -> Vec<u8> {
    single_run(source, plan, ctx).await.0
}

/// Runs every segment: their outputs and stats, in plan order.
async fn run_segments(
    source: Arc<DirLakeSource>,
    plan: &ExportPlan,
    ctx: &ExportContext,
    ranges: &[Range<usize>],
) -> (Vec<SegmentOutput>, Vec<Vec<u8>>, Vec<JobStats>) {
    let mut outputs = Vec::new();
    let mut bytes = Vec::new();
    let mut stats = Vec::new();
    for (index, range) in ranges.iter().enumerate() {
        let part = segment_plan(plan, index, range.clone());
        let formatter = segment_formatter(ctx, index).unwrap();
        let (written, outcome) = run_in_memory(
            source.clone(),
            &part,
            ctx,
            formatter,
            &EngineOptions::default(),
        )
        .await;
        assert_eq!(outcome.size_bytes, written.len() as u64);
        assert_eq!(outcome.sha256, hex::encode(Sha256::digest(&written)));
        outputs.push(SegmentOutput {
            size_bytes: outcome.size_bytes,
            event_count: outcome.event_count,
        });
        bytes.push(written);
        stats.push(outcome.stats);
    }
    (outputs, bytes, stats)
}

/// Runs every segment, then joins their outputs as the finisher does.
async fn split(
    source: Arc<DirLakeSource>,
    plan: &ExportPlan,
    ctx: &ExportContext,
    ranges: &[Range<usize>],
) -> (Vec<u8>, JobStats) {
    let (outputs, bytes, stats) = run_segments(source, plan, ctx, ranges).await;
    let merged = merge_stats(&stats);
    let summary = ExportSummary {
        event_count: outputs.iter().map(|o| o.event_count).sum(),
        stats: merged.clone(),
    };
    let tail = artifact_tail(ctx, &summary).unwrap();
    let mut joined = Vec::new();
    for piece in pieces(ctx.format, &outputs, tail) {
        match piece {
            Piece::Segment { index, range } => {
                joined.extend_from_slice(&bytes[index][range.start as usize..range.end as usize])
            }
            Piece::Inline(b) => joined.extend_from_slice(&b),
        }
    }
    (joined, merged)
}

#[tokio::test]
async fn every_split_of_a_csv_or_json_export_joins_into_the_single_workers_bytes() {
    let (dir, window) = lake();
    let (source, plan) = planned(dir.path(), &window).await;
    assert!(plan.hours.len() > 40, "{}", plan.hours.len());
    for format in [ExportFormat::Csv, ExportFormat::Json] {
        let ctx = context(format, &plan);
        let whole = single(source.clone(), &plan, &ctx).await;
        let bytes = plan.inventory.bytes;
        for max_segments in [1usize, 2, 3, 7, 1_000] {
            let ranges = split_hours(&plan, bytes / 20, max_segments);
            assert!(ranges.len() <= max_segments);
            let (joined, stats) = split(source.clone(), &plan, &ctx, &ranges).await;
            assert_eq!(
                joined.len(),
                whole.len(),
                "{format:?} in {} segments",
                ranges.len()
            );
            assert!(
                joined == whole,
                "{format:?} in {} segments differs",
                ranges.len()
            );
            assert!(stats.duplicates_removed > 0 && stats.rejected_lines > 0);
        }
    }
    // The empty leading hours put the first event in a later segment: json
    // must then drop that segment's leading `,`.
    let ctx = context(ExportFormat::Json, &plan);
    let one_hour_each: Vec<Range<usize>> = (0..plan.hours.len()).map(|h| h..h + 1).collect();
    let (joined, _) = split(source.clone(), &plan, &ctx, &one_hour_each).await;
    assert!(joined == single(source.clone(), &plan, &ctx).await);
    serde_json::from_slice::<serde_json::Value>(&joined).expect("valid json");
}

/// Runs every segment of a compliance export, then merges their saved
/// aggregates in plan order and writes the report, as the finisher does.
async fn split_report(
    source: Arc<DirLakeSource>,
    plan: &ExportPlan,
    ctx: &ExportContext,
    ranges: &[Range<usize>],
) -> Vec<u8> {
    let (outputs, states, stats) = run_segments(source, plan, ctx, ranges).await;
    let summary = ExportSummary {
        event_count: outputs.iter().map(|o| o.event_count).sum(),
        stats: merge_stats(&stats),
    };
    // The lake has what the proof must cover: duplicates and rejected lines.
    assert!(summary.stats.duplicates_removed > 0 && summary.stats.rejected_lines > 0);
    let mut merger = StateMerger::new(ctx.format);
    for state in &states {
        merger.add(ctx, state).unwrap();
    }
    merger.finish(ctx, &summary).unwrap()
}

#[tokio::test]
async fn every_split_of_a_compliance_export_merges_into_the_single_workers_bytes() {
    let (dir, window) = lake();
    let (source, plan) = planned(dir.path(), &window).await;
    let bytes = plan.inventory.bytes;
    let one_hour_each: Vec<Range<usize>> = (0..plan.hours.len()).map(|h| h..h + 1).collect();
    for format in [
        ExportFormat::ComplianceAesia,
        ExportFormat::ComplianceAepd,
        ExportFormat::ComplianceEns,
        ExportFormat::ComplianceAll,
    ] {
        assert!(splittable(format));
        let ctx = context(format, &plan);
        let whole = single(source.clone(), &plan, &ctx).await;
        let mut splits: Vec<Vec<Range<usize>>> = [1usize, 2, 3, 7]
            .iter()
            .map(|&n| split_hours(&plan, bytes / n as u64 + 1, n))
            .collect();
        splits.push(one_hour_each.clone());
        for ranges in splits {
            let merged = split_report(source.clone(), &plan, &ctx, &ranges).await;
            assert_eq!(
                merged.len(),
                whole.len(),
                "{format:?} in {} segments",
                ranges.len()
            );
            assert!(
                merged == whole,
                "{format:?} in {} segments differs",
                ranges.len()
            );
        }
    }
}

#[tokio::test]
async fn the_bundle_of_a_split_with_more_segments_than_hours_with_events_is_the_same() {
    // The first hours of the window are empty: leading segments save empty aggregates.
    let (dir, window) = lake();
    let (source, plan) = planned(dir.path(), &window).await;
    let ctx = context(ExportFormat::ComplianceAll, &plan);
    let whole = single(source.clone(), &plan, &ctx).await;
    let ranges = vec![0..1, 1..2, 2..plan.hours.len()];
    let (outputs, _, _) = run_segments(source.clone(), &plan, &ctx, &ranges).await;
    assert_eq!(
        outputs[0].event_count, 0,
        "the window starts with empty hours"
    );
    assert!(split_report(source, &plan, &ctx, &ranges).await == whole);
}

#[test]
fn hours_are_split_by_bytes_never_inside_an_hour_and_within_the_cap() {
    use crate::SourceObject;
    let hour = |h: u32, sizes: &[u64]| {
        (
            Utc.with_ymd_and_hms(2026, 5, 1, h, 0, 0).unwrap(),
            sizes
                .iter()
                .enumerate()
                .map(|(i, s)| SourceObject {
                    key: format!("h{h}/{i}"),
                    size: *s,
                    etag: String::new(),
                })
                .collect::<Vec<_>>(),
        )
    };
    let plan = ExportPlan {
        tenant: TenantId::parse("acme").unwrap(),
        window: Window {
            start: Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 5, 1, 5, 0, 0).unwrap(),
            timezone: chrono_tz::UTC,
        },
        hours: vec![
            hour(0, &[40, 40]),
            hour(1, &[]),
            hour(2, &[250]),
            hour(3, &[10]),
            hour(4, &[90]),
        ],
        skipped_objects: 3,
        inventory: Default::default(),
    };
    assert_eq!(split_hours(&plan, 100, 100), vec![0..2, 2..3, 3..5]);
    assert_eq!(split_hours(&plan, 1_000, 100), vec![0..5]);
    assert_eq!(split_hours(&plan, 100, 2).len(), 2);
    assert_eq!(split_hours(&plan, 1, 1), vec![0..5]);
    let later = segment_plan(&plan, 1, 2..3);
    assert_eq!((later.hours.len(), later.skipped_objects), (1, 0));
    assert_eq!(segment_plan(&plan, 0, 0..2).skipped_objects, 3);
}
