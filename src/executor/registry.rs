//! The global table from a waker id to its ready set.
//!
//! A waker's data word is an *id*: `registry index << SLOT_BITS | slot`. No
//! pointer, no reference count: cloning copies the word, dropping does nothing.
//! The table holds one pointer per pool or executor, assigned on first use and
//! never reused (pools and executors are `'static`). There are `usize::BITS`
//! entries (64 on x86-64, 32 on 32-bit microcontrollers: 256 / 128 bytes).

use super::SpawnError;
use super::atomic::{AtomicPtr, AtomicUsize, Ordering};
use super::header::Header;
use core::ptr;

/// Bits of a waker id that hold the slot; pools have at most `1 << SLOT_BITS` slots.
pub(crate) const SLOT_BITS: u32 = 12;
/// Largest pool capacity.
pub const MAX_CAPACITY: usize = 1 << SLOT_BITS;
/// How many pools and executors a program can have in total.
pub const MAX_POOLS: usize = usize::BITS as usize;

static TABLE: [AtomicPtr<Header>; MAX_POOLS] =
    [const { AtomicPtr::new(ptr::null_mut()) }; MAX_POOLS];
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The registry index of `h`, registering it on first use.
///
/// # Safety
/// `h` points to a `'static` header as described in [`super::header::ready_words`].
pub(crate) unsafe fn index_of(h: *const Header) -> Result<usize, SpawnError> {
    // SAFETY: `h` is a live static header.
    let hdr = unsafe { &*h };
    let i = hdr.index.load(Ordering::Acquire);
    if i != 0 {
        return Ok(i - 1);
    }
    let mut next = NEXT.load(Ordering::Relaxed);
    loop {
        if next >= MAX_POOLS {
            return Err(SpawnError::TooManyPools);
        }
        match NEXT.compare_exchange_weak(next, next + 1, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break,
            Err(n) => next = n,
        }
    }
    TABLE[next].store(h.cast_mut(), Ordering::Release);
    match hdr
        .index
        .compare_exchange(0, next + 1, Ordering::AcqRel, Ordering::Acquire)
    {
        Ok(_) => Ok(next),
        // Another thread registered it first: our entry stays unused.
        Err(i) => Ok(i - 1),
    }
}

/// The header registered at `index`, or null.
#[inline]
pub(crate) fn get(index: usize) -> *const Header {
    match TABLE.get(index) {
        Some(p) => p.load(Ordering::Acquire),
        None => ptr::null(),
    }
}

/// Waker id of `slot` in the set registered at `index`.
#[inline]
pub(crate) const fn id(index: usize, slot: usize) -> usize {
    (index << SLOT_BITS) | slot
}

/// Wakes the task named by `id`. Unknown ids (never registered, slot out of
/// range) are ignored: a foreign or forged id never panics or touches memory
/// outside the registered sets.
#[inline]
pub(crate) fn wake_id(id: usize) {
    let h = get(id >> SLOT_BITS);
    if h.is_null() {
        return;
    }
    let slot = id & (MAX_CAPACITY - 1);
    // SAFETY: registered headers are `'static` and registered with full
    // provenance (see `index_of`).
    if slot < unsafe { (*h).capacity() } {
        // SAFETY: as above, and `slot < capacity`.
        unsafe { super::header::wake_slot(h, slot) };
    }
}
