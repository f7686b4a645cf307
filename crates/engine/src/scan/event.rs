//! The event contract's fields on top of the scanner's JSON grammar: which
//! keys are known, where each value goes in an `Event`, and the producer's
//! own layout (key order, no spaces) tried first with one compare a key,
//! before the general walk that reads any order.
use super::sink::FieldSink;
use super::sink::Int;
use super::{REQUIRED, Scanner, once};

impl<'a> Scanner<'a, '_> {
    /// Three optional strings, each at most once, keyed by the names in
    /// `parts` (see [`Self::compact_triple`], tried first).
    #[inline(always)]
    fn opt_triple(&mut self, parts: [&[u8]; 4]) -> Option<Option<[Option<&'a str>; 3]>> {
        let start = self.i;
        if let Some(values) = self.compact_triple(parts) {
            return Some(Some(values));
        }
        self.i = start;
        // A name lies between its part's two-byte head (`{"`, `,"`) and `":`.
        let slot = |key: &str| {
            parts[..3]
                .iter()
                .position(|part| &part[2..part.len() - 2] == key.as_bytes())
        };
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

    /// `{"a":v,"b":v,"c":v}` with the keys of `parts` (`{"a":`, `,"b":`,
    /// `,"c":`, `}`) in this order and no spaces between them, as the
    /// producer writes `actor` and `model`; each value a string or null.
    /// `None` for anything else, which the caller reads again the general
    /// way (so what this accepts, that accepts, with the same values).
    #[inline(always)]
    fn compact_triple(&mut self, parts: [&[u8]; 4]) -> Option<[Option<&'a str>; 3]> {
        self.compact(parts[0]).then_some(())?;
        let first = self.opt_string()?;
        self.compact(parts[1]).then_some(())?;
        let second = self.opt_string()?;
        self.compact(parts[2]).then_some(())?;
        let third = self.opt_string()?;
        self.compact(parts[3]).then_some([first, second, third])
    }

    /// The line's object, each known field handed to `sink` as it is read.
    pub(super) fn event(&mut self, sink: &mut impl FieldSink<'a>) -> Option<()> {
        let mut seen = 0u32;
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            return None; // no required field
        }
        // The key the producer writes next, tried with one compare before
        // the general key read (any order is read, this one is cheaper).
        let mut expected = 0;
        loop {
            let index = match self.expected_key(expected) {
                Some(index) => Some(index),
                None => {
                    let key = self.string()?;
                    self.eat(b':')?;
                    top_level_key(key.as_bytes())
                }
            };
            match index {
                Some(index) => {
                    once(&mut seen, 1u32 << index)?;
                    self.field(index, sink)?;
                    expected = PRODUCER_NEXT[index as usize];
                }
                None => self.skip_value(1)?,
            }
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    break;
                }
                _ => return None,
            }
        }
        (seen & REQUIRED == REQUIRED).then_some(())
    }

    /// Consumes `"key":` when the next bytes are exactly that for the known
    /// key numbered `expected` (compact, as the producer writes it) and
    /// gives its number; else consumes nothing. Each arm hands
    /// [`Self::compact`] a constant, so it compiles to a few loads, not a call.
    #[inline(always)]
    fn expected_key(&mut self, expected: u32) -> Option<u32> {
        let hit = match expected {
            0 => self.compact(b"\"event_id\":"),
            1 => self.compact(b"\"ts\":"),
            2 => self.compact(b"\"tenant_id\":"),
            3 => self.compact(b"\"event_type\":"),
            4 => self.compact(b"\"request_id\":"),
            5 => self.compact(b"\"escalation_id\":"),
            6 => self.compact(b"\"config_version\":"),
            7 => self.compact(b"\"actor\":"),
            8 => self.compact(b"\"model\":"),
            9 => self.compact(b"\"decision\":"),
            10 => self.compact(b"\"policy_ids\":"),
            11 => self.compact(b"\"risk_level\":"),
            12 => self.compact(b"\"data_categories\":"),
            13 => self.compact(b"\"latency_ms\":"),
            14 => self.compact(b"\"tokens\":"),
            15 => self.compact(b"\"outcome\":"),
            16 => self.compact(b"\"reviewer\":"),
            _ => self.compact(b"\"incident_id\":"),
        };
        hit.then_some(expected)
    }

    /// One known top-level field's value (numbered as [`top_level_key`]
    /// numbers keys) into `sink`; the key and its colon are already read.
    /// Each arm passes its number as a constant, so the sink's own choice
    /// by number folds away when it is inlined.
    #[inline(always)]
    fn field(&mut self, index: u32, sink: &mut impl FieldSink<'a>) -> Option<()> {
        match index {
            0 => sink.text(0, Some(self.string()?)),
            1 => sink.text(1, Some(self.string()?)),
            2 => sink.text(2, Some(self.string()?)),
            3 => sink.text(3, Some(self.string()?)),
            4 => sink.text(4, self.opt_string()?),
            5 => sink.text(5, self.opt_string()?),
            6 => sink.text(6, self.opt_string()?),
            7 => sink.triple(
                7,
                self.opt_triple([b"{\"user_id\":", b",\"app\":", b",\"ip\":", b"}"])?,
            ),
            8 => sink.triple(
                8,
                self.opt_triple([b"{\"provider\":", b",\"name\":", b",\"region\":", b"}"])?,
            ),
            9 => sink.text(9, self.opt_string()?),
            10 => self.opt_list(10, sink),
            11 => sink.text(11, self.opt_string()?),
            12 => self.opt_list(12, sink),
            13 => sink.int(13, self.opt_int()?),
            14 => sink.tokens(self.opt_tokens()?),
            15 => sink.text(15, self.opt_string()?),
            16 => sink.text(16, self.opt_string()?),
            _ => sink.text(17, self.opt_string()?),
        }
    }

    /// `tokens`: its `input` and `output`, or `None` for `null`.
    fn opt_tokens(&mut self) -> Option<Option<[Option<Int<'a>>; 2]>> {
        // As the producer writes it first; any other way by the general walk.
        let start = self.i;
        if self.compact(b"{\"input\":") {
            let input = self.opt_int()?;
            if self.compact(b",\"output\":") {
                let output = self.opt_int()?;
                if self.compact(b"}") {
                    return Some(Some([input, output]));
                }
            }
        }
        self.i = start;
        let mut tokens = [None; 2];
        let mut seen = 0u8;
        let present = self.opt_object(|s, key| {
            match key {
                "input" => (once(&mut seen, 1)?, tokens[0] = s.opt_int()?),
                "output" => (once(&mut seen, 2)?, tokens[1] = s.opt_int()?),
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
pub(super) fn top_level_key(key: &[u8]) -> Option<u32> {
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

/// The known key the producer writes after the one numbered `index`
/// ([`top_level_key`]'s numbering; `event_id, ts, tenant_id, event_type,
/// request_id, config_version, actor, model, decision, policy_ids,
/// risk_level, data_categories, latency_ms, tokens, outcome`, as the event
/// lake contract lists them). Only a guess that saves the key's read when it
/// is right: `Scanner::event` reads keys in any order.
const PRODUCER_NEXT: [u32; 18] = [1, 2, 3, 4, 6, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 4];
