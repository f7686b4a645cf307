//! json: one document `{"export": {...scope...}, "events": [...], "summary": {...}}`,
//! events byte-for-byte as produced (unknown fields kept). The summary comes
//! last because its counts are known only once every event is written.
use super::{EventRenderer, ExportContext, ExportSummary, FormatError, Formatter};
use crate::formatter::Required;
use crate::scan::RequiredSink;
use chrono::SecondsFormat;
use kt_domain::ParsedEvent;
use std::sync::Arc;

pub struct JsonFormatter {
    events_written: u64,
}

impl JsonFormatter {
    pub fn new() -> Self {
        Self { events_written: 0 }
    }
}

impl JsonFormatter {
    /// For a later segment of a fanned-out export (`crate::segment`): every
    /// event, the segment's first included, is preceded by `,\n`, as it would
    /// be after an earlier segment's events.
    pub fn continuing() -> Self {
        Self { events_written: 1 }
    }
}

impl Default for JsonFormatter {
    fn default() -> Self {
        Self::new()
    }
}

fn json_error(e: serde_json::Error) -> FormatError {
    FormatError(e.to_string())
}

/// Renders an event as the producer's bytes (stateless, so it runs on the
/// engine's reader threads); the separators are the formatter's.
#[derive(Debug, Default, Clone, Copy)]
pub struct RawEvent;

impl EventRenderer for RawEvent {
    fn needs_fields(&self) -> bool {
        false
    }

    fn render(&self, event: &ParsedEvent<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
        out.extend_from_slice(event.raw.as_bytes());
        Ok(())
    }

    /// The line, once the walk has checked it and noted its required
    /// fields: no `Event` is filled to copy the line.
    fn render_line<'a>(&self, raw: &'a str, out: &mut Vec<u8>) -> Option<Required<'a>> {
        let mut required = RequiredSink(Required::NONE);
        crate::scan::scan_into(raw, &mut required)?;
        out.extend_from_slice(raw.as_bytes());
        Some(required.0)
    }
}

impl JsonFormatter {
    fn separator(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(if self.events_written == 0 {
            b"\n"
        } else {
            b",\n"
        });
        self.events_written += 1;
    }
}

impl Formatter for JsonFormatter {
    fn renderer(&self) -> Option<Arc<dyn EventRenderer>> {
        Some(Arc::new(RawEvent))
    }

    fn event_rendered(&mut self, rendered: &[u8], out: &mut Vec<u8>) -> Result<(), FormatError> {
        self.separator(out);
        out.extend_from_slice(rendered);
        Ok(())
    }

    fn begin(&mut self, ctx: &ExportContext, out: &mut Vec<u8>) -> Result<(), FormatError> {
        let time = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let export = serde_json::json!({
            "job_id": ctx.job_id.as_ref().map(|j| j.as_str()),
            "tenant_id": ctx.tenant_id.as_str(),
            "format": ctx.format.as_str(),
            "window_start": time(ctx.window.start),
            "window_end": time(ctx.window.end),
            "timezone": ctx.window.timezone.name(),
            "file_name": ctx.file_name,
            "generated_at": time(ctx.generated_at),
            "requested_by": ctx.requested_by,
            "sources": {
                "objects": ctx.sources.objects,
                "bytes": ctx.sources.bytes,
                "listing_digest": ctx.sources.listing_digest,
            },
            "generator": {"name": "kt-exports", "version": kt_domain::VERSION},
        });
        out.extend_from_slice(b"{\"export\":");
        serde_json::to_writer(&mut *out, &export).map_err(json_error)?;
        out.extend_from_slice(b",\n\"events\":[");
        Ok(())
    }

    fn event(&mut self, event: &ParsedEvent<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
        self.separator(out);
        out.extend_from_slice(event.raw.as_bytes());
        Ok(())
    }

    fn finish(
        &mut self,
        _ctx: &ExportContext,
        summary: &ExportSummary,
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        let totals = serde_json::json!({
            "event_count": summary.event_count,
            "rejected_lines": summary.stats.rejected_lines,
            "duplicates_removed": summary.stats.duplicates_removed,
        });
        out.extend_from_slice(b"\n],\n\"summary\":");
        serde_json::to_writer(&mut *out, &totals).map_err(json_error)?;
        out.extend_from_slice(b"}\n");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::test_support::{context, parsed};
    use kt_domain::{ExportFormat, JobStats};

    /// The document as the engine writes it: each event rendered on its
    /// own (`rendered`: as the reader threads do), or through `event`.
    fn document_by(lines: &[&str], rendered: bool) -> Vec<u8> {
        let ctx = context(ExportFormat::Json);
        let mut f = JsonFormatter::new();
        let renderer = f.renderer().expect("json renders on the readers");
        assert!(!renderer.needs_fields());
        let mut out = Vec::new();
        f.begin(&ctx, &mut out).unwrap();
        for line in lines {
            if rendered {
                let mut body = Vec::new();
                renderer.render(&parsed(line), &mut body).unwrap();
                f.event_rendered(&body, &mut out).unwrap();
            } else {
                f.event(&parsed(line), &mut out).unwrap();
            }
        }
        let stats = JobStats {
            rejected_lines: 2,
            duplicates_removed: 1,
            ..Default::default()
        };
        let summary = ExportSummary {
            event_count: lines.len() as u64,
            stats,
        };
        f.finish(&ctx, &summary, &mut out).unwrap();
        out
    }

    fn document(lines: &[&str]) -> Vec<u8> {
        document_by(lines, true)
    }

    #[test]
    fn rendered_events_and_parsed_events_give_the_same_document() {
        let lines = [
            r#"{"event_id":"e1","ts":"2026-05-01T08:00:00.000Z","tenant_id":"acme","event_type":"x"}"#,
            r#"{"event_id":"e2","ts":"2026-05-01T08:00:01.000Z","tenant_id":"acme","event_type":"y"}"#,
        ];
        assert_eq!(document_by(&lines, true), document_by(&lines, false));
    }

    #[test]
    fn events_are_the_producers_bytes_and_the_document_is_valid_json() {
        let lines = [
            r#"{"event_id":"e1","ts":"2026-05-01T08:00:00.000Z","tenant_id":"acme","event_type":"x","unknown":{"n":1.50,"s":"\u00e9"}}"#,
            r#"{ "event_id" : "e2", "ts":"2026-05-01T08:00:01.000Z","tenant_id":"acme","event_type":"y"}"#,
        ];
        let out = document(&lines);
        let text = String::from_utf8(out.clone()).unwrap();
        for line in lines {
            assert!(text.contains(line), "{line} not verbatim in {text}");
        }
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["export"]["tenant_id"], "acme");
        assert_eq!(doc["export"]["format"], "json");
        assert_eq!(doc["export"]["window_start"], "2026-05-01T00:00:00Z");
        assert_eq!(doc["export"]["timezone"], "UTC");
        assert_eq!(doc["export"]["generator"]["name"], "kt-exports");
        assert_eq!(doc["events"].as_array().unwrap().len(), 2);
        assert_eq!(doc["events"][0]["unknown"]["s"], "é");
        assert_eq!(doc["summary"]["event_count"], 2);
        assert_eq!(doc["summary"]["rejected_lines"], 2);
        assert_eq!(doc["summary"]["duplicates_removed"], 1);
    }

    #[test]
    fn an_export_without_events_is_still_a_valid_document() {
        let doc: serde_json::Value = serde_json::from_slice(&document(&[])).unwrap();
        assert_eq!(doc["events"], serde_json::json!([]));
        assert!(doc["export"]["job_id"].is_null());
    }
}
