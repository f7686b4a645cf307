//! The producer's own layout, read in one straight pass: its known keys in
//! their numbering's order, no spaces, string and `null` values where the
//! contract has strings, unknown members that are strings or flat objects
//! of strings. Each known field is one compare of its constant key (with the
//! separator before it), a bit scan for a string's end and a call of the
//! sink, with no whitespace skips and no duplicate bits (keys come in order,
//! and any key out of order ends the pass). The one habit of
//! the producer out of that order (an escalation resolution's `reviewer`
//! before `risk_level` and `outcome`) is read early and handed over in its
//! turn, so the sinks still get every field in order. A known key out of
//! order otherwise, a space, a number where a string belongs, anything else
//! makes it answer `None`, and the general walk ([`Scanner::event`]) reads
//! the line again from the start (the sink told to forget first).
use super::event::top_level_key;
use super::sink::{FieldSink, Int};
use super::{Scanner, simd};

/// A text field read before its turn, handed to the sink when its turn
/// comes: the producer writes an escalation resolution's `reviewer` before
/// `risk_level` and `outcome`. Index 0 (a required field, never read
/// early) when there is none.
#[derive(Default)]
struct Early<'a> {
    index: u32,
    value: Option<&'a str>,
}

/// The optional string fields (`top_level_key` numbering), which may be
/// read early.
fn is_text(index: u32) -> bool {
    matches!(index, 4 | 5 | 6 | 9 | 11 | 15 | 16 | 17)
}

/// What follows where a known field's key was looked for.
enum Next {
    /// The key, now consumed with its colon.
    Here,
    /// A later known key or the object's end: the field is absent.
    Absent,
}

