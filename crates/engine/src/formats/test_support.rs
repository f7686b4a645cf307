//! Builders for formatter tests.
use super::{ExportContext, SourceInventory};
use chrono::{TimeZone, Utc};
use kt_domain::ParsedEvent;
use kt_domain::{ExportFormat, TenantId, Window};

pub(crate) fn context(format: ExportFormat) -> ExportContext {
    ExportContext {
        job_id: None,
        tenant_id: TenantId::parse("acme").unwrap(),
        format,
        window: Window {
            start: Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 5, 2, 0, 0, 0).unwrap(),
            timezone: chrono_tz::UTC,
        },
        file_name: format!("kt_2026-05-01_to_2026-05-01{}", format.file_suffix()),
        generated_at: Utc.with_ymd_and_hms(2026, 5, 3, 10, 0, 0).unwrap(),
        requested_by: "tester".into(),
        pseudonym_key: "k".into(),
        sources: SourceInventory::default(),
        signer: None,
        timestamper: None,
        report: Default::default(),
    }
}

/// A line as the engine hands it on: its fields, and its `ts` in milliseconds.
pub(crate) fn parsed(line: &str) -> ParsedEvent<'_> {
    let fields: kt_domain::Event<'_> = serde_json::from_str(line).unwrap();
    let ts_ms = chrono::DateTime::parse_from_rfc3339(&fields.ts)
        .unwrap()
        .timestamp_millis();
    ParsedEvent {
        raw: line,
        fields,
        ts_ms,
    }
}
