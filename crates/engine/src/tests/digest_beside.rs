//! A formatter's digest lent for an hour (`digest_beside`): fed on another
//! thread exactly the events the formatter is given, in their order, and
//! given back; a digest that panics fails the export with its message.
use super::*;
use crate::formatter::{EventRenderer, Formatter, LineDigest};
use std::sync::Arc;

/// Renders like json (the line), and lends a digest that records what it
/// is fed; on its return, checks it against what `event_rendered` got.
struct Watched {
    json: Box<dyn Formatter>,
    /// The events given to `event_rendered` since the digest was lent.
    given: Vec<Vec<u8>>,
    lent: bool,
    /// Hours lent, and events fed to the digests.
    report: Arc<Mutex<(usize, usize)>>,
    panics: bool,
}

struct Recorder {
    fed: Vec<Vec<u8>>,
    panics: bool,
}

impl LineDigest for Recorder {
    fn add_rendered(&mut self, rendered: &[u8]) -> Result<(), FormatError> {
        if self.panics {
            panic!("a digest's bug");
        }
        self.fed.push(rendered.to_vec());
        Ok(())
    }
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any> {
        self
    }
}

impl Formatter for Watched {
    fn renderer(&self) -> Option<Arc<dyn EventRenderer>> {
        self.json.renderer()
    }
    fn event_rendered(&mut self, rendered: &[u8], out: &mut Vec<u8>) -> Result<(), FormatError> {
        if self.lent {
            self.given.push(rendered.to_vec());
        }
        self.json.event_rendered(rendered, out)
    }
    fn begin(&mut self, ctx: &ExportContext, out: &mut Vec<u8>) -> Result<(), FormatError> {
        self.json.begin(ctx, out)
    }
    fn event(
        &mut self,
        event: &kt_domain::ParsedEvent<'_>,
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        self.json.event(event, out)
    }
    fn finish(
        &mut self,
        ctx: &ExportContext,
        summary: &ExportSummary,
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        assert!(!self.lent, "every lent digest came back before the end");
        self.json.finish(ctx, summary, out)
    }
    fn lend_line_digest(&mut self) -> Option<Box<dyn LineDigest>> {
        assert!(!self.lent, "lent once at a time");
        self.lent = true;
        Some(Box::new(Recorder {
            fed: Vec::new(),
            panics: self.panics,
        }))
    }
    fn take_back_line_digest(&mut self, digest: Box<dyn LineDigest>) {
        let recorder = digest.into_any().downcast::<Recorder>().unwrap();
        assert!(self.lent);
        self.lent = false;
        if self.panics {
            return;
        }
        assert_eq!(
            recorder.fed, self.given,
            "fed what the formatter got, in order"
        );
        let mut report = self.report.lock().unwrap();
        report.0 += 1;
        report.1 += recorder.fed.len();
        self.given.clear();
    }
}

fn watched(panics: bool) -> (Watched, Arc<Mutex<(usize, usize)>>) {
    let report = Arc::new(Mutex::new((0, 0)));
    let formatter = Watched {
        json: Box::new(crate::formats::json::JsonFormatter::new()),
        given: Vec::new(),
        lent: false,
        report: report.clone(),
        panics,
    };
    (formatter, report)
}

/// A day of the generated lake exported through a [`Watched`] json
/// formatter: the export's answer, its sink, and (hours lent, events fed).
async fn export_watched(
    panics: bool,
) -> (Result<ExportOutcome, ExportError>, MemSink, (usize, usize)) {
    let (formatter, report) = watched(panics);
    let day = Window {
        end: Utc.with_ymd_and_hms(2026, 5, 2, 0, 0, 0).unwrap(),
        ..window((0, 0), (0, 0))
    };
    let (result, sink, _) = export_through(
        ExportFormat::Json,
        generated_lake(true),
        day,
        EngineOptions::default(),
        &Quiet,
        |_| Box::new(formatter),
    )
    .await;
    let report = *report.lock().unwrap();
    (result, sink, report)
}

#[tokio::test]
async fn a_lent_digest_is_fed_the_events_of_its_hour_in_export_order() {
    let (result, _, (hours, fed)) = export_watched(false).await;
    let outcome = result.unwrap();
    // 24 hours of ~250 events, each over the tests' threshold.
    assert_eq!(hours, 24);
    assert_eq!(fed as u64, outcome.event_count);
}

#[tokio::test]
async fn a_digest_that_panics_fails_the_export_with_its_message() {
    let (result, sink, _) = export_watched(true).await;
    match result {
        Err(ExportError::Internal(message)) => assert_eq!(
            message,
            "formatting failed: the events digest panicked: a digest's bug"
        ),
        other => panic!("expected the digest's panic, got {other:?}"),
    }
    assert_eq!(*sink.state.lock().unwrap(), "aborted");
}
