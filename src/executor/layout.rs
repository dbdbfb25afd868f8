//! A pool's fields seen without its type: offsets from the number of
//! bitmap words alone.
//!
//! A [`RawPool`](super::RawPool) is `#[repr(C)]`: header, `ready`, `local`,
//! `used` (`W` words each), `meta` (one `u32` per slot), then the slots
//! (`local_sum` is in the header). Everything before `meta` is word-sized, so its
//! offsets depend only on `W` (`header.words`), not on the future type. The
//! type-erased paths (join handles, spawn, the executor re-queueing a
//! joiner) use these instead of an indirect call through the pool's table;
//! `RawPool::LAYOUT` checks them against `offset_of!` for every pool type.

use super::atomic::{AtomicU32, AtomicUsize, Ordering::*};
use super::header::Header;
use super::plain_word;
use super::ready::BITS;
use core::mem::size_of;

const WORD: usize = size_of::<usize>();

/// Offset of `local`.
pub(crate) const fn local(w: usize) -> usize {
    size_of::<Header>() + w * WORD
}
/// Offset of `used`.
pub(crate) const fn used(w: usize) -> usize {
    size_of::<Header>() + 2 * w * WORD
}
/// Offset of `meta`.
pub(crate) const fn meta(w: usize) -> usize {
    size_of::<Header>() + 3 * w * WORD
}

/// `h` plus `off` bytes, as a `*const T`.
///
/// # Safety
/// `h` carries provenance for a whole pool and `off` is one of the offsets
/// above (plus an in-bounds element offset).
#[inline(always)]
unsafe fn at<T>(h: *const Header, off: usize) -> *const T {
    // SAFETY: by the caller's contract the result stays inside the pool.
    unsafe { h.cast::<u8>().add(off).cast::<T>() }
}

/// Number of bitmap words of the pool behind `h`.
///
/// # Safety
/// `h` is a pool header whose first task has been created (`words` set).
#[inline(always)]
unsafe fn words_of(h: *const Header) -> usize {
    // SAFETY: a live static header.
    unsafe { (*h).words.load(Relaxed) as usize }
}

/// The metadata word of `slot` in the pool behind `h`.
///
/// # Safety
/// `h` is a pool header (full provenance, from a `'static` pool) whose first
/// task has been created, and `slot < capacity`.
#[inline]
pub(crate) unsafe fn meta_of<'a>(h: *const Header, slot: usize) -> &'a AtomicU32 {
    // SAFETY: by the contract, `meta[slot]` exists at this offset.
    unsafe { &*at::<AtomicU32>(h, meta(words_of(h))).add(slot) }
}

/// Frees `slot`: clears its metadata and its `used` bit.
///
/// # Safety
/// As [`meta_of`]; the slot holds nothing live any more and the caller owns
/// it.
#[inline]
pub(crate) unsafe fn release_slot(h: *const Header, slot: usize) {
    // SAFETY: forwarded contract; `used[slot / BITS]` exists since
    // `slot < capacity <= W * BITS`.
    unsafe {
        let w = words_of(h);
        meta_of(h, slot).store(0, Relaxed);
        let used = &*at::<AtomicUsize>(h, used(w)).add(slot / BITS);
        // Release: pairs with the claim's Acquire, so the next occupant
        // sees this one's last writes.
        used.fetch_and(!(1usize << (slot % BITS)), Release);
        if w > 1 {
            (*h).hint.store((slot / BITS) as u8, Relaxed);
        }
    }
}

/// Marks `slot` ready in the executor-private bitmap (`local`, `local_sum`).
///
/// # Safety
/// As [`meta_of`], and only the thread running the executor the pool is
/// bound to (or a handler interrupting it) may call it: no other thread
/// writes `local` and `local_sum` (see `plain_word.rs`).
// Inlined into the wakers on 64-bit hosts; one shared copy on 32-bit
// microcontrollers, where flash is the scarcer resource.
#[cfg_attr(target_pointer_width = "64", inline)]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
pub(crate) unsafe fn wake_local(h: *const Header, slot: usize) {
    // SAFETY: forwarded contract: `local[slot / BITS]` exists at this
    // offset (`slot < capacity <= W * BITS`); the header is live.
    let (word, sum) = unsafe {
        (
            &*at::<AtomicUsize>(h, local(words_of(h))).add(slot / BITS),
            &(*h).local_sum,
        )
    };
    // The word before its summary bit: a scan that takes the summary bit
    // finds the word's bit too (a scan in between is an interrupted one,
    // which sees both or leaves the word for its next pass).
    plain_word::or(word, 1usize << (slot % BITS));
    plain_word::or(sum, 1usize << (slot / BITS));
}

/// Whether the pool behind `h` has executor-private ready bits.
///
/// # Safety
/// As [`meta_of`] (without a slot).
#[inline]
pub(crate) unsafe fn local_pending(h: *const Header) -> bool {
    // SAFETY: forwarded contract.
    plain_word::any(unsafe { &(*h).local_sum })
}
