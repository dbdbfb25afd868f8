//! Wakers are bits: the data word is an id, the vtable is one of two statics.
//!
//! * **Remote** wakers (every `Waker` that can outlive a poll or leave the
//!   executor's thread): data = id. `wake` = one `fetch_or` on the slot's
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
//! # Robustness
//!
//! A stale waker (its task finished, the slot possibly reused) sets a ready
//! bit: the executor masks ready bits with its `run` bitmap, so a freed slot is
//! never polled, and a reused slot gets at most one spurious poll, which every
//! `Future` must tolerate. No generation tag is needed, so none is paid for.
//! Ids that were never registered are ignored. Foreign wakers given to bitwake
//! futures (e.g. `JoinHandle` polled by another executor) are stored and woken
//! like any `Waker`; bitwake never asks a waker where it came from except to
//! *recognise its own* (by vtable address) as a cheap path, and never panics
//! on one it does not recognise.

use super::registry;
use super::run::ExecCore;
use core::ptr;
use core::task::{RawWaker, RawWakerVTable, Waker};

pub(crate) static REMOTE: RawWakerVTable = RawWakerVTable::new(r_clone, r_wake, r_wake, r_drop);
pub(crate) static LOCAL: RawWakerVTable = RawWakerVTable::new(l_clone, l_wake, l_wake, l_drop);

#[inline]
pub(crate) fn remote_raw(id: usize) -> RawWaker {
    RawWaker::new(ptr::without_provenance(id), &REMOTE)
}

/// The local waker for the task `core` is about to poll. Only the executor
/// creates it, and only lends it as `&Waker` for one poll.
#[inline]
pub(crate) fn local(core: &'static ExecCore) -> Waker {
    // SAFETY: LOCAL's functions take the pointer to a `'static` ExecCore and
    // only use its atomics.
    unsafe { Waker::from_raw(RawWaker::new((core as *const ExecCore).cast(), &LOCAL)) }
}

/// If `w` is a bitwake waker, the id of the task it wakes.
#[inline]
pub(crate) fn id_of(w: &Waker) -> Option<usize> {
    let vt = w.vtable();
    if ptr::eq(vt, &REMOTE) {
        Some(w.data().addr())
    } else if ptr::eq(vt, &LOCAL) {
        // SAFETY: LOCAL data is always a `'static` ExecCore.
        Some(unsafe { &*w.data().cast::<ExecCore>() }.current())
    } else {
        None
    }
}

unsafe fn r_clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &REMOTE)
}
unsafe fn r_wake(data: *const ()) {
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
