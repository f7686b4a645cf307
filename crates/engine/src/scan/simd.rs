//! The scanner's structural pass: one look at each byte of a line, 32 or 64
//! at a time, that says whether the line has a backslash or a control byte
//! (then serde decides) and where its quotes are, as bitmasks (bit `i` of
//! word `w` is byte `64 * w + i`). With no escapes, a string ends at the
//! next quote, so finding it is a bit scan instead of a byte loop.
//!
//! x86-64 uses AVX2 when the CPU has it (detected once) and SSE2 otherwise
//! (always present); other targets use the scalar twin, which the tests hold
//! the vector versions to.

/// One 64-byte block: its quotes, its `,` and `;` (csv's separators, see
/// [`plain_strings`]), and whether any byte is a backslash or below 0x20.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Block {
    pub quotes: u64,
    /// Bit `i`: an odd number of quotes at or before byte `i` of the block
    /// (the prefix XOR of `quotes`): inside a string if the block began
    /// outside one, its opening quote included and its closing quote not.
    pub quote_parity: u64,
    pub seps: u64,
    pub special: bool,
}

/// Fills `quotes` with the quote bitmasks of `b` (one word per 64 bytes, the
/// bits past the end zero). `None` if `b` has a backslash or a control byte
/// (then the masks are incomplete: the line is not for us); else whether
/// its strings are plain ([`plain_strings`], found in the same pass).
pub(crate) fn classify(b: &[u8], quotes: &mut Vec<u64>) -> Option<bool> {
    let mut seps = SepsInStrings::default();
    fill_quotes(b, quotes, |block| seps.add(block)).then_some(!seps.found)
}

/// [`classify`] for a walk that does not use the plain-strings answer: the
/// separators and the quote parity go unused, so the compiler drops them
/// from the loop.
pub(crate) fn quotes_of(b: &[u8], quotes: &mut Vec<u64>) -> Option<()> {
    fill_quotes(b, quotes, |_| {}).then_some(())
}

/// The loop of both: each block's quotes into `quotes` and to `also`, until
/// a block holds a backslash or a control byte (then false).
#[inline(always)]
fn fill_quotes(b: &[u8], quotes: &mut Vec<u64>, mut also: impl FnMut(&Block)) -> bool {
    quotes.clear();
    quotes.reserve(b.len() / 64 + 1);
    each_block(b, |block| {
        quotes.push(block.quotes);
        also(&block);
        !block.special
    })
}

/// Whether `line` has no backslash or control byte and none of its strings
/// holds a `,` or `;`. Then a csv cell whose text is one of its strings
/// (as the scanner or serde read them: without escapes the two are the same
/// bytes) needs no quotes.
pub(crate) fn plain_strings(line: &[u8]) -> bool {
    let mut seps = SepsInStrings::default();
    each_block(line, |block| {
        seps.add(&block);
        !block.special && !seps.found
    })
}

/// Whether a `,` or `;` lies inside a string, block by block.
#[derive(Default)]
struct SepsInStrings {
    /// All ones while the previous block ended inside a string.
    carry: u64,
    found: bool,
}

impl SepsInStrings {
    #[inline(always)]
    fn add(&mut self, block: &Block) {
        let inside = block.quote_parity ^ self.carry;
        self.carry = 0u64.wrapping_sub(inside >> 63);
        self.found |= block.seps & inside != 0;
    }
}

/// Runs `each` over the 64-byte blocks of `b` (the last padded with spaces,
/// which are nothing) until it returns false; false if it did. The loop is
/// compiled once per instruction set, so the block is inlined into it.
#[inline(always)]
fn each_block(b: &[u8], each: impl FnMut(Block) -> bool) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if x86::has_avx2() {
            // SAFETY: the CPU has AVX2 and PCLMULQDQ (just checked).
            return unsafe { x86::blocks_avx2(b, each) };
        }
        blocks(b, x86::sse2, each)
    }
    #[cfg(not(target_arch = "x86_64"))]
    blocks(b, scalar, each)
}

#[inline(always)]
fn blocks(
    b: &[u8],
    block: impl Fn(&[u8; 64]) -> Block,
    mut each: impl FnMut(Block) -> bool,
) -> bool {
    let mut chunks = b.chunks_exact(64);
    for chunk in chunks.by_ref() {
        if !each(block(chunk.try_into().expect("64 bytes"))) {
            return false;
        }
    }
    let rest = chunks.remainder();
    if rest.is_empty() {
        return true;
    }
    let mut last = [b' '; 64];
    last[..rest.len()].copy_from_slice(rest);
    each(block(&last))
}

/// The first quote at or after `from`, given `classify`'s masks.
#[inline(always)]
pub(crate) fn next_quote(quotes: &[u64], from: usize) -> Option<usize> {
    let mut w = from / 64;
    let mut bits = quotes.get(w)? & (!0u64 << (from % 64));
    while bits == 0 {
        w += 1;
        bits = *quotes.get(w)?;
    }
    Some(w * 64 + bits.trailing_zeros() as usize)
}

/// The prefix XOR of `bits`, by shifts (the AVX2 version multiplies).
#[inline(always)]
fn prefix_xor(mut bits: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        bits ^= bits << shift;
    }
    bits
}

