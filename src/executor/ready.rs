//! The wake-versus-scan protocol on one ready bitmap (the part that loom checks).
//!
//! A ready set is `words: [AtomicUsize; W]` (one bit per slot) plus a `summary`
//! word with one bit per *word* (only used when `W > 1`). The rules:
//!
//! * **wake** (`mark`, any context): `fetch_or` the slot's bit into its word;
//!   if the word was zero before (`prev == 0`), also `fetch_or` the word's bit
//!   into `summary`. Then check `parked` (see [`should_unpark`]).
//! * **scan** (`take`, executor only): load-guard the summary (or the single
//!   word), `swap(0)` it, then load-guard and `swap(0)` each named word.
//!
//! Invariant: *if a word is non-zero, its summary bit is set, or will be set
//! by the waker that made the word go from zero to non-zero.* A wake that sees
//! `prev != 0` relies on that earlier waker, whose summary `fetch_or` comes
//! after its word `fetch_or`; the executor's `swap` of the summary synchronises
//! with it, so the executor's later `swap` of the word sees every bit set up to
//! then. A bit taken "early" leaves a summary bit with nothing behind it: a
//! harmless empty visit. Duplicate wakes coalesce in the bit.
//!
//! Parking is Dekker-style, every access `SeqCst`: the executor stores
//! `parked = true`, then checks [`any_pending`]; a waker does its `SeqCst`
//! `fetch_or`s, then loads `parked`. One of the two must see the other, so
//! either the executor does not sleep or the waker unparks it.
//!
//! Under loom the Dekker points also get a `fence(SeqCst)` ([`dekker_fence`]):
//! loom models `SeqCst` *accesses* only as acquire/release (its documented
//! limitation), which would report this correct protocol as a lost wake-up;
//! it does model `SeqCst` fences. In real builds the `SeqCst` accesses alone
//! suffice (C++20 [atomics.order]: all `SeqCst` operations are in one total
//! order consistent with program order, so the executor's `parked` store and
//! its bitmap load cannot both be missed by a waker's bitmap RMW and `parked`
//! load), and a fence would cost an `mfence` on every wake on x86.
//!
//! This file is also compiled by the loom test (`tests/executor_loom.rs`) with
//! loom's atomics in place of `super::atomic`, so it must not construct atomics.

use super::atomic::{AtomicBool, AtomicUsize, Ordering::*};

/// Bits per bitmap word.
pub(crate) const BITS: usize = usize::BITS as usize;

/// Marks `slot` ready in `words` (and `summary` when there is more than one
/// word). Callable from any thread, signal handler or interrupt.
#[inline]
pub(crate) fn mark(words: &[AtomicUsize], summary: &AtomicUsize, slot: usize) {
    let (w, bit) = (slot / BITS, 1usize << (slot % BITS));
    let prev = words[w].fetch_or(bit, SeqCst);
    if prev == 0 && words.len() > 1 {
        summary.fetch_or(1usize << w, SeqCst);
    }
    dekker_fence();
}

/// No-op in real builds; `fence(SeqCst)` under loom (see the module docs).
#[inline(always)]
pub(crate) fn dekker_fence() {
    #[cfg(loom)]
    super::atomic::fence(SeqCst);
}

/// After a `mark`: whether this waker must call the platform `unpark`. Only
/// the waker that flips `parked` from true to false unparks, so a burst of
/// wakes against a parked executor costs one unpark.
#[inline]
pub(crate) fn should_unpark(parked: &AtomicBool) -> bool {
    parked.load(SeqCst) && parked.swap(false, SeqCst)
}

/// Executor side: takes every ready bit, calling `f(word_index, bits)` for each
/// non-empty word. Words that are zero cost one plain load and no RMW.
#[inline]
pub(crate) fn take(words: &[AtomicUsize], summary: &AtomicUsize, mut f: impl FnMut(usize, usize)) {
    if words.len() == 1 {
        let w = &words[0];
        if w.load(Relaxed) != 0 {
            let bits = w.swap(0, Acquire);
            if bits != 0 {
                f(0, bits);
            }
        }
        return;
    }
    if summary.load(Relaxed) == 0 {
        return;
    }
    let mut s = summary.swap(0, Acquire);
    while s != 0 {
        let w = s.trailing_zeros() as usize;
        s &= s - 1;
        let word = &words[w];
        if word.load(Relaxed) != 0 {
            let bits = word.swap(0, Acquire);
            if bits != 0 {
                f(w, bits);
            }
        }
    }
}

/// Executor side, after `parked.store(true, SeqCst)`: is anything pending?
#[inline]
pub(crate) fn any_pending(words: &[AtomicUsize], summary: &AtomicUsize) -> bool {
    if words.len() == 1 {
        words[0].load(SeqCst) != 0
    } else {
        summary.load(SeqCst) != 0
    }
}

/// Executor side: announce that it is about to park.
#[inline]
pub(crate) fn begin_park(parked: &AtomicBool) {
    parked.store(true, SeqCst);
    dekker_fence();
}

/// Executor side: back from park (or decided not to).
#[inline]
pub(crate) fn end_park(parked: &AtomicBool) {
    parked.store(false, SeqCst);
}