impl<'a> Scanner<'a, '_> {
    /// The line's object in the producer's layout, each field handed to
    /// `sink`; `None` (with the sink fed part of the line) for anything
    /// else. Leaves `self.i` after the closing brace.
    #[inline(always)]
    pub(super) fn producer_event(&mut self, sink: &mut impl FieldSink<'a>) -> Option<()> {
        if !self.compact(b"{\"event_id\":") {
            return None;
        }
        sink.text(0, Some(self.plain_string()?))?;
        self.required_at(1, b",\"ts\":", sink)?;
        self.required_at(2, b",\"tenant_id\":", sink)?;
        self.required_at(3, b",\"event_type\":", sink)?;
        let early = &mut Early::default();
        self.text_at(4, b",\"request_id\":", sink, early)?;
        self.text_at(5, b",\"escalation_id\":", sink, early)?;
        self.text_at(6, b",\"config_version\":", sink, early)?;
        if let Next::Here = self.key_at(7, b",\"actor\":", early)? {
            let actor = self.compact_opt_triple([b"{\"user_id\":", b",\"app\":", b",\"ip\":"])?;
            sink.triple(7, actor)?;
        }
        if let Next::Here = self.key_at(8, b",\"model\":", early)? {
            let model =
                self.compact_opt_triple([b"{\"provider\":", b",\"name\":", b",\"region\":"])?;
            sink.triple(8, model)?;
        }
        self.text_at(9, b",\"decision\":", sink, early)?;
        if let Next::Here = self.key_at(10, b",\"policy_ids\":", early)? {
            self.compact_list(10, sink)?;
        }
        self.text_at(11, b",\"risk_level\":", sink, early)?;
        if let Next::Here = self.key_at(12, b",\"data_categories\":", early)? {
            self.compact_list(12, sink)?;
        }
        if let Next::Here = self.key_at(13, b",\"latency_ms\":", early)? {
            sink.int(13, self.plain_opt_int()?)?;
        }
        if let Next::Here = self.key_at(14, b",\"tokens\":", early)? {
            let tokens = if self.compact(b"null") {
                None
            } else {
                self.compact(b"{\"input\":").then_some(())?;
                let input = self.plain_opt_int()?;
                self.compact(b",\"output\":").then_some(())?;
                let output = self.plain_opt_int()?;
                self.compact(b"}").then_some(())?;
                Some([input, output])
            };
            sink.tokens(tokens)?;
        }
        self.text_at(15, b",\"outcome\":", sink, early)?;
        self.text_at(16, b",\"reviewer\":", sink, early)?;
        self.text_at(17, b",\"incident_id\":", sink, early)?;
        self.unknown_members_to_end()
    }

    /// A required string field numbered `index` under `key`.
    #[inline(always)]
    fn required_at(&mut self, index: u32, key: &[u8], sink: &mut impl FieldSink<'a>) -> Option<()> {
        self.compact(key).then_some(())?;
        sink.text(index, Some(self.plain_string()?))
    }

    /// An optional string field numbered `index` under `key`, if present
    /// (or read early).
    #[inline(always)]
    fn text_at(
        &mut self,
        index: u32,
        key: &[u8],
        sink: &mut impl FieldSink<'a>,
        early: &mut Early<'a>,
    ) -> Option<()> {
        if early.index == index {
            early.index = 0;
            return sink.text(index, early.value);
        }
        if let Next::Here = self.key_at(index, key, early)? {
            let value = self.plain_opt_string()?;
            sink.text(index, value)?;
        }
        Some(())
    }

    /// Whether the field numbered `index` comes next (its `key` consumed),
    /// or is absent. One compare when it is next, as it nearly always is.
    #[inline(always)]
    fn key_at(&mut self, index: u32, key: &[u8], early: &mut Early<'a>) -> Option<Next> {
        if self.compact(key) {
            return Some(Next::Here);
        }
        self.key_after_others(index, early)
    }

    /// [`Self::key_at`] when other members come first: unknown ones are
    /// skipped, a later text field is read early (one pending at a time), and the
    /// field's own key is then found like any other; a later field of
    /// another kind, or the object's end, means the field is absent. `None`
    /// for a known key out of order and anything not in the producer's
    /// layout.
    fn key_after_others(&mut self, index: u32, early: &mut Early<'a>) -> Option<Next> {
        loop {
            let at = self.i;
            let Some(key_end) = self.next_key()? else {
                return Some(Next::Absent);
            };
            let found = top_level_key(&self.b[at + 2..key_end]);
            self.i = key_end + 2;
            match found {
                Some(this) if this == index => return Some(Next::Here),
                // The next field's key after an absent one is the usual
                // case: only a text field further on is read early.
                Some(later) if later > index + 1 && early.index == 0 && is_text(later) => {
                    *early = Early {
                        index: later,
                        value: self.plain_opt_string()?,
                    };
                }
                Some(later) if later > index => {
                    self.i = at;
                    return Some(Next::Absent);
                }
                Some(_) => return None,
                None => self.skip_plain_value()?,
            }
        }
    }

    /// After the last known field: unknown members, then the object's end.
    fn unknown_members_to_end(&mut self) -> Option<()> {
        while let Some(key_end) = self.next_key()? {
            if top_level_key(&self.b[self.i + 2..key_end]).is_some() {
                return None;
            }
            self.i = key_end + 2;
            self.skip_plain_value()?;
        }
        self.i += 1;
        Some(())
    }

    /// At `,"key":`, where the key's closing quote is (nothing consumed);
    /// `Some(None)` at the object's `}`; `None` for anything else.
    #[inline(always)]
    fn next_key(&self) -> Option<Option<usize>> {
        match self.b.get(self.i)? {
            b'}' => return Some(None),
            b',' => {}
            _ => return None,
        }
        if self.b.get(self.i + 1) != Some(&b'"') {
            return None;
        }
        let key_end = simd::next_quote(self.quotes, self.i + 2)?;
        (self.b.get(key_end + 1) == Some(&b':')).then_some(Some(key_end))
    }

    /// An unknown member's value: a string or an object of string members
    /// (as the lake's `client` and `gateway` are); anything else is the
    /// general walk's.
    fn skip_plain_value(&mut self) -> Option<()> {
        match self.b.get(self.i)? {
            b'"' => self.plain_string().map(drop),
            b'{' => self.skip_string_members().then_some(()),
            _ => None,
        }
    }

    /// A string at `self.i` (no spaces before it): its contents.
    #[inline(always)]
    fn plain_string(&mut self) -> Option<&'a str> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let end = simd::next_quote(self.quotes, start)?;
        self.i = end + 1;
        debug_assert!(self.src.is_char_boundary(start) && self.src.is_char_boundary(end));
        // SAFETY: `start` follows a quote and `end` is at one (`next_quote`
        // finds quotes only within the line, at or after `start`); a quote
        // is ASCII, so in a `str` both are char boundaries.
        Some(unsafe { self.src.get_unchecked(start..end) })
    }

    /// `null` or a string, at `self.i`.
    #[inline(always)]
    fn plain_opt_string(&mut self) -> Option<Option<&'a str>> {
        if self.compact(b"null") {
            return Some(None);
        }
        self.plain_string().map(Some)
    }

    /// `{"a":v,"b":v,"c":v}` with the keys of `parts` in this order, each
    /// value a string or `null`; or `null`. The general walk's
    /// `compact_triple` takes the same object (and spaces before a value),
    /// through its out-of-line `opt_string`: reusing it here cost 3% of the
    /// readers' instructions for a csv row.
    #[inline(always)]
    fn compact_opt_triple(&mut self, parts: [&[u8]; 3]) -> Option<Option<[Option<&'a str>; 3]>> {
        if self.compact(b"null") {
            return Some(None);
        }
        self.compact(parts[0]).then_some(())?;
        let first = self.plain_opt_string()?;
        self.compact(parts[1]).then_some(())?;
        let second = self.plain_opt_string()?;
        self.compact(parts[2]).then_some(())?;
        let third = self.plain_opt_string()?;
        self.compact(b"}").then_some(Some([first, second, third]))
    }

    /// `null`, `[]` or `["a","b",...]`, into `sink` as the list numbered `index`.
    #[inline(always)]
    fn compact_list(&mut self, index: u32, sink: &mut impl FieldSink<'a>) -> Option<()> {
        if self.compact(b"null") {
            return sink.list(index, false);
        }
        sink.list(index, true)?;
        if self.compact(b"[]") {
            return Some(());
        }
        self.compact(b"[").then_some(())?;
        loop {
            sink.list_item(index, self.plain_string()?)?;
            match self.b.get(self.i)? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `null`, or an integer as [`Scanner::opt_int`] takes it (no sign
    /// here: a negative number is the general walk's).
    #[inline(always)]
    fn plain_opt_int(&mut self) -> Option<Option<Int<'a>>> {
        if self.compact(b"null") {
            return Some(None);
        }
        let start = self.i;
        let mut value = 0i64;
        while let Some(&c) = self.b.get(self.i)
            && c.is_ascii_digit()
        {
            if self.i - start == 18 {
                return None; // a 19th digit may not fit: the general walk leaves it to serde
            }
            value = value * 10 + i64::from(c - b'0');
            self.i += 1;
        }
        let digits = self.i - start;
        if digits == 0 || (digits > 1 && self.b[start] == b'0') {
            return None;
        }
        if matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        // SAFETY: ASCII digits, so char boundaries at both ends.
        let text = unsafe { self.src.get_unchecked(start..self.i) };
        Some(Some(Int { value, text }))
    }
}

#[cfg(test)]
#[path = "compact_tests.rs"]
mod tests;
