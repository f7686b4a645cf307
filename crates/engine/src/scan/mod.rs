//! The fast path of line validation: one pass over a line that extracts the
//! contract's fields without serde's per-field dispatch or any allocation
//! (beyond the two string lists when they are wanted).
//!
//! It only ever says "yes, and here are the fields" or "not sure": any line
//! with an escape, a control character, a duplicate known key, an odd number
//! or anything else unusual goes to the serde path (`validate::check_line`),
//! which decides and words the reason. So what it accepts is a subset of what
//! serde accepts, with the same values (a test mutates lines to hold it to
//! that), and every rejection message comes from one place.
//!
//! Before the walk, a SIMD pass ([`simd`]) looks at the line 32-64 bytes at
//! a time: a backslash or a control byte anywhere sends it to serde, and the
//! quotes become bitmasks, so the end of every string is a bit scan. Events
//! are filled in place (`scan_event_into`): an `Event` is ~400 bytes, and
//! returning one through `Option`, `Result` and the caller copied it each time.
use kt_domain::{Actor, Event, Model, Tokens};
use std::borrow::Cow;

pub(crate) mod simd;

/// Which fields the caller wants back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// Every known field (csv, reports).
    All,
    /// Only the four required ones; the rest is checked, not kept (json).
    Required,
}

/// Deeper nesting than this in unknown fields goes to serde (which decides;
/// refusing here only costs speed on such rare lines).
const MAX_DEPTH: u32 = 64;

/// The event in `line`, or `None` when the serde path must decide.
#[cfg(test)]
pub(crate) fn scan_event(line: &str, want: Want) -> Option<Event<'_>> {
    let mut event = Event::required("", "", "", "");
    scan_event_into(line, want, &mut event).map(|_| event)
}

/// Reads the event in `line` into `event`, which must be fresh
/// (`Event::required("", "", "", "")`): filled in place rather than returned,
/// because an `Event` is ~400 bytes and each hop of a returned one (through
/// `Option`, `Result`, the caller's struct) is a copy. `None` when the serde
/// path must decide (then `event` holds leftovers, to be overwritten), else
/// whether the line's strings are plain (`simd::plain_strings`), which the
/// structural pass finds on the way.
pub(crate) fn scan_event_into<'a>(
    line: &'a str,
    want: Want,
    event: &mut Event<'a>,
) -> Option<bool> {
    QUOTES.with_borrow_mut(|quotes| {
        // A backslash or a byte below 0x20 anywhere (tabs included: JSON
        // allows them between tokens but not inside strings, and they are
        // rare enough to leave to serde) sends the line to serde.
        let plain_strings = simd::classify(line.as_bytes(), quotes)?;
        let mut s = Scanner {
            src: line,
            b: line.as_bytes(),
            quotes,
            i: 0,
        };
        s.event(want, event)?;
        s.ws();
        (s.i == s.b.len()).then_some(plain_strings)
    })
}

