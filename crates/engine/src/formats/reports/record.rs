//! An accepted event as the readers hand it to a report formatter: its line
//! with its fields already found. The readers parse every line anyway to
//! validate it, in parallel; without this the writer thread, which folds
//! events into the aggregate one at a time, scanned each line's JSON again.
//!
//! Layout (little-endian): `ts_ms` (8 bytes), the line (u32 length, bytes),
//! then the fields in [`Event`]'s order, then the event's sample priorities
//! (a count byte and that many u64s; none when the readers started before
//! the seeds were known). A string is a tag byte: 0 absent,
//! 6 a short slice of the line (u16 offset, u8 length: the usual case; on
//! the reference lake an event has ~16 strings, so its record is ~80 bytes,
//! ~9%, smaller than with the long form), 1 any other slice (u32
//! offset, u32 length), 2 stored whole (u32 length, bytes: text decoded from
//! escapes). A list is 0 or 3 and a u32 count of strings; an integer 0 or 4
//! and 8 bytes; an object 0 or 5 and its members.
use crate::formats::reports::aggregate::Aggregate;
use crate::formats::reports::sample::SeedState;
use crate::formatter::{EventRenderer, FormatError, Required, written_or_taken_back};
use kt_domain::ParsedEvent;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

mod decode;
mod direct;

pub use decode::{decode, time_and_line};

const ABSENT: u8 = 0;
const SLICE: u8 = 1;
const WHOLE: u8 = 2;
const LIST: u8 = 3;
const INT: u8 = 4;
const OBJECT: u8 = 5;
const SHORT_SLICE: u8 = 6;

/// An event's bottom-k priority under each framework's sample seed (in the
/// aggregate's framework order), or none.
pub type Priorities = smallvec::SmallVec<[u64; 3]>;

/// The sample seeds hashed (`sample::SeedState`), known once the formatter
/// has begun: shared by the formatter, which sets them, and its renderer.
pub type Seeds = Arc<OnceLock<Vec<SeedState>>>;

/// Hands `agg`'s sample seeds to the renderer (once: a formatter begins once).
pub fn share_seeds(seeds: &Seeds, agg: &Aggregate) -> Result<(), FormatError> {
    seeds
        .set(agg.seed_states().to_vec())
        .map_err(|_| FormatError("a report formatter began twice".into()))
}

/// Folds a record into the aggregate of a formatter (none: it has not begun).
pub fn observe(agg: Option<&mut Aggregate>, record: &[u8]) -> Result<(), FormatError> {
    let (event, priorities) = decode(record)?;
    agg.ok_or_else(|| FormatError("event before begin".into()))?
        .observe_with(&event, &priorities);
    Ok(())
}

/// Renders each event as a record (runs on the reader threads).
pub struct RecordRenderer {
    seeds: Seeds,
}

/// What a report formatter gives the engine as its renderer: the readers
/// then hand over each event's fields with its line, and its sample
/// priorities (a SHA-256 per framework that depends on the event alone, so
/// the readers compute them in parallel instead of the writer thread).
pub fn renderer(seeds: Seeds) -> Arc<dyn EventRenderer> {
    Arc::new(RecordRenderer { seeds })
}

impl EventRenderer for RecordRenderer {
    /// The line, its fields' places and the sample priorities, with the
    /// event id the chunk adds: ~1.3 times the line on the reference lake
    /// (642 bytes a line), and 1.45 leaves room for events with more fields.
    fn bytes_per_100_line_bytes(&self) -> usize {
        145
    }

    fn render(&self, event: &ParsedEvent<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
        let priorities = self.priorities(&event.fields.event_id);
        encode(event, &priorities, out)
    }

    /// The record written as the line is read (`direct`), when its fields
    /// come in the contract's order, as the producer writes them.
    fn render_line<'a>(&self, raw: &'a str, out: &mut Vec<u8>) -> Option<Required<'a>> {
        written_or_taken_back(out, |out| {
            let mut record = direct::RecordSink::new(out, raw)?;
            crate::scan::scan_into(raw, &mut record)?;
            record.finish();
            Some(record.required)
        })
    }

    fn complete_line(
        &self,
        out: &mut Vec<u8>,
        from: usize,
        ts_ms: i64,
        event_id: &str,
    ) -> Result<(), FormatError> {
        direct::complete(out, from, ts_ms, &self.priorities(event_id))
    }
}

impl RecordRenderer {
    /// The sample priorities of `event_id` (none before the seeds are known).
    fn priorities(&self, event_id: &str) -> Priorities {
        self.seeds
            .get()
            .map(|seeds| seeds.iter().map(|s| s.priority(event_id)).collect())
            .unwrap_or_default()
    }
}

