//! The part of an executor that wakers reach.
//!
//! An [`ExecCore`] is what a pool's header points to once the pool is bound
//! and what the executor's own wakers carry: the `parked` flag and the
//! [`Park`] to rouse, the task being polled (for the lent local waker), and
//! the `block_on` future's ready state. It knows nothing about pools, so the
//! pool headers can point to it without an import circle; the run loop
//! (`run.rs`) owns it inside an [`Executor`](super::Executor).

use super::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use super::park::{Awake, Park};
use super::ready;
use super::task_id::TaskId;

/// The shared core of an executor (see the module docs).
///
/// What wakers on other threads read and write (`parked`, `park`,
/// `main_ready`) and what the executor's thread writes on every poll
/// (`hot`) are 64 bytes apart on 64-bit targets, so `parked` never shares a
/// cache line with `hot`: a remote waker loads `parked` on every wake, and
/// as that line is written only when the executor really parks, the load
/// hits the waker's own cache instead of taking the line from the
/// executor's core after each poll. (A gap rather than an alignment: the
/// executor's size grows by the gap only.)
#[repr(C)]
pub(crate) struct ExecCore {
    parked: AtomicBool,
    park: &'static dyn Park,
    /// The `block_on` future's ready bit (bit 0 of a one-word ready set,
    /// see `ready.rs`): set by its remote wakers.
    main_ready: AtomicUsize,
    _gap: [u8; GAP],
    hot: Hot,
}

/// The bytes between `ExecCore::main_ready` and `ExecCore::hot`: what puts
/// `hot` 64 bytes past `parked` on 64-bit targets (checked below); none on
/// smaller ones (microcontrollers, one core, where the gap would only cost
/// RAM).
const GAP: usize = if cfg!(target_pointer_width = "64") {
    64 - 2 * core::mem::size_of::<usize>() - core::mem::size_of::<&'static dyn Park>()
} else {
    0
};

#[cfg(target_pointer_width = "64")]
const _: () =
    assert!(core::mem::offset_of!(ExecCore, hot) >= core::mem::offset_of!(ExecCore, parked) + 64);

/// The executor thread's per-poll state (see [`ExecCore`]).
struct Hot {
    self_woken: AtomicBool,
    /// The bits of the `TaskId` last polled.
    current: AtomicUsize,
    /// The `block_on` future was woken on the executor's own thread (its own
    /// `Context`, a task it awaits finished, or one of its remote wakers
    /// while the executor runs there, see `running_here.rs`). Written only by that
    /// thread and its signal handlers: stores of `true`, and the executor's
    /// clear after it has seen `true` (a wake racing the clear is covered by
    /// the poll that follows it).
    main_local: AtomicBool,
}

impl ExecCore {
    pub(crate) const fn new(park: &'static dyn Park) -> Self {
        Self {
            parked: AtomicBool::new(false),
            park,
            main_ready: AtomicUsize::new(0),
            _gap: [0; GAP],
            hot: Hot {
                self_woken: AtomicBool::new(false),
                current: AtomicUsize::new(0),
                main_local: AtomicBool::new(false),
            },
        }
    }

    /// The task being polled (read by the local waker's `clone`).
    #[inline]
    pub(crate) fn current(&self) -> TaskId {
        TaskId::from_bits(self.hot.current.load(Relaxed))
    }
    /// The local waker's `wake`: an idempotent store, see `waker.rs`.
    #[inline]
    pub(crate) fn set_self_woken(&self) {
        self.hot.self_woken.store(true, Relaxed);
    }
    /// Before polling task `id`.
    ///
    /// `self_woken` is already false here, so a poll costs no store to
    /// reset it: it is only ever set during a poll (the local waker exists
    /// only as `&Waker` inside one), and after every poll the executor
    /// either takes it ([`take_self_woken`](Self::take_self_woken), which
    /// clears it when set) or the run ends (`clear_main` clears it).
    #[inline]
    pub(crate) fn begin_poll(&self, id: TaskId) {
        self.hot.current.store(id.to_bits(), Relaxed);
    }
    /// After a poll: whether the polled future woke itself through its
    /// `Context`; leaves the flag clear for the next poll.
    #[inline]
    pub(crate) fn take_self_woken(&self) -> bool {
        let woken = self.hot.self_woken.load(Relaxed);
        if woken {
            // Only this thread's polls set it, and none is running now.
            self.hot.self_woken.store(false, Relaxed);
        }
        woken
    }

