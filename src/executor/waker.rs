//! Wakers are bits: the data word names a slot, the vtable is one of two statics.
//!
//! * **Remote** wakers (every `Waker` that can outlive a poll or leave the
//!   executor's thread): data = the slot's [data word](#the-data-word).
//!   `wake` = one `fetch_or` on the slot's
//!   ready word (plus a summary `fetch_or` when the word was empty and its
//!   summary bit was not still set, see `ready.rs`; and an `unpark` only if
//!   the executor is parked). `clone` copies the word, `drop` does nothing:
//!   no reference count.
//! * The **local** waker is the one the executor lends through `Context` while
//!   it polls a task: data = the executor's core. Its `wake_by_ref` is a plain
//!   (relaxed, non-RMW) store of `true` to the core's `self_woken` flag; after
//!   the poll the executor re-queues the task in an executor-private bitmap
//!   with ordinary (non-atomic) instructions. Its `clone` returns a *remote*
//!   waker for the current task.
//!
//! The lent waker never `will_wake`-equals its own clone (different data and
//! vtable), so a future that caches its waker re-clones it on every poll: a
//! two-word copy plus the old one's (empty) `drop` call. Making the two equal
//! would make the clone's `wake` the self-wake fast path too, which is sound
//! only on the executor's own thread (no cheap test for that without
//! `thread_local!`) or with a locked read-modify-write on every poll to
//! close the race with another thread (about 2 ns each on the x86 bench
//! host), which costs more than the re-clone it saves.
//!
//! # Why the local fast path is sound without `thread_local!`
//!
//! The local waker only ever exists as `&Waker` inside one `poll` call (the
//! executor never hands out an owned one; `clone` turns it remote). So:
//!
//! * it can only name the task being polled, and only during that poll — the
//!   executor knows that task, so the flag needs no slot number;
//! * anything that can run *outside* the poll (another thread later, a signal
//!   handler, an interrupt) needs a `'static` or owned waker, i.e. a clone,
//!   i.e. the atomic path;
//! * code that does use `&Waker` concurrently *during* the poll (a scoped
//!   thread; a signal handler reaching it through unsafe code) only performs an
//!   atomic store of the constant `true`. Stores of a constant are idempotent,
//!   so unlike a non-atomic read-modify-write nothing can be lost or torn, and
//!   there is no data race. Scoped threads are joined before the poll returns,
//!   so the executor's read of the flag after the poll sees their store.
//!
//! No other state is touched without atomics from outside the executor's
//! thread: the executor-private bitmaps are written only by the thread that
//! owns the running `block_on`.
//!
//! # The data word
//!
//! A remote waker's data word names one slot of one pool (or of an
//! executor's one-slot `block_on` set). The slot is always in the low 12
//! bits (`registry::SLOT_BITS`); what sits above it depends on the target:
//!
//! * **64-bit, direct** (every pool in practice): `header << 12 | slot`, the
//!   set's header address shifted up (with `map_addr`, so the word keeps
//!   the header's provenance). `wake` shifts it back down and marks the
//!   bit: no registry lookup, no null or range check. Used when the
//!   header's address fits in 52 bits, which every user-space address on
//!   x86-64 and AArch64 does (and the static non-PIE programs' statics sit
//!   far below that). Bit 12 (the header's bit 0) is clear: headers are
//!   word-aligned.
//! * **64-bit, by id** (a header at or above `1 << 52`, e.g. in a kernel's
//!   upper half): `index << 13 | 1 << 12 | slot`, bit 12 set; `wake` finds
//!   the header in the [registry](super::registry) as on 32-bit.
//! * **32-bit** (thumbv6m, thumbv7em, riscv32): the registry id
//!   `index << 12 | slot` (no spare address bits to hold the slot), looked
//!   up in the registry on every wake, which ignores unknown ids.
//!
//! The executor computes a set's base word once per pass ([`Namer`]) and
//! stores the data word of the task it is about to poll in
//! `ExecCore::current`; the lent waker's `clone` copies that into a remote
//! waker. Join handles record their joiner as a registry *id* (it must fit
//! the metadata word on every target): [`id_of`] turns a data word back
//! into one.
//!
//! Why `r_wake` trusts a direct word without a check: [`REMOTE`] is private
//! to the crate and the only data words made for it come from
//! [`Namer::data`] (through `ExecCore::current` and the lent waker's
//! `clone`), always from a registered, bound `'static` header with its full
//! provenance and a slot below that set's capacity (a pool pass names only
//! slots of its own bitmap, which has no bits past the capacity;
//! `block_on` names slot 0 of its one-slot set). `r_clone` copies a word
//! unchanged and `r_drop` does nothing, so every word that reaches `r_wake`
//! is one of those. A stale copy (its slot since freed or reused) still
//! names a `'static` header and an in-range slot, so it only sets a ready
//! bit the executor masks (see below). The only way to hand `r_wake`
//! another word is to build a `RawWaker` with `REMOTE` (which safe code can
//! read through `Waker::vtable`) around data of one's own and pass it to the
//! `unsafe` `Waker::from_raw`, whose contract that breaks. Id-form words
//! are checked against the registry as before.
//!
//! # Robustness
//!
//! A stale waker (its task finished, the slot possibly reused) sets a ready
//! bit: the executor masks ready bits with its `run` bitmap, so a freed slot is
//! never polled, and a reused slot gets at most one spurious poll, which every
//! `Future` must tolerate. No generation tag is needed, so none is paid for.
//! Id-form words that were never registered are ignored. Foreign wakers given to bitwake
//! futures (e.g. `JoinHandle` polled by another executor) are stored and woken
//! like any `Waker`; bitwake never asks a waker where it came from except to
//! *recognise its own* (by vtable address) as a cheap path, and never panics
//! on one it does not recognise.

