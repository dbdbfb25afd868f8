//! The executor: `block_on`, `spawn`, the run loop and shutdown.

use super::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use super::header::{self, Header};
use super::join::{JoinHandle, SpawnToken};
use super::park::{Awake, Park};
use super::pool::{self, SPAWNED};
use super::registry;
use super::{SpawnError, ready, waker};
use core::cell::UnsafeCell;
use core::future::Future;
use core::pin::pin;
use core::ptr;
use core::task::{Context, Poll};

/// The shared part of an executor that wakers reach (through the registry
/// and the pools' `exec` pointer). `#[repr(C)]` with the header first: the
/// executor's `block_on` future is slot 0 of its own one-word ready set.
#[repr(C)]
pub(crate) struct ExecCore {
    header: Header,
    main_ready: [AtomicUsize; 1],
    parked: AtomicBool,
    running: AtomicBool,
    self_woken: AtomicBool,
    current: AtomicUsize,
    /// Registry indexes of the pools bound to this executor.
    bound: AtomicUsize,
    park: &'static dyn Park,
    /// Executor thread only: the `block_on` future was woken from the
    /// executor itself (its own `Context`, or a task it awaits finished).
    main_local: UnsafeCell<bool>,
}

impl ExecCore {
    /// Id of the task being polled (read by the local waker's `clone`).
    #[inline]
    pub(crate) fn current(&self) -> usize {
        self.current.load(Relaxed)
    }
    /// The local waker's `wake`: an idempotent store, see `waker.rs`.
    #[inline]
    pub(crate) fn set_self_woken(&self) {
        self.self_woken.store(true, Relaxed);
    }
    #[inline]
    pub(crate) fn begin_poll(&self, id: usize) {
        self.current.store(id, Relaxed);
        self.self_woken.store(false, Relaxed);
    }
    #[inline]
    pub(crate) fn take_self_woken(&self) -> bool {
        self.self_woken.load(Relaxed)
    }
    /// After a remote wake of one of this executor's sets.
    #[inline]
    pub(crate) fn notify(&self) {
        if ready::should_unpark(&self.parked) {
            crate::trace!("unpark executor");
            self.park.unpark();
        }
    }
    #[inline]
    pub(crate) fn as_static(&self) -> &'static ExecCore {
        // SAFETY: an `ExecCore` only exists inside an `Executor`, and every
        // method that reaches here takes `&'static Executor`.
        unsafe { &*(self as *const ExecCore) }
    }
    fn hdr(&self) -> *const Header {
        (self as *const Self).cast()
    }

    /// Wakes task `id` from this executor's own thread (inside its run loop):
    /// tasks bound to this executor, and its `block_on` future, are re-queued
    /// in executor-private bitmaps with plain stores; anything else takes the
    /// atomic path.
    #[inline]
    pub(crate) fn wake_from_executor(&self, id: usize) {
        // The common joiner: this executor's `block_on` future (slot 0 of
        // its own set).
        if id == registry::id(self.header.index.load(Relaxed).wrapping_sub(1), 0) {
            // SAFETY: executor thread only.
            unsafe { *self.main_local.get() = true };
            return;
        }
        let h = registry::get(id >> registry::SLOT_BITS);
        if h.is_null() {
            return;
        }
        let slot = id & (registry::MAX_CAPACITY - 1);
        // SAFETY: registered headers are static.
        let hdr = unsafe { &*h };
        if slot >= hdr.capacity() {
            return;
        }
        if ptr::eq(hdr.exec.load(Relaxed), self) {
            if ptr::eq(h, self.hdr()) {
                // SAFETY: executor thread only.
                unsafe { *self.main_local.get() = true };
            } else {
                // SAFETY: a pool bound to this executor (so a task was
                // created in it), on its thread; `slot < capacity`.
                unsafe { pool::wake_local(h, slot) };
            }
        } else {
            // SAFETY: registered static header, `slot < capacity`.
            unsafe { header::wake_slot(h, slot) };
        }
    }
}

/// A single-threaded executor for tasks in static pools. Lives in a `static`.
///
/// ```ignore
/// static PARK: bitwake::executor::SpinPark = bitwake::executor::SpinPark;
/// static EXEC: Executor = Executor::new(&PARK);
/// let v = EXEC.block_on(async { EXEC.spawn(my_task(1)).unwrap().await.unwrap() });
/// ```
///
/// One thread at a time runs it (`block_on` panics if it is already running);
/// `spawn`, wakers and join handles work from any thread or interrupt.
pub struct Executor {
    core: ExecCore,
}

// SAFETY: see `ExecCore`: shared fields are atomic; `park` is `Sync`.
unsafe impl Sync for Executor {}

impl Executor {
    /// A new executor that sleeps through `park` when idle.
    pub const fn new(park: &'static dyn Park) -> Self {
        Self {
            core: ExecCore {
                header: Header::new(1, 1),
                main_ready: [AtomicUsize::new(0)],
                parked: AtomicBool::new(false),
                running: AtomicBool::new(false),
                self_woken: AtomicBool::new(false),
                current: AtomicUsize::new(0),
                bound: AtomicUsize::new(0),
                park,
                main_local: UnsafeCell::new(false),
            },
        }
    }