/// Appends the record of `event` and its `priorities` to `out`.
pub fn encode(
    event: &ParsedEvent<'_>,
    priorities: &[u64],
    out: &mut Vec<u8>,
) -> Result<(), FormatError> {
    let mut w = head(out, event.ts_ms, event.raw)?;
    let e = &event.fields;
    for s in [&e.event_id, &e.ts, &e.tenant_id, &e.event_type] {
        w.string(s)?;
    }
    for s in [&e.request_id, &e.escalation_id, &e.config_version] {
        w.opt_string(s.as_deref())?;
    }
    w.opt_object(e.actor.as_ref(), |w, a| {
        [&a.user_id, &a.app, &a.ip]
            .into_iter()
            .try_for_each(|s| w.opt_string(s.as_deref()))
    })?;
    w.opt_object(e.model.as_ref(), |w, m| {
        [&m.provider, &m.name, &m.region]
            .into_iter()
            .try_for_each(|s| w.opt_string(s.as_deref()))
    })?;
    w.opt_string(e.decision.as_deref())?;
    w.opt_list(e.policy_ids.as_deref())?;
    w.opt_string(e.risk_level.as_deref())?;
    w.opt_list(e.data_categories.as_deref())?;
    w.opt_int(e.latency_ms);
    w.opt_object(e.tokens, |w, t| {
        w.opt_int(t.input);
        w.opt_int(t.output);
        Ok(())
    })?;
    for s in [&e.outcome, &e.reviewer, &e.incident_id] {
        w.opt_string(s.as_deref())?;
    }
    tail(w.out, priorities)
}

/// A record's head: its time and its line; then a writer of its fields,
/// which stores strings inside the line as slices of it.
fn head<'o>(out: &'o mut Vec<u8>, ts_ms: i64, raw: &str) -> Result<Writer<'o>, FormatError> {
    out.extend_from_slice(&ts_ms.to_le_bytes());
    push_len(out, raw.len())?;
    out.extend_from_slice(raw.as_bytes());
    let start = raw.as_ptr() as usize;
    Ok(Writer {
        line: start..start + raw.len(),
        out,
    })
}

/// A record's tail, after its fields: the sample priorities.
fn tail(out: &mut Vec<u8>, priorities: &[u64]) -> Result<(), FormatError> {
    let count = u8::try_from(priorities.len())
        .map_err(|_| FormatError("too many sample priorities".into()))?;
    out.push(count);
    for p in priorities {
        out.extend_from_slice(&p.to_le_bytes());
    }
    Ok(())
}

fn push_len(out: &mut Vec<u8>, len: usize) -> Result<(), FormatError> {
    let len = u32::try_from(len).map_err(|_| FormatError("an event too large to buffer".into()))?;
    out.extend_from_slice(&len.to_le_bytes());
    Ok(())
}

struct Writer<'o> {
    /// Where the line lies in memory: strings inside it are stored as slices.
    line: std::ops::Range<usize>,
    out: &'o mut Vec<u8>,
}

impl Writer<'_> {
    #[inline]
    fn string(&mut self, s: &str) -> Result<(), FormatError> {
        let start = s.as_ptr() as usize;
        if self.line.contains(&start) && start + s.len() <= self.line.end {
            let offset = start - self.line.start;
            match (u16::try_from(offset), u8::try_from(s.len())) {
                (Ok(offset), Ok(len)) => {
                    // One write of four bytes (tag, offset, length), not three.
                    let [lo, hi] = offset.to_le_bytes();
                    self.out.extend_from_slice(&[SHORT_SLICE, lo, hi, len]);
                    Ok(())
                }
                _ => {
                    self.out.push(SLICE);
                    push_len(self.out, offset)?;
                    push_len(self.out, s.len())
                }
            }
        } else {
            self.out.push(WHOLE);
            push_len(self.out, s.len())?;
            self.out.extend_from_slice(s.as_bytes());
            Ok(())
        }
    }

    fn opt_string(&mut self, s: Option<&str>) -> Result<(), FormatError> {
        match s {
            None => {
                self.out.push(ABSENT);
                Ok(())
            }
            Some(s) => self.string(s),
        }
    }

    fn opt_list(&mut self, list: Option<&[Cow<'_, str>]>) -> Result<(), FormatError> {
        let Some(list) = list else {
            self.out.push(ABSENT);
            return Ok(());
        };
        self.out.push(LIST);
        push_len(self.out, list.len())?;
        list.iter().try_for_each(|s| self.string(s))
    }

    /// An object's tag, then its members as `members` writes them.
    fn opt_object<T>(
        &mut self,
        object: Option<T>,
        members: impl FnOnce(&mut Self, T) -> Result<(), FormatError>,
    ) -> Result<(), FormatError> {
        match object {
            None => {
                self.out.push(ABSENT);
                Ok(())
            }
            Some(object) => {
                self.out.push(OBJECT);
                members(self, object)
            }
        }
    }

    fn opt_int(&mut self, n: Option<i64>) {
        match n {
            None => self.out.push(ABSENT),
            Some(n) => {
                self.out.push(INT);
                self.out.extend_from_slice(&n.to_le_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests;
