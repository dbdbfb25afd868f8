//! The wake-versus-scan protocol on one ready bitmap (the part that loom checks).
//!
//! A ready set is `words: [AtomicUsize; W]` (one bit per slot) plus a `summary`
//! word with one bit per *word* (only used when `W > 1`). The rules:
//!
//! * **wake** (`mark`, any context): `fetch_or` the slot's bit into its word;
//!   if the word was zero before (`prev == 0`) and the word's summary bit is
//!   not already set (a plain load), also `fetch_or` that bit into `summary`.
//!   Then check `parked` (see [`should_unpark`]).
//! * **scan** (`take`, executor only): load-guard and `swap(0)` the single
//!   word; or, with a summary, *load* it (no RMW) and load-guard and
//!   `swap(0)` each named word. (The pool moves what it takes into its
//!   executor-private bitmap, which no other thread touches, and polls
//!   from there; see `pool.rs`.)
//! * **sticky summary**: a word that had bits keeps its summary bit, so
//!   while a word stays busy (a task in it is woken every pass, as in any
//!   hand-off) its wakes cost one `fetch_or` and the scan one `swap`, as for
//!   a single word. The scan clears the bits of the words it found empty in
//!   one `fetch_and`, then re-checks those words and sets the bit again for
//!   any that has become non-zero meanwhile.
//!
//! Invariant: *if a word is non-zero, its summary bit is set, or will be set
//! by the waker that made the word go from zero to non-zero.* A wake that sees
//! `prev != 0` relies on that earlier waker. That waker skips the summary only
//! if it sees the bit already set; if the executor clears the bit (the word
//! looked empty) concurrently, the two form a Dekker pair, every access
//! `SeqCst`: waker `fetch_or` word, then load summary; executor `fetch_and`
//! summary, then load word. One of the two sees the other, so either the
//! waker sets the bit or the executor's re-check does. The word's `swap`
//! (`Acquire`) synchronises with every waker's `fetch_or` it takes. A bit
//! taken "early" leaves a summary bit with nothing behind it: a harmless
//! empty visit, after which the bit is cleared. Duplicate wakes coalesce in
//! the bit.
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
use core::sync::atomic::compiler_fence;

/// Bits per bitmap word.
pub(crate) const BITS: usize = usize::BITS as usize;

/// Marks `slot` ready in `words` (and `summary` when there is more than one
/// word). Callable from any thread, signal handler or interrupt. (The
/// executor calls [`mark_word`] directly; this is the loom model's entry.)
#[allow(dead_code)]
#[inline]
pub(crate) fn mark(words: &[AtomicUsize], summary: &AtomicUsize, slot: usize) {
    let w = slot / BITS;
    mark_word(
        &words[w],
        summary,
        w,
        1usize << (slot % BITS),
        words.len() > 1,
    );
}

/// [`mark`] with the word already found: `word` is word `w` of a set that has
/// a summary iff `multi`; `bit` is the slot's bit in it.
#[inline(always)]
pub(crate) fn mark_word(
    word: &AtomicUsize,
    summary: &AtomicUsize,
    w: usize,
    bit: usize,
    multi: bool,
) {
    if !multi {
        // The previous value is not needed: on x86 a `lock or` instead of a
        // `lock cmpxchg` loop. (The compiler fence, which emits nothing,
        // keeps LLVM from merging this RMW with the one below into a single
        // value-returning one.)
        compiler_fence(SeqCst);
        word.fetch_or(bit, SeqCst);
    } else if word.fetch_or(bit, SeqCst) == 0 {
        // Dekker with `clear_cold`: word RMW, then summary load.
        dekker_fence();
        let sb = 1usize << w;
        if summary.load(SeqCst) & sb == 0 {
            summary.fetch_or(sb, SeqCst);
        }
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

/// Executor side, a hint for the pass: whether any ready bit may be set
/// (one relaxed load; [`take`] is what synchronises).
#[inline(always)]
pub(crate) fn maybe_pending(words: &[AtomicUsize], summary: &AtomicUsize) -> bool {
    if words.len() == 1 {
        words[0].load(Relaxed) != 0
    } else {
        summary.load(Relaxed) != 0
    }
}

/// Executor side: takes every ready bit, calling `f(word_index, bits)` once
/// for each word named in the summary, in increasing order (`bits` may be 0:
/// a stale summary bit); with a single word, once if it had bits. Words that
/// are zero cost one plain load and no RMW. Returns whether any ready bit
/// was taken.
#[inline]
pub(crate) fn take(
    words: &[AtomicUsize],
    summary: &AtomicUsize,
    mut f: impl FnMut(usize, usize),
) -> bool {
    if words.len() == 1 {
        let w = &words[0];
        let mut bits = 0;
        if w.load(Relaxed) != 0 {
            bits = w.swap(0, Acquire);
        }
        if bits != 0 {
            f(0, bits);
        }
        return bits != 0;
    }
    let s = summary.load(Relaxed);
    let mut cold = 0;
    let mut m = s;
    while m != 0 {
        let w = m.trailing_zeros() as usize;
        m &= m - 1;
        let mut bits = 0;
        let word = &words[w];
        if word.load(Relaxed) != 0 {
            bits = word.swap(0, Acquire);
        }
        if bits == 0 {
            cold |= 1usize << w;
        }
        f(w, bits);
    }
    if cold != 0 {
        clear_cold(words, summary, cold);
    }
    cold != s
}

/// Executor side: clears the summary bits of the words in `cold` (found
/// empty by this scan), then sets again the bit of any of them that a waker
/// made non-zero while seeing the bit still set (see the module docs).
#[cold]
#[inline(never)]
fn clear_cold(words: &[AtomicUsize], summary: &AtomicUsize, cold: usize) {
    summary.fetch_and(!cold, SeqCst);
    // Dekker with `mark`: summary RMW, then word load.
    dekker_fence();
    let mut c = cold;
    while c != 0 {
        let w = c.trailing_zeros() as usize;
        c &= c - 1;
        if words[w].load(SeqCst) != 0 {
            summary.fetch_or(1usize << w, SeqCst);
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
    store_parked(parked, true);
    dekker_fence();
}

/// `parked.store(v, SeqCst)`; a swap under loom, whose model can let a
/// waker's later swap read a value older than a plain store, a reordering
/// C++ forbids (an RMW reads the latest value in modification order), and
/// then reports lost wake-ups that cannot happen.
#[inline(always)]
fn store_parked(parked: &AtomicBool, v: bool) {
    #[cfg(loom)]
    parked.swap(v, SeqCst);
    #[cfg(not(loom))]
    parked.store(v, SeqCst);
}

/// Executor side: back from park (or decided not to).
#[inline]
pub(crate) fn end_park(parked: &AtomicBool) {
    store_parked(parked, false);
}