thread_local! {
    /// The quote bitmasks of the line being scanned, kept for the next line.
    static QUOTES: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

struct Scanner<'a, 'q> {
    src: &'a str,
    b: &'a [u8],
    /// Where the line's quotes are (`simd::classify`).
    quotes: &'q [u64],
    i: usize,
}

/// The four required keys' bits in `Scanner::field`'s numbering.
const REQUIRED: u32 = 0b1111;

impl<'a> Scanner<'a, '_> {
    /// Skips whitespace, which on this path can only be spaces: tabs, CR
    /// and LF are control bytes, which send the line to serde.
    fn ws(&mut self) {
        while self.b.get(self.i) == Some(&b' ') {
            self.i += 1;
        }
    }

    /// The next byte after any whitespace (compact JSON has none, so the
    /// skip is only tried when a space is actually there).
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        match self.b.get(self.i) {
            Some(b' ') => {
                self.ws();
                self.b.get(self.i).copied()
            }
            next => next.copied(),
        }
    }

    #[inline(always)]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// A string's contents (the line has no escapes, so they end at the next quote).
    #[inline(always)]
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let end = simd::next_quote(self.quotes, start)?;
        self.i = end + 1;
        debug_assert!(self.src.is_char_boundary(start) && self.src.is_char_boundary(end));
        // SAFETY: `start` follows a quote and `end` is at one (`next_quote`
        // finds quotes only within the line, at or after `start`); a quote
        // is ASCII, so in a `str` both are char boundaries.
        Some(unsafe { self.src.get_unchecked(start..end) })
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.ws();
        self.b[self.i..]
            .starts_with(word)
            .then(|| self.i += word.len())
    }

    /// `null` as `None`, a string as `Some`; anything else is not for us.
    fn opt_string(&mut self) -> Option<Option<&'a str>> {
        if self.peek()? == b'n' {
            return self.literal(b"null").map(|_| None);
        }
        self.string().map(Some)
    }

    /// A JSON number's text, checked against the grammar.
    fn number(&mut self) -> Option<&'a [u8]> {
        self.ws();
        let start = self.i;
        let digits = |s: &mut Self| {
            let from = s.i;
            while s.b.get(s.i).is_some_and(u8::is_ascii_digit) {
                s.i += 1;
            }
            s.i > from
        };
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.b.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                digits(self);
            }
            _ => return None,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            digits(self).then_some(())?;
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            digits(self).then_some(())?;
        }
        Some(&self.b[start..self.i])
    }

    /// An integer serde would give an `i64` field; `null` as `None`. Floats,
    /// exponents, `-0`, leading zeros and integers of more than 18 digits
    /// (which may not fit) are left to serde to decide.
    fn opt_int(&mut self) -> Option<Option<i64>> {
        let first = self.peek()?;
        if first == b'n' {
            return self.literal(b"null").map(|_| None);
        }
        let negative = first == b'-';
        if negative {
            self.i += 1;
        }
        let start = self.i;
        let mut value = 0i64;
        while let Some(&c) = self.b.get(self.i)
            && c.is_ascii_digit()
        {
            value = value.wrapping_mul(10).wrapping_add(i64::from(c - b'0'));
            self.i += 1;
        }
        let digits = self.i - start;
        if digits == 0 || digits > 18 || (digits > 1 && self.b[start] == b'0') {
            return None;
        }
        if matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E')) || (negative && value == 0) {
            return None;
        }
        Some(Some(if negative { -value } else { value }))
    }

    /// `[` strings `]`, kept when `keep`; `null` as `None`.
    fn opt_list(&mut self, keep: bool) -> Option<Option<Vec<Cow<'a, str>>>> {
        if self.peek()? == b'n' {
            return self.literal(b"null").map(|_| None);
        }
        self.eat(b'[')?;
        let mut items = Vec::new();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(Some(items));
        }
        loop {
            let item = self.string()?;
            if keep {
                items.push(Cow::Borrowed(item));
            }
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(Some(items));
                }
                _ => return None,
            }
        }
    }

    /// Walks `{ "key": value, ... }`, giving each key to `field`, which must
    /// consume the value. `null` instead of the object is `Some(false)`.
    fn opt_object(
        &mut self,
        mut field: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<bool> {
        if self.peek()? == b'n' {
            return self.literal(b"null").map(|_| false);
        }
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(true);
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(true);
                }
                _ => return None,
            }
        }
    }

    /// Any JSON value, checked and skipped (unknown fields).
    fn skip_value(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.opt_object(|s, _| s.skip_member(depth + 1)).map(drop),
            b'[' => {
                self.i += 1;
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.skip_member(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(drop),
        }
    }

    /// A value inside a skipped object or array: a string (nearly always)
    /// without the recursive call, anything else by [`Self::skip_value`].
    #[inline(always)]
    fn skip_member(&mut self, depth: u32) -> Option<()> {
        if self.b.get(self.i) == Some(&b'"') {
            return self.string().map(drop);
        }
        self.skip_value(depth)
    }

    /// Three optional strings, each at most once; `slot` numbers their keys.
    fn opt_triple(
        &mut self,
        slot: impl Fn(&str) -> Option<usize>,
    ) -> Option<Option<[Option<&'a str>; 3]>> {
        let mut values = [None; 3];
        let mut seen = 0u8;
        let present = self.opt_object(|s, key| match slot(key) {
            Some(n) => {
                once(&mut seen, 1 << n)?;
                values[n] = s.opt_string()?;
                Some(())
            }
            None => s.skip_value(2),
        })?;
        Some(present.then_some(values))
    }

    fn event(&mut self, want: Want, e: &mut Event<'a>) -> Option<()> {
        let mut seen = 0u32;
        let keep = want == Want::All;
        self.opt_object(|s, key| s.field(key, e, &mut seen, keep))?
            .then_some(())?;
        if seen & REQUIRED != REQUIRED {
            return None;
        }
        if !keep {
            // Checked, not kept: only the four required fields, as `EventCheck` gives.
            (e.request_id, e.escalation_id, e.config_version) = (None, None, None);
            (e.actor, e.model, e.decision, e.policy_ids) = (None, None, None, None);
            (e.risk_level, e.data_categories, e.latency_ms) = (None, None, None);
            (e.tokens, e.outcome, e.reviewer, e.incident_id) = (None, None, None, None);
        }
        Some(())
    }

    /// One top-level field: known ones into `e` (each at most once, as serde
    /// insists), unknown ones checked and skipped.
    fn field(&mut self, key: &str, e: &mut Event<'a>, seen: &mut u32, keep: bool) -> Option<()> {
        let text = |s: &mut Self| s.opt_string().map(|v| v.map(Cow::Borrowed));
        let Some(index) = top_level_key(key.as_bytes()) else {
            return self.skip_value(1);
        };
        once(seen, 1u32 << index)?;
        match index {
            0 => e.event_id = Cow::Borrowed(self.string()?),
            1 => e.ts = Cow::Borrowed(self.string()?),
            2 => e.tenant_id = Cow::Borrowed(self.string()?),
            3 => e.event_type = Cow::Borrowed(self.string()?),
            4 => e.request_id = text(self)?,
            5 => e.escalation_id = text(self)?,
            6 => e.config_version = text(self)?,
            7 => {
                e.actor = self
                    .opt_triple(|key| match key {
                        "user_id" => Some(0),
                        "app" => Some(1),
                        "ip" => Some(2),
                        _ => None,
                    })?
                    .map(|[user_id, app, ip]| Actor {
                        user_id: user_id.map(Cow::Borrowed),
                        app: app.map(Cow::Borrowed),
                        ip: ip.map(Cow::Borrowed),
                    })
            }
            8 => {
                e.model = self
                    .opt_triple(|key| match key {
                        "provider" => Some(0),
                        "name" => Some(1),
                        "region" => Some(2),
                        _ => None,
                    })?
                    .map(|[provider, name, region]| Model {
                        provider: provider.map(Cow::Borrowed),
                        name: name.map(Cow::Borrowed),
                        region: region.map(Cow::Borrowed),
                    })
            }
            9 => e.decision = text(self)?,
            10 => e.policy_ids = self.opt_list(keep)?,
            11 => e.risk_level = text(self)?,
            12 => e.data_categories = self.opt_list(keep)?,
            13 => e.latency_ms = self.opt_int()?,
            14 => e.tokens = self.opt_tokens()?,
            15 => e.outcome = text(self)?,
            16 => e.reviewer = text(self)?,
            _ => e.incident_id = text(self)?,
        }
        Some(())
    }

    fn opt_tokens(&mut self) -> Option<Option<Tokens>> {
        let mut tokens = Tokens::default();
        let mut seen = 0u8;
        let present = self.opt_object(|s, key| {
            match key {
                "input" => (once(&mut seen, 1)?, tokens.input = s.opt_int()?),
                "output" => (once(&mut seen, 2)?, tokens.output = s.opt_int()?),
                _ => return s.skip_value(2),
            };
            Some(())
        })?;
        Some(present.then_some(tokens))
    }
}