/// The reference the vector versions are tested against (and the fallback
/// on other targets).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(crate) fn scalar(block: &[u8; 64]) -> Block {
    let (mut quotes, mut seps, mut special) = (0u64, 0u64, false);
    for (i, &c) in block.iter().enumerate() {
        quotes |= u64::from(c == b'"') << i;
        seps |= u64::from(c == b',' || c == b';') << i;
        special |= c < 0x20 || c == b'\\';
    }
    Block {
        quotes,
        quote_parity: prefix_xor(quotes),
        seps,
        special,
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod x86 {
    use super::Block;
    use std::arch::x86_64::*;

    /// Whether the CPU has AVX2 and PCLMULQDQ (every AVX2 CPU has both;
    /// detected once).
    #[inline(always)]
    pub(crate) fn has_avx2() -> bool {
        use std::sync::atomic::{AtomicU8, Ordering};
        // 0: not yet detected, 1: no, 2: yes.
        static AVX2: AtomicU8 = AtomicU8::new(0);
        match AVX2.load(Ordering::Relaxed) {
            0 => {
                let yes = std::is_x86_feature_detected!("avx2")
                    && std::is_x86_feature_detected!("pclmulqdq");
                AVX2.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
                yes
            }
            level => level == 2,
        }
    }

    /// [`super::blocks`] compiled for AVX2, with [`avx2_inner`] inlined.
    #[target_feature(enable = "avx2,pclmulqdq")]
    pub(super) fn blocks_avx2(b: &[u8], each: impl FnMut(Block) -> bool) -> bool {
        super::blocks(b, |block| avx2_inner(block), each)
    }

    /// SSE2 (every x86-64 CPU): four 16-byte lanes.
    #[inline(always)]
    pub(crate) fn sse2(block: &[u8; 64]) -> Block {
        // SAFETY: SSE2 is part of the x86-64 baseline.
        unsafe { sse2_inner(block) }
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    fn sse2_inner(block: &[u8; 64]) -> Block {
        let (quote, backslash, c1f) = (
            _mm_set1_epi8(b'"' as i8),
            _mm_set1_epi8(b'\\' as i8),
            _mm_set1_epi8(0x1f),
        );
        let (comma, semicolon) = (_mm_set1_epi8(b',' as i8), _mm_set1_epi8(b';' as i8));
        let (mut quotes, mut seps, mut special) = (0u64, 0u64, 0u32);
        for lane in 0..4 {
            // SAFETY: `block` has 64 bytes, so 16 from `lane * 16` are in bounds;
            // the load is unaligned.
            let x = unsafe { _mm_loadu_si128(block.as_ptr().add(lane * 16).cast()) };
            let q = _mm_movemask_epi8(_mm_cmpeq_epi8(x, quote)) as u32;
            // x <= 0x1f (unsigned) exactly when max(x, 0x1f) == 0x1f.
            let control = _mm_cmpeq_epi8(_mm_max_epu8(x, c1f), c1f);
            let s = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, backslash), control));
            let sep = _mm_or_si128(_mm_cmpeq_epi8(x, comma), _mm_cmpeq_epi8(x, semicolon));
            quotes |= u64::from(q) << (lane * 16);
            seps |= u64::from(_mm_movemask_epi8(sep) as u32) << (lane * 16);
            special |= s as u32;
        }
        Block {
            quotes,
            quote_parity: super::prefix_xor(quotes),
            seps,
            special: special != 0,
        }
    }

    /// AVX2: two 32-byte lanes (tests only; the export runs [`blocks_avx2`]).
    #[cfg(test)]
    pub(crate) fn avx2(block: &[u8; 64]) -> Block {
        assert!(has_avx2());
        // SAFETY: the CPU has AVX2 and PCLMULQDQ (asserted).
        unsafe { avx2_inner(block) }
    }

    #[target_feature(enable = "avx2,pclmulqdq")]
    #[inline]
    fn avx2_inner(block: &[u8; 64]) -> Block {
        let (quote, backslash, c1f) = (
            _mm256_set1_epi8(b'"' as i8),
            _mm256_set1_epi8(b'\\' as i8),
            _mm256_set1_epi8(0x1f),
        );
        // SAFETY: `block` has 64 bytes: two unaligned 32-byte loads in bounds.
        let (lo, hi) = unsafe {
            (
                _mm256_loadu_si256(block.as_ptr().cast()),
                _mm256_loadu_si256(block.as_ptr().add(32).cast()),
            )
        };
        let q_lo = _mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, quote)) as u32;
        let q_hi = _mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, quote)) as u32;
        // x <= 0x1f (unsigned) exactly when max(x, 0x1f) == 0x1f.
        let control = _mm256_cmpeq_epi8(_mm256_max_epu8(_mm256_min_epu8(lo, hi), c1f), c1f);
        let backslashes = _mm256_or_si256(
            _mm256_cmpeq_epi8(lo, backslash),
            _mm256_cmpeq_epi8(hi, backslash),
        );
        let s = _mm256_movemask_epi8(_mm256_or_si256(control, backslashes));
        let (comma, semicolon) = (_mm256_set1_epi8(b',' as i8), _mm256_set1_epi8(b';' as i8));
        let sep_lo = _mm256_or_si256(
            _mm256_cmpeq_epi8(lo, comma),
            _mm256_cmpeq_epi8(lo, semicolon),
        );
        let sep_hi = _mm256_or_si256(
            _mm256_cmpeq_epi8(hi, comma),
            _mm256_cmpeq_epi8(hi, semicolon),
        );
        let seps = u64::from(_mm256_movemask_epi8(sep_lo) as u32)
            | (u64::from(_mm256_movemask_epi8(sep_hi) as u32) << 32);
        let quotes = u64::from(q_lo) | (u64::from(q_hi) << 32);
        // Carry-less multiplication by all ones is the prefix XOR.
        let parity = _mm_clmulepi64_si128(_mm_set_epi64x(0, quotes as i64), _mm_set1_epi8(-1), 0);
        Block {
            quotes,
            quote_parity: _mm_cvtsi128_si64(parity) as u64,
            seps,
            special: s != 0,
        }
    }
}
