//! The producer's own layout, read in one straight pass: its known keys in
//! their numbering's order, no spaces, string and `null` values where the
//! contract has strings, unknown members that are strings or flat objects
//! of strings. Each known field is one compare of its constant key (with the
//! separator before it), a bit scan for a string's end and a call of the
//! sink, with no whitespace, duplicate or order checks: a key that comes
//! out of order, a space, a number where a string belongs, anything else
//! makes it answer `None`, and the general walk ([`Scanner::event`])
//! reads the line again from the start (the sink told to forget first).
use super::event::top_level_key;
use super::sink::{FieldSink, Int};
use super::{Scanner, simd};

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
        self.text_at(4, b",\"request_id\":", sink)?;
        self.text_at(5, b",\"escalation_id\":", sink)?;
        self.text_at(6, b",\"config_version\":", sink)?;
        if let Next::Here = self.key_at(7, b",\"actor\":")? {
            let actor = self.compact_opt_triple([b"{\"user_id\":", b",\"app\":", b",\"ip\":"])?;
            sink.triple(7, actor)?;
        }
        if let Next::Here = self.key_at(8, b",\"model\":")? {
            let model =
                self.compact_opt_triple([b"{\"provider\":", b",\"name\":", b",\"region\":"])?;
            sink.triple(8, model)?;
        }
        self.text_at(9, b",\"decision\":", sink)?;
        if let Next::Here = self.key_at(10, b",\"policy_ids\":")? {
            self.compact_list(10, sink)?;
        }
        self.text_at(11, b",\"risk_level\":", sink)?;
        if let Next::Here = self.key_at(12, b",\"data_categories\":")? {
            self.compact_list(12, sink)?;
        }
        if let Next::Here = self.key_at(13, b",\"latency_ms\":")? {
            sink.int(13, self.plain_opt_int()?)?;
        }
        if let Next::Here = self.key_at(14, b",\"tokens\":")? {
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
        self.text_at(15, b",\"outcome\":", sink)?;
        self.text_at(16, b",\"reviewer\":", sink)?;
        self.text_at(17, b",\"incident_id\":", sink)?;
        // Only unknown members may follow, then the object's end.
        self.key_at(18, b"").map(drop)
    }

    /// A required string field numbered `index` under `key`.
    #[inline(always)]
    fn required_at(&mut self, index: u32, key: &[u8], sink: &mut impl FieldSink<'a>) -> Option<()> {
        self.compact(key).then_some(())?;
        sink.text(index, Some(self.plain_string()?))
    }

    /// An optional string field numbered `index` under `key`, if present.
    #[inline(always)]
    fn text_at(&mut self, index: u32, key: &[u8], sink: &mut impl FieldSink<'a>) -> Option<()> {
        if let Next::Here = self.key_at(index, key)? {
            let value = if self.compact(b"null") {
                None
            } else {
                Some(self.plain_string()?)
            };
            sink.text(index, value)?;
        }
        Some(())
    }

    /// Whether the field numbered `index` comes next (its `key` consumed),
    /// after any unknown members, or is absent. `None` for a known key
    /// out of order and for anything not in the producer's layout. With
    /// `index` 18 (past every field) it skips the unknown members to the
    /// object's end and answers `Absent` there.
    #[inline(always)]
    fn key_at(&mut self, index: u32, key: &[u8]) -> Option<Next> {
        if !key.is_empty() && self.compact(key) {
            return Some(Next::Here);
        }
        loop {
            match self.b.get(self.i)? {
                b'}' if index == 18 => {
                    self.i += 1;
                    return Some(Next::Absent);
                }
                b'}' => return Some(Next::Absent),
                b',' => {}
                _ => return None,
            }
            if self.b.get(self.i + 1) != Some(&b'"') {
                return None;
            }
            let key_end = simd::next_quote(self.quotes, self.i + 2)?;
            if self.b.get(key_end + 1) != Some(&b':') {
                return None;
            }
            match top_level_key(&self.b[self.i + 2..key_end]) {
                Some(later) if later > index => return Some(Next::Absent),
                Some(_) => return None,
                None => {
                    self.i = key_end + 2;
                    self.skip_plain_value()?;
                }
            }
        }
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
    /// value a string or `null`; or `null`.
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
            value = value * 10 + i64::from(c - b'0');
            self.i += 1;
            if self.i - start > 18 {
                return None;
            }
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
