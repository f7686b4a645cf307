//! The engine writes the same compliance bundle whether the readers hand the
//! report formatter records (`formats/reports/record.rs`) or lines it parses
//! again (a formatter without a renderer): in memory and spilling.
use crate::formatter::{ExportSummary, FormatError, Formatter};
use crate::test_support::{context, planned, run_in_memory, single_run, small_lake};
use crate::{EngineOptions, ExportContext};
use chrono::TimeZone;
use kt_domain::ParsedEvent;

/// The engine's other way in: no renderer, so the writer parses each line.
struct Unrendered(Box<dyn Formatter>);

impl Formatter for Unrendered {
    fn begin(&mut self, ctx: &ExportContext, out: &mut Vec<u8>) -> Result<(), FormatError> {
        self.0.begin(ctx, out)
    }
    fn event(&mut self, e: &ParsedEvent<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
        self.0.event(e, out)
    }
    fn finish(
        &mut self,
        ctx: &ExportContext,
        summary: &ExportSummary,
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        self.0.finish(ctx, summary, out)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundle_is_the_same_whether_the_readers_hand_over_records_or_lines() {
    let dir = small_lake(2, 12_000);
    let window = kt_domain::Window {
        start: chrono::Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap(),
        end: chrono::Utc.with_ymd_and_hms(2026, 5, 3, 0, 0, 0).unwrap(),
        timezone: chrono_tz::Europe::Madrid,
    };
    let (source, plan) = planned(dir.path(), &window).await;
    let ctx = context(kt_domain::ExportFormat::ComplianceAll, &plan);
    let (records, _) = single_run(source.clone(), &plan, &ctx).await;
    let spill = tempfile::tempdir().unwrap();
    for options in [
        EngineOptions::default(),
        // Hours spill to disk and come back through the runs' merge.
        EngineOptions {
            sort_budget_bytes: 64 << 10,
            spill_dir: spill.path().to_path_buf(),
            ..Default::default()
        },
    ] {
        let lines = Box::new(Unrendered(crate::formats::formatter_for(&ctx)));
        let (by_lines, _) = run_in_memory(source.clone(), &plan, &ctx, lines, &options).await;
        assert!(
            by_lines == records,
            "the bundles differ (budget {})",
            options.sort_budget_bytes
        );
    }
}