use super::header::Header;
use super::registry;
use super::run::ExecCore;
use core::ptr;
use core::task::{RawWaker, RawWakerVTable, Waker};

pub(crate) static REMOTE: RawWakerVTable = RawWakerVTable::new(r_clone, r_wake, r_wake, r_drop);
pub(crate) static LOCAL: RawWakerVTable = RawWakerVTable::new(l_clone, l_wake, l_wake, l_drop);

/// The low bits of a data word hold the slot (as in a registry id).
#[cfg(target_pointer_width = "64")]
const SLOT_MASK: usize = registry::MAX_CAPACITY - 1;

/// 64-bit: the header address sits above the slot bits, so it must fit in
/// `usize::BITS - SLOT_BITS` bits.
#[cfg(target_pointer_width = "64")]
const ADDR_SHIFT: u32 = registry::SLOT_BITS;

/// 64-bit: the bit that marks an id-form word (the header's bit 0 in a
/// direct one, always clear).
#[cfg(target_pointer_width = "64")]
const BY_ID: usize = 1 << ADDR_SHIFT;

// Bit 0 of a header address is clear (see `BY_ID`).
const _: () = assert!(core::mem::align_of::<Header>() >= 2);

/// The data words of one pool's (or executor's) slots: `base + slot`,
/// with `base`'s low `SLOT_BITS` bits clear. Computed once per pool pass.
#[derive(Clone, Copy)]
pub(crate) struct Namer {
    base: *const (),
}

impl Namer {
    /// The data words of the set behind `h`.
    ///
    /// # Safety
    /// `h` is a registered `'static` header with full provenance (as in
    /// [`ready_words`](super::header::ready_words)), bound to an executor (`exec` set).
    #[inline]
    pub(crate) unsafe fn new(h: *const Header) -> Self {
        #[cfg(target_pointer_width = "64")]
        if h.addr() >> (usize::BITS - ADDR_SHIFT) == 0 {
            // Direct: `header << 12`, keeping the header's provenance.
            return Self {
                base: h.cast::<()>().map_addr(|a| a << ADDR_SHIFT),
            };
        }
        // SAFETY: forwarded contract.
        unsafe { Self::by_id(h) }
    }

    /// Id-form words: a 64-bit header at or above `1 << 52`, or any header
    /// on a 32-bit target.
    ///
    /// # Safety
    /// As [`new`](Self::new).
    #[cfg_attr(target_pointer_width = "64", cold, inline(never))]
    unsafe fn by_id(h: *const Header) -> Self {
        // SAFETY: a registered `'static` header (the caller's contract).
        let index = unsafe { (*h).index() };
        #[cfg(target_pointer_width = "64")]
        let base = registry::id(index << 1, 0) | BY_ID;
        #[cfg(not(target_pointer_width = "64"))]
        let base = registry::id(index, 0);
        Self {
            base: ptr::without_provenance(base),
        }
    }

    /// The data word of `slot`, which must be below the set's capacity.
    #[inline(always)]
    pub(crate) fn data(self, slot: usize) -> *const () {
        // The base's slot bits are clear, so this is an `or` that keeps the
        // base's provenance.
        self.base.wrapping_byte_add(slot)
    }
}

#[inline]
pub(crate) fn remote_raw(data: *const ()) -> RawWaker {
    RawWaker::new(data, &REMOTE)
}

/// The local waker for the task `core` is about to poll. Only the executor
/// creates it, and only lends it as `&Waker` for one poll.
#[inline]
pub(crate) fn local(core: &'static ExecCore) -> Waker {
    // SAFETY: LOCAL's functions take the pointer to a `'static` ExecCore and
    // only use its atomics.
    unsafe { Waker::from_raw(RawWaker::new((core as *const ExecCore).cast(), &LOCAL)) }
}

