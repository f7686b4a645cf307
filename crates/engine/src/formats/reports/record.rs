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
use kt_domain::{Actor, Event, Model, ParsedEvent, Tokens};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

mod direct;

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

/// A record's time (ms) and line, read from its head alone (what the
/// events digest hashes); `None` for a damaged record.
pub fn time_and_line(record: &[u8]) -> Option<(i64, &[u8])> {
    Reader::at_head(record).head()
}

/// The event a record holds, its strings borrowed from the record.
pub fn decode(record: &[u8]) -> Result<(ParsedEvent<'_>, Priorities), FormatError> {
    decode_record(record).ok_or_else(corrupt)
}

/// [`decode`], `None` for a damaged record: every step is an `Option`, and
/// the error is made once (a `Result` carried through each field cost more
/// than reading the field).
fn decode_record(record: &[u8]) -> Option<(ParsedEvent<'_>, Priorities)> {
    let mut r = Reader::at_head(record);
    let (ts_ms, line) = r.head()?;
    r.line = simdutf8::basic::from_utf8(line).ok()?;
    let mut e = Event::required(r.string()?, r.string()?, r.string()?, r.string()?);
    e.request_id = r.opt_string()?;
    e.escalation_id = r.opt_string()?;
    e.config_version = r.opt_string()?;
    e.actor = r.opt_object(|r| {
        Some(Actor {
            user_id: r.opt_string()?,
            app: r.opt_string()?,
            ip: r.opt_string()?,
        })
    })?;
    e.model = r.opt_object(|r| {
        Some(Model {
            provider: r.opt_string()?,
            name: r.opt_string()?,
            region: r.opt_string()?,
        })
    })?;
    e.decision = r.opt_string()?;
    e.policy_ids = r.opt_list()?;
    e.risk_level = r.opt_string()?;
    e.data_categories = r.opt_list()?;
    e.latency_ms = r.opt_int()?;
    e.tokens = r.opt_object(|r| {
        Some(Tokens {
            input: r.opt_int()?,
            output: r.opt_int()?,
        })
    })?;
    e.outcome = r.opt_string()?;
    e.reviewer = r.opt_string()?;
    e.incident_id = r.opt_string()?;
    let count = r.byte()?;
    let priorities = (0..count)
        .map(|_| r.i64().map(|p| p as u64))
        .collect::<Option<Priorities>>()?;
    if r.pos != record.len() {
        return None;
    }
    let event = ParsedEvent {
        raw: r.line,
        fields: e,
        ts_ms,
    };
    Some((event, priorities))
}

fn corrupt() -> FormatError {
    FormatError("a buffered event record is damaged".into())
}

struct Reader<'r> {
    record: &'r [u8],
    pos: usize,
    line: &'r str,
}

impl<'r> Reader<'r> {
    /// A reader at the start of `record`.
    fn at_head(record: &'r [u8]) -> Self {
        Reader {
            record,
            pos: 0,
            line: "",
        }
    }

    /// The record's head: its time (ms) and its line.
    #[inline(always)]
    fn head(&mut self) -> Option<(i64, &'r [u8])> {
        let ts_ms = self.i64()?;
        let len = self.u32()?;
        Some((ts_ms, self.take(len)?))
    }

    #[inline(always)]
    fn take(&mut self, n: usize) -> Option<&'r [u8]> {
        let bytes = self.record.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(bytes)
    }

    #[inline(always)]
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    #[inline(always)]
    fn byte(&mut self) -> Option<u8> {
        let b = *self.record.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn u32(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.array()?) as usize)
    }

    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.array()?))
    }

    /// The line's bytes a slice tag points at (either form).
    #[inline(always)]
    fn in_line(&self, start: usize, len: usize) -> Option<Cow<'r, str>> {
        self.line
            .get(start..start.checked_add(len)?)
            .map(Cow::Borrowed)
    }

    /// A string after its tag: the short slice of the line inline (nearly
    /// every string), the other forms by [`Self::long_string`].
    #[inline(always)]
    fn tagged_string(&mut self, tag: u8) -> Option<Cow<'r, str>> {
        if tag == SHORT_SLICE {
            let [lo, hi, len] = self.array()?;
            return self.in_line(u16::from_le_bytes([lo, hi]) as usize, len as usize);
        }
        self.long_string(tag)
    }

    #[inline(never)]
    fn long_string(&mut self, tag: u8) -> Option<Cow<'r, str>> {
        match tag {
            SLICE => {
                let (start, len) = (self.u32()?, self.u32()?);
                self.in_line(start, len)
            }
            WHOLE => {
                let len = self.u32()?;
                let bytes = self.take(len)?;
                simdutf8::basic::from_utf8(bytes).ok().map(Cow::Borrowed)
            }
            _ => None,
        }
    }

    #[inline(always)]
    fn string(&mut self) -> Option<Cow<'r, str>> {
        let tag = self.byte()?;
        self.tagged_string(tag)
    }

    /// `Some(None)` when absent; `None` when damaged.
    #[inline(always)]
    fn opt_string(&mut self) -> Option<Option<Cow<'r, str>>> {
        match self.byte()? {
            ABSENT => Some(None),
            tag => self.tagged_string(tag).map(Some),
        }
    }

    fn opt_list(&mut self) -> Option<Option<Vec<Cow<'r, str>>>> {
        match self.byte()? {
            ABSENT => Some(None),
            LIST => {
                let n = self.u32()?;
                // Each string takes at least 4 bytes: a damaged count cannot over-allocate.
                let mut list = Vec::with_capacity(n.min(self.record.len() / 4));
                for _ in 0..n {
                    list.push(self.string()?);
                }
                Some(Some(list))
            }
            _ => None,
        }
    }

    fn opt_int(&mut self) -> Option<Option<i64>> {
        match self.byte()? {
            ABSENT => Some(None),
            INT => self.i64().map(Some),
            _ => None,
        }
    }

    /// An object, its members read by `members`, or `Some(None)` when absent.
    #[inline(always)]
    fn opt_object<T>(&mut self, members: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.byte()? {
            ABSENT => Some(None),
            OBJECT => members(self).map(Some),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
