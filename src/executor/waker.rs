//! Wakers are bits: the data word is an id (or the executor), the vtable one of four statics.
//!
//! * **Remote** wakers (every `Waker` that can outlive a poll or leave the
//!   executor's thread) of a pool's task: data = its
//!   [`TaskId`](super::task_id::TaskId). `wake` on the thread running the
//!   pool's executor (see `running_here.rs`) sets the executor-private bits with
//!   single-instruction updates, no locked instruction and no unpark; from
//!   anywhere else it is one `fetch_or` on the slot's ready word (plus a
//!   summary `fetch_or` when the word was empty and its summary bit was not
//!   still set, see `ready.rs`; and an `unpark` only if the executor is
//!   parked). `clone` copies the word, `drop` does nothing: no reference
//!   count.
//! * The **local** waker is the one the executor lends through `Context` while
//!   it polls a task: data = the executor's core. Its `wake_by_ref` is a plain
//!   (relaxed, non-RMW) store of `true` to the core's `self_woken` flag; after
//!   the poll the executor re-queues the task in an executor-private bitmap
//!   with ordinary (non-atomic) instructions. Its `clone` returns a *remote*
//!   waker for the current task.
//! * The `block_on` future's wakers: data = the executor's core (the future
//!   has no pool and no id). Its local waker works like a task's; its remote
//!   waker's `wake` sets the future's private flag on the executor's own
//!   thread, and elsewhere its one ready bit, rousing the executor.
//!
//! The lent waker never `will_wake`-equals its own clone (different data and
//! vtable), so a future that caches its waker re-clones it on every poll: a
//! two-word copy plus the old one's (empty) `drop` call. The lent waker
//! stays separate because its wake needs neither the registry lookup nor the
//! owner test: it can only name the task being polled, on this thread.
//!
//! # Why the lent waker's fast path needs no owner test
//!
//! The local waker only ever exists as `&Waker` inside one `poll` call (the
//! executor never hands out an owned one; `clone` turns it remote). So:
//!
//! * it can only name the task being polled, and only during that poll — the
//!   executor knows that task, so the flag needs no slot number;
//! * anything that can run *outside* the poll (another thread later, a signal
//!   handler, an interrupt) needs a `'static` or owned waker, i.e. a clone,
//!   i.e. the remote path (plain only where `running_here.rs` proves it safe);
//! * code that does use `&Waker` concurrently *during* the poll (a scoped
//!   thread; a signal handler reaching it through unsafe code) only performs an
//!   atomic store of the constant `true`. Stores of a constant are idempotent,
//!   so unlike a non-atomic read-modify-write nothing can be lost or torn, and
//!   there is no data race. Scoped threads are joined before the poll returns,
//!   so the executor's read of the flag after the poll sees their store.
//!
//! No other state is touched without atomics from outside the executor's
//! thread: the executor-private bitmaps are written only by the thread that
//! owns the running `block_on` and by handlers interrupting it, with the
//! single-instruction updates of `plain_word.rs`.
//!
//! # Robustness
//!
//! A stale waker (its task finished, the slot possibly reused) sets a ready
//! bit: the executor masks ready bits with its `run` bitmap, so a freed slot is
//! never polled, and a reused slot gets at most one spurious poll, which every
//! `Future` must tolerate. No generation tag is needed, so none is paid for.
//! Ids that name no registered pool are ignored. Foreign wakers given to bitwake
//! futures (e.g. `JoinHandle` polled by another executor) are stored and woken
//! like any `Waker`; bitwake never asks a waker where it came from except to
//! *recognise its own* (by vtable address) as a cheap path, and never panics
//! on one it does not recognise.

use super::exec_core::ExecCore;
use super::registry;
use super::running_here;
use super::task_id::TaskId;
use core::ptr;
use core::task::{RawWaker, RawWakerVTable, Waker};

