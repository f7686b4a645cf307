//! The ids the lifecycle tables hold (event, request, incident and
//! escalation ids), packed many to a block instead of one heap block each.
//!
//! At 10M events the tables hold ~250,000 ids. As `ArcStr`s each was its own
//! heap block: a 16-byte header, the id, and malloc's 8 bytes, rounded up to
//! 16 (a 30-byte event id took 64 bytes, a 12-byte escalation id 48). An
//! [`IdStr`] is written after the one before it in a 64 KiB block: a 2-byte
//! link back to the block, a 1-byte length (5 past 254) and the id, so 33
//! and 15 bytes. A block has one reference count for all its ids, taken
//! once per id and per clone (one atomic add, as `ArcStr`'s), and is freed
//! when the last of its ids is dropped: ids that outlive the rest of their
//! block keep the block. Each thread fills its own block.
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::cell::RefCell;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering, fence};

/// Bytes of a shared block, header included.
const BLOCK_BYTES: usize = 64 << 10;
/// An id whose entry is longer than this gets a block of its own, so a
/// long id does not close a block with most of it unused.
const SHARED_ENTRY_MAX: usize = 1024;
/// A length byte below this is the length; this byte is followed by a u32.
const LONG: u8 = u8::MAX;

/// At the start of every block.
#[repr(C)]
struct Header {
    /// The ids in the block (and clones), and the thread filling it.
    refs: AtomicUsize,
    /// Bytes of the whole block, for `dealloc`.
    size: usize,
}

const HEADER_BYTES: usize = size_of::<Header>();

// Every entry of a shared block starts below byte 64 KiB - 2, so its
// back-link fits a u16, and the largest shared entry fits an empty block.
const _: () = assert!(BLOCK_BYTES <= 1 << 16 && HEADER_BYTES + SHARED_ENTRY_MAX <= BLOCK_BYTES);

/// An immutable id, one pointer wide: it points at the id's length, after
/// the 2-byte distance back to its block's start.
pub struct IdStr(NonNull<u8>);

// SAFETY: an id's bytes are written once, before the `IdStr` exists, and
// never change; the block's reference count is atomic. (A thread appends
// other ids to its open block, never bytes another `IdStr` reads.)
unsafe impl Send for IdStr {}
unsafe impl Sync for IdStr {}

/// The block the thread is filling, and how far.
struct Open {
    block: NonNull<Header>,
    used: usize,
}

impl Drop for Open {
    /// The thread no longer fills the block: it lets go of its reference.
    fn drop(&mut self) {
        // SAFETY: the open reference was taken when the block was made.
        unsafe { release(self.block) }
    }
}

thread_local! {
    static OPEN: RefCell<Option<Open>> = const { RefCell::new(None) };
}

fn layout(size: usize) -> Layout {
    Layout::from_size_align(size, align_of::<Header>()).expect("a block's size fits a layout")
}

/// A new block of `size` bytes with `refs` references.
fn new_block(size: usize, refs: usize) -> NonNull<Header> {
    let layout = layout(size);
    // SAFETY: the layout's size is at least the header's, never zero.
    let raw = unsafe { alloc(layout) };
    let Some(block) = NonNull::new(raw.cast::<Header>()) else {
        handle_alloc_error(layout)
    };
    #[cfg(test)]
    tests::LIVE_BLOCKS.with(|n| n.set(n.get() + 1));
    // SAFETY: the block is fresh, big enough and aligned for a header.
    unsafe {
        block.as_ptr().write(Header {
            refs: AtomicUsize::new(refs),
            size,
        })
    };
    block
}

/// Drops one reference to `block`, freeing it with the last.
///
/// # Safety
/// The caller holds a reference to `block` and does not use it after.
unsafe fn release(block: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the block alive until here.
    let header = unsafe { block.as_ref() };
    if header.refs.fetch_sub(1, Ordering::Release) != 1 {
        return;
    }
    // As `Arc`: every other holder's use happens before the free.
    fence(Ordering::Acquire);
    let size = header.size;
    #[cfg(test)]
    tests::LIVE_BLOCKS.with(|n| n.set(n.get() - 1));
    // SAFETY: the last reference is gone; the block came from `alloc` with this layout.
    unsafe { dealloc(block.as_ptr().cast(), layout(size)) }
}

/// Bytes an id's entry takes in a block.
fn entry_bytes(id: &str) -> usize {
    2 + if id.len() < usize::from(LONG) { 1 } else { 5 } + id.len()
}

