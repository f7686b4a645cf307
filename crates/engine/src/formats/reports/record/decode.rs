//! Reading a record back (the layout is [`super`]'s): every step an
//! `Option`, the error made once at the end.
use super::{ABSENT, INT, LIST, OBJECT, Priorities, SHORT_SLICE, SLICE, WHOLE};
use crate::formatter::FormatError;
use kt_domain::{Actor, Event, Model, ParsedEvent, Tokens};
use std::borrow::Cow;

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