static REMOTE: RawWakerVTable = RawWakerVTable::new(r_clone, r_wake, r_wake, r_drop);
static LOCAL: RawWakerVTable = RawWakerVTable::new(l_clone, l_wake, l_wake, l_drop);
static LOCAL_MAIN: RawWakerVTable = RawWakerVTable::new(lm_clone, l_wake, l_wake, l_drop);
static MAIN: RawWakerVTable = RawWakerVTable::new(m_clone, m_wake, m_wake, m_drop);

/// The remote waker of task `id`.
#[inline]
fn remote_raw(id: TaskId) -> RawWaker {
    RawWaker::new(ptr::without_provenance(id.to_bits()), &REMOTE)
}

/// The local waker for the tasks `core` polls. Only the executor creates
/// it, and only lends it as `&Waker` for one poll.
#[inline]
pub(crate) fn local(core: &'static ExecCore) -> Waker {
    // SAFETY: LOCAL's functions take the pointer to a `'static` ExecCore and
    // only use its atomics.
    unsafe { Waker::from_raw(RawWaker::new((core as *const ExecCore).cast(), &LOCAL)) }
}

/// The local waker for `core`'s `block_on` future: as [`local`], but its
/// clone is the main future's remote waker. (A separate vtable, so that
/// cloning a task's local waker needs no test of what is being polled.)
#[inline]
pub(crate) fn local_main(core: &'static ExecCore) -> Waker {
    // SAFETY: LOCAL_MAIN's functions take the pointer to a `'static`
    // ExecCore and only use its atomics.
    unsafe { Waker::from_raw(RawWaker::new((core as *const ExecCore).cast(), &LOCAL_MAIN)) }
}

/// Whose waker a `Waker` is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Owner {
    /// A task in a pool.
    Task(TaskId),
    /// The `block_on` future of this executor.
    Main(*const ExecCore),
    /// Not a bitwake waker.
    Foreign,
}

/// Who `w` wakes, if it is a bitwake waker.
#[inline]
pub(crate) fn owner(w: &Waker) -> Owner {
    // The lent wakers first: a join handle awaited directly sees one of them.
    let vt = w.vtable();
    if ptr::eq(vt, &LOCAL) {
        // SAFETY: LOCAL data is always a `'static` ExecCore.
        Owner::Task(unsafe { &*w.data().cast::<ExecCore>() }.current())
    } else if ptr::eq(vt, &LOCAL_MAIN) || ptr::eq(vt, &MAIN) {
        Owner::Main(w.data().cast())
    } else if ptr::eq(vt, &REMOTE) {
        Owner::Task(TaskId::from_bits(w.data().addr()))
    } else {
        Owner::Foreign
    }
}

unsafe fn r_clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &REMOTE)
}
unsafe fn r_wake(data: *const ()) {
    registry::wake(TaskId::from_bits(data.addr()));
}
unsafe fn r_drop(_: *const ()) {}

unsafe fn l_clone(data: *const ()) -> RawWaker {
    // SAFETY: LOCAL data is always a `'static` ExecCore.
    remote_raw(unsafe { &*data.cast::<ExecCore>() }.current())
}
unsafe fn lm_clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &MAIN)
}
unsafe fn l_wake(data: *const ()) {
    // SAFETY: LOCAL data is always a `'static` ExecCore.
    unsafe { &*data.cast::<ExecCore>() }.set_self_woken();
}
unsafe fn l_drop(_: *const ()) {}

unsafe fn m_clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &MAIN)
}
unsafe fn m_wake(data: *const ()) {
    // SAFETY: MAIN data is always a `'static` ExecCore.
    let core = unsafe { &*data.cast::<ExecCore>() };
    if running_here::is(core) {
        // SAFETY: `core` runs on this thread (see `running_here.rs`).
        unsafe { core.wake_main_local() };
    } else {
        core.wake_main();
    }
}
unsafe fn m_drop(_: *const ()) {}