/// The registry id of the slot a data word names.
#[inline]
fn id_of_data(data: *const ()) -> usize {
    #[cfg(target_pointer_width = "64")]
    {
        let a = data.addr();
        let slot = a & SLOT_MASK;
        if a & BY_ID != 0 {
            return registry::id(a >> (ADDR_SHIFT + 1), slot);
        }
        let h = data.map_addr(|a| a >> ADDR_SHIFT).cast::<Header>();
        // SAFETY: a direct word holds a registered `'static` header with its
        // provenance (see the module docs); its index is set (non-zero).
        registry::id(unsafe { (*h).index() }, slot)
    }
    #[cfg(not(target_pointer_width = "64"))]
    {
        data.addr()
    }
}

/// If `w` is a bitwake waker, the id of the task it wakes.
#[inline]
pub(crate) fn id_of(w: &Waker) -> Option<usize> {
    let vt = w.vtable();
    if ptr::eq(vt, &LOCAL) {
        // SAFETY: LOCAL data is always a `'static` ExecCore.
        let core = unsafe { &*w.data().cast::<ExecCore>() };
        Some(id_of_data(core.current()))
    } else if ptr::eq(vt, &REMOTE) {
        Some(id_of_data(w.data()))
    } else {
        None
    }
}

unsafe fn r_clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &REMOTE)
}
unsafe fn r_wake(data: *const ()) {
    #[cfg(target_pointer_width = "64")]
    {
        let a = data.addr();
        let slot = a & SLOT_MASK;
        if a & BY_ID == 0 {
            // SAFETY: only `Namer::data` makes REMOTE data words (see the
            // module docs): a direct one is a registered `'static` header
            // (with its full provenance) shifted up, plus a slot below its
            // capacity.
            unsafe { super::header::wake_slot(data.map_addr(|a| a >> ADDR_SHIFT).cast(), slot) };
        } else {
            registry::wake_id(registry::id(a >> (ADDR_SHIFT + 1), slot));
        }
    }
    #[cfg(not(target_pointer_width = "64"))]
    registry::wake_id(data.addr());
}
unsafe fn r_drop(_: *const ()) {}

unsafe fn l_clone(data: *const ()) -> RawWaker {
    // SAFETY: LOCAL data is always a `'static` ExecCore.
    let core = unsafe { &*data.cast::<ExecCore>() };
    remote_raw(core.current())
}
unsafe fn l_wake(data: *const ()) {
    // SAFETY: LOCAL data is always a `'static` ExecCore.
    unsafe { &*data.cast::<ExecCore>() }.set_self_woken();
}
unsafe fn l_drop(_: *const ()) {}

#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::*;
    use crate::executor::{Executor, SpinPark};
    use core::future::poll_fn;
    use core::task::Poll;

    static PARK: SpinPark = SpinPark;
    static EXEC: Executor = Executor::new(&PARK);

    /// The id form (used on 64-bit only for headers at or above `1 << 52`,
    /// which the host does not have) names the same task as the direct form, and
    /// its wake reaches it; forged id-form words are ignored.
    #[test]
    fn id_form_words_name_and_wake_the_same_task() {
        let mut polls = 0;
        EXEC.block_on(poll_fn(|cx| {
            polls += 1;
            if polls == 2 {
                return Poll::Ready(());
            }
            let w = cx.waker().clone();
            assert!(ptr::eq(w.vtable(), &REMOTE));
            let direct = w.data();
            let h = direct.map_addr(|a| a >> ADDR_SHIFT).cast::<Header>();
            // SAFETY: the executor's own header, registered and bound.
            let by_id = unsafe { Namer::by_id(h) }.data(0);
            assert_ne!(by_id.addr(), direct.addr());
            let id = id_of_data(direct);
            assert_eq!(id_of_data(by_id), id);
            assert_eq!(id_of(cx.waker()), Some(id));
            // Never registered, or a slot past the capacity: ignored.
            let forged = [
                registry::id(registry::MAX_POOLS - 1, 0),
                id | (registry::MAX_CAPACITY - 1),
            ];
            for f in forged {
                let f = ((f >> registry::SLOT_BITS) << (registry::SLOT_BITS + 1))
                    | BY_ID
                    | (f & SLOT_MASK);
                // SAFETY: id-form words are checked against the registry.
                unsafe { r_wake(ptr::without_provenance(f)) };
            }
            // SAFETY: an id-form word made by `Namer`.
            unsafe { r_wake(by_id) };
            Poll::Pending
        }));
        assert_eq!(polls, 2);
    }
}
