//! Unknown members skipped: any JSON value checked and passed over, and
//! the lake's objects of string members by their quotes alone.
use super::{MAX_DEPTH, Scanner, simd};

impl Scanner<'_, '_> {
    /// Any JSON value, checked and skipped (unknown fields).
    pub(super) fn skip_value(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => {
                if self.skip_string_members() {
                    return Some(());
                }
                self.opt_object(|s, _| s.skip_member(depth + 1)).map(drop)
            }
            b'[' => {
                self.i += 1;
                self.array_items(|s| s.skip_member(depth + 1))
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(drop),
        }
    }

    /// Skips the object at `self.i` (its `{`) when it is compact and every
    /// value is a string (`{"k":"v","k2":"v2"}`, as the unknown objects of
    /// the lake's lines are), by its quotes alone; else consumes nothing and
    /// says so. On this path a line has no escapes or control bytes, so
    /// quote to quote is always a valid string.
    pub(super) fn skip_string_members(&mut self) -> bool {
        let mut at = self.i + 1;
        loop {
            if self.b.get(at) != Some(&b'"') {
                return false;
            }
            let Some(key_end) = simd::next_quote(self.quotes, at + 1) else {
                return false;
            };
            if self.b.get(key_end + 1..key_end + 3) != Some(b":\"") {
                return false;
            }
            let Some(value_end) = simd::next_quote(self.quotes, key_end + 3) else {
                return false;
            };
            match self.b.get(value_end + 1) {
                Some(b',') => at = value_end + 2,
                Some(b'}') => {
                    self.i = value_end + 2;
                    return true;
                }
                _ => return false,
            }
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
}