    /// Runs `fut` to completion on the current thread, polling spawned tasks
    /// in between, and returns its output. The future needs no pool slot.
    ///
    /// When it returns (or unwinds), tasks still running on this executor are
    /// dropped in place (pool by pool, slot by slot); their handles yield
    /// `Err(JoinError::Cancelled)`. The executor can then be used again.
    ///
    /// # Panics
    /// If this executor is already running (re-entrant or concurrent call), or
    /// if more than [`MAX_POOLS`](super::MAX_POOLS) pools and executors exist.
    pub fn block_on<F: Future>(&'static self, fut: F) -> F::Output {
        let core = &self.core;
        assert!(
            !core.running.swap(true, Acquire),
            "bitwake: executor is already running"
        );
        let _guard = Shutdown(self);
        // SAFETY: the core's header is at offset 0 of a static `repr(C)` struct
        // followed by its one ready word.
        let registered = unsafe { registry::index_of(core.hdr()) };
        // A plain panic with the message `expect` would print (the error can
        // only be `TooManyPools`): `expect` pulled `unwrap_failed` and the
        // error's `Debug` into every program (384 bytes in the demo).
        let Ok(index) = registered else {
            panic!("bitwake: too many pools and executors: TooManyPools");
        };
        core.header
            .exec
            .store(ptr::from_ref(core).cast_mut(), Release);
        let main_id = registry::id(index, 0);
        let lw = waker::local(core);
        let mut cx = Context::from_waker(&lw);
        let mut fut = pin!(fut);
        let main_local = core.main_local.get();
        // SAFETY: `main_local` is only accessed by the thread running this
        // executor (so are all accesses below).
        unsafe { *main_local = true };
        loop {
            let mut polled = false;
            // SAFETY: see above.
            let mut run_main = unsafe { main_local.replace(false) };
            ready::take(&core.main_ready, &core.header.summary, |_, _| {
                run_main = true
            });
            if run_main {
                polled = true;
                crate::trace!("poll main future");
                core.begin_poll(main_id);
                if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                    return v;
                }
                if core.take_self_woken() {
                    // SAFETY: see above.
                    unsafe { *main_local = true };
                }
            }
            polled |= self.run_pools();
            if !polled {
                self.idle();
            }
        }
    }

    /// One pass over every bound pool.
    #[inline]
    fn run_pools(&'static self) -> bool {
        let mut b = self.core.bound.load(Acquire);
        let mut polled = false;
        while b != 0 {
            let i = b.trailing_zeros() as usize;
            b &= b - 1;
            let h = registry::get(i);
            // SAFETY: bound pools are registered, have their table, and only
            // this (running) executor's thread calls `run`.
            polled |= unsafe { (header::vt(h).run)(h, &self.core) };
        }
        polled
    }

    /// Nothing was polled in the last pass: park unless something is pending.
    #[cold]
    fn idle(&'static self) {
        let core = &self.core;
        ready::begin_park(&core.parked);
        let mut pending = ready::any_pending(&core.main_ready, &core.header.summary);
        let mut b = core.bound.load(SeqCst);
        while b != 0 && !pending {
            let i = b.trailing_zeros() as usize;
            b &= b - 1;
            let h = registry::get(i);
            // SAFETY: bound pools are registered static pool headers.
            pending = unsafe { ready::any_pending(header::ready_words(h), &(*h).summary) };
        }
        if !pending {
            crate::trace!("executor parks");
            core.park.park_awake(None, &Awake::new(&core.parked));
        }
        ready::end_park(&core.parked);
    }

    /// Starts a task created by a [`task!`](crate::task) function on this
    /// executor and returns its handle, or the error the token carries
    /// ([`SpawnError::Full`] when the pool had no free slot). Callable from
    /// any thread, before or during `block_on`.
    ///
    /// A pool is bound to the first executor that spawns one of its tasks;
    /// spawning its tasks on another executor returns
    /// [`SpawnError::OtherExecutor`] (and drops the task).
    pub fn spawn<T>(&'static self, token: SpawnToken<T>) -> Result<JoinHandle<T>, SpawnError> {
        let (h, slot) = token.into_parts()?;
        let me = ptr::from_ref(&self.core).cast_mut();
        // SAFETY: a token's header is a registered static pool header.
        let hdr = unsafe { &*h };
        // Bind the pool to this executor on first use (a load first, so the
        // common case costs no read-modify-write).
        let mut bound = hdr.exec.load(Acquire);
        if bound.is_null() {
            bound = match hdr
                .exec
                .compare_exchange(ptr::null_mut(), me, AcqRel, Acquire)
            {
                Ok(_) => {
                    let index = hdr.index.load(Acquire) - 1;
                    self.core.bound.fetch_or(1usize << index, SeqCst);
                    me
                }
                Err(e) => e,
            };
        }
        if bound != me {
            // SAFETY: we still own the unspawned future in `slot`.
            unsafe { (header::vt(h).drop_unspawned)(h, slot) };
            return Err(SpawnError::OtherExecutor);
        }
        // SAFETY: the token owned the slot, so nothing else writes its
        // metadata until the handle below exists; the pool is registered.
        unsafe {
            // Release: the executor's Acquire load of the metadata sees the
            // future.
            pool::meta_of(h, slot).store(SPAWNED, Release);
            header::mark_slot(h, slot);
        }
        // The pool is bound to this executor: no need to look it up.
        self.core.notify();
        crate::trace!(
            "spawn task {}:{slot}",
            hdr.index.load(Relaxed).wrapping_sub(1)
        );
        Ok(JoinHandle::new(h, slot))
    }
}

/// Shutdown at the end of `block_on`, also on unwind.
struct Shutdown(&'static Executor);

impl Drop for Shutdown {
    fn drop(&mut self) {
        let core = &self.0.core;
        let mut b = core.bound.load(Acquire);
        while b != 0 {
            let i = b.trailing_zeros() as usize;
            b &= b - 1;
            let h = registry::get(i);
            // SAFETY: bound, registered pools; we are the executor's thread.
            unsafe { (header::vt(h).shutdown)(h, core) };
        }
        core.main_ready[0].store(0, Relaxed);
        // SAFETY: executor thread.
        unsafe { *core.main_local.get() = false };
        core.running.store(false, Release);
    }
}