    /// After a remote wake of one of this executor's sets: rouses it if it
    /// is parked.
    #[inline]
    pub(crate) fn notify(&self) {
        if ready::should_unpark(&self.parked) {
            crate::trace!("unpark executor");
            self.park.unpark();
        }
    }

    /// Wakes the `block_on` future from anywhere.
    #[inline]
    pub(crate) fn wake_main(&self) {
        ready::mark_word(&self.main_ready, &self.main_ready, 0, 1, false);
        crate::trace!("wake main future");
        self.notify();
    }

    /// Wakes the `block_on` future from the executor's own thread.
    ///
    /// # Safety
    /// Only the thread running this executor (or a handler interrupting
    /// it) may call it: nothing would unpark the executor otherwise.
    #[inline]
    pub(crate) unsafe fn wake_main_local(&self) {
        self.hot.main_local.store(true, Relaxed);
    }

    /// Takes the `block_on` future's ready state (local and remote).
    ///
    /// # Safety
    /// As [`wake_main_local`](Self::wake_main_local).
    #[inline]
    pub(crate) unsafe fn take_main(&self) -> bool {
        let mut run = self.hot.main_local.load(Relaxed);
        if run {
            // Not a swap: no other thread writes it, and a handler's `true`
            // stored between the load and this store is answered by the poll
            // that follows.
            self.hot.main_local.store(false, Relaxed);
        }
        ready::take(
            core::slice::from_ref(&self.main_ready),
            &self.main_ready,
            |_, _| run = true,
        );
        run
    }

    /// Clears the `block_on` future's ready state (a new run starts clean).
    ///
    /// # Safety
    /// As [`wake_main_local`](Self::wake_main_local).
    pub(crate) unsafe fn clear_main(&self) {
        self.main_ready.store(0, Relaxed);
        self.hot.main_local.store(false, Relaxed);
        // A poll that unwound may have left it set.
        self.hot.self_woken.store(false, Relaxed);
    }

    /// Step 0 of parking, before announcing it: the platform's spin
    /// ([`Park::spin`]); true if `pending` ended it.
    #[inline]
    pub(crate) fn spin(&self, pending: &mut dyn FnMut() -> bool) -> bool {
        self.park.spin(pending)
    }
    /// Whether the `block_on` future may be ready (unsynchronised, for a
    /// spin).
    #[inline]
    pub(crate) fn main_maybe_pending(&self) -> bool {
        self.hot.main_local.load(Relaxed)
            || ready::maybe_pending(core::slice::from_ref(&self.main_ready), &self.main_ready)
    }
    /// Step 1 of parking: announce it (wakers from now on unpark).
    #[inline]
    pub(crate) fn begin_park(&self) {
        ready::begin_park(&self.parked);
    }
    /// Step 2, after [`begin_park`](Self::begin_park): whether the
    /// `block_on` future is ready (woken remotely, or locally before the
    /// executor stopped taking the plain path).
    #[inline]
    pub(crate) fn main_pending(&self) -> bool {
        self.hot.main_local.load(Relaxed)
            || ready::any_pending(core::slice::from_ref(&self.main_ready), &self.main_ready)
    }
    /// Step 3: sleep in the platform's park (nothing was pending).
    #[inline]
    pub(crate) fn park(&self) {
        crate::trace!("executor parks");
        self.park.park_awake(None, &Awake::new(&self.parked));
    }
    /// Step 4: awake again.
    #[inline]
    pub(crate) fn end_park(&self) {
        ready::end_park(&self.parked);
    }

    /// The core as `'static` (it only lives inside a `'static` executor).
    #[inline]
    pub(crate) fn as_static(&self) -> &'static ExecCore {
        // SAFETY: an `ExecCore` only exists inside an `Executor`, and every
        // method that reaches here takes `&'static Executor`.
        unsafe { &*(self as *const ExecCore) }
    }
}
