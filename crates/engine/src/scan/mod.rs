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
//! A straight pass over the producer's own layout comes first ([`compact`]:
//! its keys in order, no spaces, one compare a key, no whitespace skips or
//! duplicate bits);
//! any other line is read from its start again by the general walk
//! ([`event`], which also tries the producer's next key first), the sink
//! told to forget what the straight pass gave it.
use kt_domain::Event;
use sink::EventSink;
pub(crate) use sink::{FieldSink, InOrder, Int, RequiredSink};

mod compact;
mod event;
pub(crate) mod simd;
mod sink;
mod skip;

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
    match want {
        Want::All => walk(line, &mut EventSink::<true> { event }, Plain::Reported),
        Want::Required => walk(line, &mut EventSink::<false> { event }, Plain::Reported),
    }
}

/// Hands the fields of `line` to `sink` as they are read, when the line's
/// strings are plain (`simd::plain_strings`: no escapes, control bytes,
/// `,` or `;` in them); `None` when they are not, when the line is not
/// for this path (as [`scan_event_into`] says), or when `sink` refuses.
/// A renderer that writes from the line directly (a csv row) uses it, and
/// falls back to the `Event` on `None`.
pub(crate) fn scan_plain_into<'a>(line: &'a str, sink: &mut impl FieldSink<'a>) -> Option<()> {
    walk(line, sink, Plain::Required).map(drop)
}

/// [`scan_plain_into`] for any line the walk reads, plain or not.
pub(crate) fn scan_into<'a>(line: &'a str, sink: &mut impl FieldSink<'a>) -> Option<()> {
    walk(line, sink, Plain::Ignored).map(drop)
}

/// What a walk's caller needs of the line's strings being plain
/// (`simd::plain_strings`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Plain {
    /// Only plain lines (a csv row written as the line is read).
    Required,
    /// Whether they are, for the `Event`'s renderer.
    Reported,
    /// Nothing (json's check, report records): not even found out.
    Ignored,
}

/// The walk of all: `None` when the serde path must decide, or (with
/// [`Plain::Required`]) when the line's strings are not plain; else whether
/// they are (`false` when ignored).
#[inline(always)]
fn walk<'a>(line: &'a str, sink: &mut impl FieldSink<'a>, plain: Plain) -> Option<bool> {
    QUOTES.with_borrow_mut(|quotes| {
        // A backslash or a byte below 0x20 anywhere (tabs included: JSON
        // allows them between tokens but not inside strings, and they are
        // rare enough to leave to serde) sends the line to serde.
        let plain_strings = match plain {
            Plain::Ignored => simd::quotes_of(line.as_bytes(), quotes).map(|()| false)?,
            Plain::Required | Plain::Reported => simd::classify(line.as_bytes(), quotes)?,
        };
        if plain == Plain::Required && !plain_strings {
            return None;
        }
        let mut s = Scanner {
            src: line,
            b: line.as_bytes(),
            quotes,
            i: 0,
        };
        // The producer's layout first, in one straight pass; any other,
        // or anything unusual, from the start again the general way.
        if s.producer_event(sink).is_some() && s.i == s.b.len() {
            return Some(plain_strings);
        }
        sink.rewind();
        s.i = 0;
        s.event(sink)?;
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
    fn opt_int(&mut self) -> Option<Option<Int<'a>>> {
        let first = self.peek()?;
        if first == b'n' {
            return self.literal(b"null").map(|_| None);
        }
        let from = self.i;
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
        let value = if negative { -value } else { value };
        // A sign and ASCII digits: always at char boundaries.
        let text = self.src.get(from..self.i)?;
        Some(Some(Int { value, text }))
    }

    /// `[` strings `]` or `null`, into `sink` as the list numbered `index`
    /// (inlined: each caller's `index` is a constant).
    #[inline(always)]
    fn opt_list(&mut self, index: u32, sink: &mut impl FieldSink<'a>) -> Option<()> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return sink.list(index, false);
        }
        self.eat(b'[')?;
        sink.list(index, true)?;
        self.array_items(|s| sink.list_item(index, s.string()?))
    }

    /// An array's items after its `[`, each read by `item`, and its `]`.
    #[inline(always)]
    fn array_items(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            item(self)?;
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

    /// Consumes `text` when the line goes on with exactly it. Called with
    /// constants, so the compare compiles to a few loads, not a call.
    #[inline(always)]
    fn compact(&mut self, text: &[u8]) -> bool {
        let hit = self.b[self.i..].starts_with(text);
        if hit {
            self.i += text.len();
        }
        hit
    }
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
pub(crate) mod tests;