/// The `Event` field a top-level key names (`Scanner::field`'s numbering):
/// by length first, so a key costs one or two fixed-size compares.
#[inline(always)]
fn top_level_key(key: &[u8]) -> Option<u32> {
    Some(match key.len() {
        2 if key == b"ts" => 1,
        5 => match key {
            b"actor" => 7,
            b"model" => 8,
            _ => return None,
        },
        6 if key == b"tokens" => 14,
        7 if key == b"outcome" => 15,
        8 => match key {
            b"event_id" => 0,
            b"decision" => 9,
            b"reviewer" => 16,
            _ => return None,
        },
        9 if key == b"tenant_id" => 2,
        10 => match key {
            b"event_type" => 3,
            b"request_id" => 4,
            b"policy_ids" => 10,
            b"risk_level" => 11,
            b"latency_ms" => 13,
            _ => return None,
        },
        11 if key == b"incident_id" => 17,
        13 if key == b"escalation_id" => 5,
        14 if key == b"config_version" => 6,
        15 if key == b"data_categories" => 12,
        _ => return None,
    })
}

/// Marks `bit` seen; `None` if it already was (a duplicate key).
fn once<T: Copy + std::ops::BitAnd<Output = T> + std::ops::BitOrAssign + PartialEq + Default>(
    seen: &mut T,
    bit: T,
) -> Option<()> {
    if *seen & bit != T::default() {
        return None;
    }
    *seen |= bit;
    Some(())
}

#[cfg(test)]
mod tests;