/// Writes `id`'s entry at byte `at` of `block` and returns where its length is.
///
/// # Safety
/// `block` has `entry_bytes(id)` bytes free at `at`, and `at + 2` fits a u16.
unsafe fn write_entry(block: NonNull<Header>, at: usize, id: &str) -> NonNull<u8> {
    let back = u16::try_from(at + 2).expect("an entry starts in its block's first 64 KiB");
    // SAFETY: the caller says the entry's bytes are in the block and free.
    unsafe {
        let entry = block.as_ptr().cast::<u8>().add(at);
        entry.cast::<[u8; 2]>().write_unaligned(back.to_le_bytes());
        let len_at = entry.add(2);
        let data = if id.len() < usize::from(LONG) {
            len_at.write(id.len() as u8);
            len_at.add(1)
        } else {
            len_at.write(LONG);
            let len = u32::try_from(id.len()).expect("an id is shorter than 4 GiB");
            len_at
                .add(1)
                .cast::<[u8; 4]>()
                .write_unaligned(len.to_le_bytes());
            len_at.add(5)
        };
        std::ptr::copy_nonoverlapping(id.as_ptr(), data, id.len());
        NonNull::new_unchecked(len_at)
    }
}

impl IdStr {
    /// Stores `id`. Make one only for a table that keeps it: an id dropped
    /// at once still takes its bytes in the block until the block is freed.
    pub fn new(id: &str) -> Self {
        assert!(
            u32::try_from(id.len()).is_ok(),
            "an id is shorter than 4 GiB"
        );
        let entry = entry_bytes(id);
        if entry > SHARED_ENTRY_MAX {
            return Self::alone(id, entry);
        }
        // A thread whose thread-locals are being torn down has no open block.
        OPEN.try_with(|open| {
            let mut open = open.borrow_mut();
            if open.as_ref().is_none_or(|o| o.used + entry > BLOCK_BYTES) {
                // Replacing the full block lets go of the thread's reference to it.
                *open = Some(Open {
                    block: new_block(BLOCK_BYTES, 1),
                    used: HEADER_BYTES,
                });
            }
            let o = open.as_mut().expect("set above");
            // SAFETY: the block has room (checked above): `used + entry` is
            // at most BLOCK_BYTES and an entry is at least 3 bytes, so the
            // entry starts at or below byte 65,533 and `at + 2` fits a u16.
            let at = unsafe { write_entry(o.block, o.used, id) };
            o.used += entry;
            // SAFETY: the thread's own reference keeps the block alive.
            unsafe { o.block.as_ref() }
                .refs
                .fetch_add(1, Ordering::Relaxed);
            IdStr(at)
        })
        .unwrap_or_else(|_| Self::alone(id, entry))
    }

    /// `id` in a block of its own.
    fn alone(id: &str, entry: usize) -> Self {
        let block = new_block(HEADER_BYTES + entry, 1);
        // SAFETY: the block was made for this one entry.
        IdStr(unsafe { write_entry(block, HEADER_BYTES, id) })
    }

    fn block(&self) -> NonNull<Header> {
        // SAFETY: the two bytes before the length are the entry's distance
        // back to its block, in the same allocation.
        unsafe {
            let back =
                u16::from_le_bytes(self.0.as_ptr().sub(2).cast::<[u8; 2]>().read_unaligned());
            NonNull::new_unchecked(self.0.as_ptr().sub(usize::from(back)).cast::<Header>())
        }
    }

    pub fn as_str(&self) -> &str {
        // SAFETY: the entry was written by `write_entry` from a `&str` and
        // the id's reference keeps its block alive as long as `self`.
        unsafe {
            let len_at = self.0.as_ptr();
            let (len, data) = match *len_at {
                LONG => (
                    u32::from_le_bytes(len_at.add(1).cast::<[u8; 4]>().read_unaligned()) as usize,
                    len_at.add(5),
                ),
                short => (usize::from(short), len_at.add(1)),
            };
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(data, len))
        }
    }

    /// Whether both are the same stored id (not only equal).
    pub fn ptr_eq(a: &IdStr, b: &IdStr) -> bool {
        a.0 == b.0
    }
}

impl Clone for IdStr {
    fn clone(&self) -> Self {
        // SAFETY: `self` holds a reference, so the block is alive.
        let refs = unsafe { self.block().as_ref() }
            .refs
            .fetch_add(1, Ordering::Relaxed);
        // As `Arc`: a count this high means clones leaked without end.
        if refs > isize::MAX as usize {
            std::process::abort();
        }
        IdStr(self.0)
    }
}

impl Drop for IdStr {
    fn drop(&mut self) {
        // SAFETY: the id's reference is given up here and never used again.
        unsafe { release(self.block()) }
    }
}

impl std::ops::Deref for IdStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for IdStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for IdStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for IdStr {
    fn from(id: &str) -> Self {
        IdStr::new(id)
    }
}

impl From<String> for IdStr {
    fn from(id: String) -> Self {
        IdStr::new(&id)
    }
}

impl PartialEq for IdStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for IdStr {}

impl PartialEq<str> for IdStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for IdStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialOrd for IdStr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IdStr {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for IdStr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl std::fmt::Debug for IdStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for IdStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for IdStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for IdStr {
    /// From the input's text where it can be borrowed, without a `String` between.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl serde::de::Visitor<'_> for IdVisitor {
            type Value = IdStr;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an id")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IdStr, E> {
                Ok(IdStr::new(v))
            }
        }
        d.deserialize_str(IdVisitor)
    }
}

#[cfg(test)]
#[path = "id_str_tests.rs"]
mod tests;
