//! Building a report from NDJSON lines without the engine.
use chrono::{DateTime, TimeZone, Utc};
use kt_domain::{Event, ParsedEvent};
use kt_domain::{ExportFormat, JobId, JobStats, RejectedSample, TenantId, Window};
use kt_engine::formats::reports::report_formatter;
use kt_engine::formats::{ExportContext, ExportSummary, Formatter, SourceInventory};
use serde_json::Value;
use std::path::PathBuf;

pub const FIXTURE: &str = include_str!("fixtures/events.ndjson");

pub fn fixture_lines() -> Vec<String> {
    FIXTURE.lines().map(str::to_string).collect()
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn window() -> Window {
    Window {
        start: Utc.with_ymd_and_hms(2026, 4, 30, 22, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 5, 31, 22, 0, 0).unwrap(),
        timezone: chrono_tz::Europe::Madrid,
    }
}

pub fn ctx(format: ExportFormat) -> ExportContext {
    ExportContext {
        job_id: Some(JobId::parse("job_01jta00000000000000000000a").unwrap()),
        tenant_id: TenantId::parse("acme").unwrap(),
        format,
        window: window(),
        file_name: format!("kt_2026-05-01_to_2026-05-31{}", format.file_suffix()),
        generated_at: Utc.with_ymd_and_hms(2026, 6, 1, 6, 0, 0).unwrap(),
        requested_by: "u_lead_1".into(),
        pseudonym_key: "test-pseudonym-key".into(),
        sources: SourceInventory {
            objects: 3,
            bytes: 4096,
            listing_digest:
                "sha256:0000000000000000000000000000000000000000000000000000000000000000".into(),
            listed_at: Some(Utc.with_ymd_and_hms(2026, 6, 1, 5, 59, 0).unwrap()),
        },
        signer: None,
        timestamper: None,
        report: Default::default(),
    }
}

pub fn summary(event_count: u64) -> ExportSummary {
    ExportSummary {
        event_count,
        stats: JobStats {
            objects_read: 3,
            objects_skipped: 0,
            bytes_read: 4096,
            lines_read: event_count + 5,
            rejected_lines: 3,
            duplicates_removed: 2,
            rejected_samples: vec![
                RejectedSample {
                    object: "o1".into(),
                    line: 7,
                    reason: "not JSON".into(),
                },
                RejectedSample {
                    object: "o1".into(),
                    line: 9,
                    reason: "ts outside partition".into(),
                },
                RejectedSample {
                    object: "o2".into(),
                    line: 1,
                    reason: "ts outside partition".into(),
                },
            ],
        },
    }
}

/// Runs the formatter of `ctx.format` over `lines` (already in export order).
pub fn render(ctx: &ExportContext, lines: &[String]) -> Vec<u8> {
    render_with(report_formatter(ctx).as_mut(), ctx, lines)
}

/// Runs `f` over `lines` as the engine would.
pub fn render_with(f: &mut dyn Formatter, ctx: &ExportContext, lines: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    f.begin(ctx, &mut out).unwrap();
    for line in lines {
        let fields: Event<'_> = serde_json::from_str(line).unwrap();
        let ts_ms = DateTime::parse_from_rfc3339(&fields.ts)
            .unwrap()
            .timestamp_millis();
        f.event(
            &ParsedEvent {
                raw: line,
                fields,
                ts_ms,
            },
            &mut out,
        )
        .unwrap();
        assert!(out.is_empty(), "reports write nothing per event");
    }
    f.finish(ctx, &summary(lines.len() as u64), &mut out)
        .unwrap();
    out
}

pub fn render_json(format: ExportFormat, lines: &[String]) -> Value {
    serde_json::from_slice(&render(&ctx(format), lines)).unwrap()
}

pub fn render_json_ctx(ctx: &ExportContext, lines: &[String]) -> Value {
    serde_json::from_slice(&render(ctx, lines)).unwrap()
}

/// `ctx` with the tenant's compliance profile `body` at `version`.
pub fn with_profile(mut ctx: ExportContext, version: u64, body: &str) -> ExportContext {
    ctx.report.profile = Some(kt_domain::VersionedProfile {
        version,
        updated_at: Utc.with_ymd_and_hms(2026, 5, 20, 9, 0, 0).unwrap(),
        profile: kt_domain::profile::parse_profile(body.as_bytes()).unwrap(),
    });
    ctx
}

/// The errors of `doc` against `schemas/<name>`, found by the jsonschema crate.
pub fn schema_errors(name: &str, doc: &Value) -> Vec<String> {
    let path = repo_root().join("schemas").join(name);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let validator = jsonschema::draft202012::new(&schema)
        .unwrap_or_else(|e| panic!("{name} is not a valid schema: {e}"));
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

pub fn assert_schema_valid(name: &str, doc: &Value) {
    let errors = schema_errors(name, doc);
    assert!(errors.is_empty(), "{name}: {errors:#?}");
}

/// Runs `cmd args` in `dir` (system tools: tar, sha256sum, openssl, sh) and
/// returns its stdout; a failure fails the test with both outputs.
pub fn run(dir: &std::path::Path, cmd: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The reports a compliance-all bundle holds and its manifest lists, in the
/// manifest's order: each framework's JSON, then each one's HTML renderings.
pub const REPORT_FILES: [&str; 9] = [
    "compliance-aesia.json",
    "compliance-aepd.json",
    "compliance-ens.json",
    "compliance-aesia.es.html",
    "compliance-aesia.en.html",
    "compliance-aepd.es.html",
    "compliance-aepd.en.html",
    "compliance-ens.es.html",
    "compliance-ens.en.html",
];

/// Every file of an unsigned compliance-all bundle, in the archive's order.
pub fn bundle_files() -> Vec<&'static str> {
    std::iter::once("manifest.json")
        .chain(REPORT_FILES)
        .chain(["SHA256SUMS"])
        .collect()
}
