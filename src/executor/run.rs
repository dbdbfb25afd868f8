//! The executor: `block_on`, `spawn`, the run loop, the list of bound pools
//! and shutdown.
//!
//! An executor keeps the pools bound to it in an intrusive list through
//! their headers (`Header::next`): pools are `'static` and bound at most
//! once, never unbound, so the list only ever grows at its tail (a
//! compare-and-swap on the last link; no removal, hence no ABA), and any
//! number of pools can be bound. Each pass walks the list in bind order.

use super::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering::*};
use super::error::{Rejected, SpawnError};
use super::exec_core::ExecCore;
use super::handle::JoinHandle;
use super::header::{self, Header};
use super::layout;
use super::park::Park;
use super::ready;
use super::running_here;
use super::slot_state::SPAWNED;
use super::token::SpawnToken;
use super::waker;
use core::future::Future;
use core::pin::pin;
use core::ptr;
use core::task::{Context, Poll};

/// A single-threaded executor for tasks in static pools. Lives in a `static`.
///
/// ```ignore
/// static PARK: bitwake::executor::SpinPark = bitwake::executor::SpinPark;
/// static EXEC: Executor = Executor::new(&PARK);
/// let v = EXEC.block_on(async { EXEC.spawn(my_task(1)).unwrap().await.unwrap() });
/// ```
///
/// One thread at a time runs it (`block_on` panics if it is already running);
/// `spawn` (of `Send` tasks), wakers and join handles work from any thread or
/// interrupt. Tasks that are not `Send` are started through the
/// [`LocalSpawner`](super::LocalSpawner) that
/// [`block_on_local`](Executor::block_on_local) hands to its future.
pub struct Executor {
    core: ExecCore,
    /// The first pool bound to this executor (null: none yet).
    pools: AtomicPtr<Header>,
    running: AtomicBool,
    /// Names the current run (see `spawner.rs`): changed at the start of
    /// every `block_on` and at the start of its shutdown, only by the thread
    /// that holds `running`. Saturates at `usize::MAX`, which names no run.
    epoch: AtomicUsize,
}

// SAFETY: the executor's shared fields are atomic (the core's private ready
// state is written only by the thread holding `running` and its handlers,
// see `running_here.rs`); `park` is `Sync`.
unsafe impl Sync for Executor {}

impl Executor {
    /// A new executor that sleeps through `park` when idle.
    pub const fn new(park: &'static dyn Park) -> Self {
        Self {
            core: ExecCore::new(park),
            pools: AtomicPtr::new(ptr::null_mut()),
            running: AtomicBool::new(false),
            epoch: AtomicUsize::new(0),
        }
    }

    /// Runs `fut` to completion on the current thread, polling spawned tasks
    /// in between, and returns its output. The future needs no pool slot.
    ///
    /// When it returns (or unwinds), tasks still running on this executor are
    /// dropped in place (pool by pool, in the order the pools were bound,
    /// slot by slot); their handles yield `Err(JoinError::Cancelled)`. The
    /// executor can then be used again.
    ///
    /// # Panics
    /// If this executor is already running (re-entrant or concurrent call).
    pub fn block_on<F: Future>(&'static self, fut: F) -> F::Output {
        self.run(move |_| fut)
    }

    /// The run loop: `make` builds the main future from the run's epoch.
    #[inline]
    pub(crate) fn run<F: Future>(&'static self, make: impl FnOnce(usize) -> F) -> F::Output {
        assert!(
            !self.running.swap(true, Acquire),
            "bitwake: executor is already running"
        );
        let epoch = self.next_epoch();
        let core = self.core.as_static();
        // From here until shutdown, wakes on this thread take the plain path
        // (see `running_here.rs`); a nested `block_on` of another executor saves
        // and restores this.
        let outer = running_here::replace(core);
        let _guard = Shutdown(self, outer);
        let lw = waker::local_main(core);
        let mut cx = Context::from_waker(&lw);
        let mut fut = pin!(make(epoch));
        // SAFETY: this thread runs the executor (it holds `running`); so do
        // all the executor-thread-only calls below.
        unsafe { core.wake_main_local() };
        loop {
            let mut polled = false;
            // SAFETY: see above.
            if unsafe { core.take_main() } {
                polled = true;
                crate::trace!("poll main future");
                if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                    return v;
                }
                if core.take_self_woken() {
                    // SAFETY: see above.
                    unsafe { core.wake_main_local() };
                }
            }
            polled |= self.run_pools();
            if !polled {
                self.idle();
            }
        }
    }

    /// Whether `epoch` names the run in progress. On the thread that
    /// received `epoch` from [`run`](Self::run), true exactly while that run
    /// lasts (before its shutdown starts).
    #[inline]
    pub(crate) fn is_current_run(&self, epoch: usize) -> bool {
        // Relaxed: if `epoch` came from a run on this thread, that run's own
        // later stores are the only ones that could make it stale, and this
        // thread sees its own stores.
        epoch != usize::MAX && self.epoch.load(Relaxed) == epoch
    }

    /// Starts a new epoch (the caller holds `running`).
    fn next_epoch(&self) -> usize {
        let e = self.epoch.load(Relaxed).saturating_add(1);
        self.epoch.store(e, Relaxed);
        e
    }

    /// One pass over every bound pool.
    #[inline]
    fn run_pools(&'static self) -> bool {
        let mut h = self.pools.load(Acquire);
        let mut polled = false;
        while !h.is_null() {
            // SAFETY: listed pools are bound to this executor, so their table
            // is installed, and only this (running) executor's thread calls
            // `run`.
            polled |= unsafe { (header::vt(h).run)(h, &self.core) };
            // SAFETY: a static pool header.
            h = unsafe { (*h).next.load(Acquire) };
        }
        polled
    }

    /// Nothing was polled in the last pass: park unless something is pending.
    ///
    /// Wakes on this thread stop taking the plain path first: a signal
    /// handler that runs from then on takes the atomic path, which unparks;
    /// one that ran before has left private bits, which the check below
    /// sees (see `running_here.rs`).
    #[cold]
    fn idle(&'static self) {
        let core = &self.core;
        let me = running_here::replace(ptr::null());
        // The park may first spin on the ready state, unannounced: a wake
        // meanwhile writes only its ready word (`ready.rs`).
        if core.spin(&mut || self.maybe_pending()) {
            running_here::replace(me);
            return;
        }
        core.begin_park();
        let mut pending = core.main_pending();
        let mut h = self.pools.load(SeqCst);
        while !h.is_null() && !pending {
            // SAFETY: listed pools are static pool headers with their sizes
            // set (a pool is listed once its first task exists).
            pending = unsafe {
                layout::local_pending(h)
                    || ready::any_pending(header::ready_words(h), &(*h).summary)
            };
            // SAFETY: as above.
            h = unsafe { (*h).next.load(SeqCst) };
        }
        if !pending {
            core.park();
        }
        core.end_park();
        running_here::replace(me);
    }

    /// Whether anything may be ready (unsynchronised loads, for a spin:
    /// the next pass's `take`s synchronise).
    #[inline]
    fn maybe_pending(&self) -> bool {
        if self.core.main_maybe_pending() {
            return true;
        }
        let mut h = self.pools.load(Acquire);
        while !h.is_null() {
            // SAFETY: as in `idle`.
            if unsafe {
                layout::local_pending(h)
                    || ready::maybe_pending(header::ready_words(h), &(*h).summary)
            } {
                return true;
            }
            // SAFETY: a static pool header.
            h = unsafe { (*h).next.load(Acquire) };
        }
        false
    }

    /// Starts a task created by a [`task!`](crate::task) function on this
    /// executor and returns its handle, or the error the token carries
    /// ([`SpawnError::Full`] when the pool had no free slot). Callable from
    /// any thread, before or during `block_on`; so the task's future and
    /// output must be `Send` (see [`LocalSpawner`](super::LocalSpawner) for
    /// tasks that are not).
    ///
    /// A pool is bound to the first executor that spawns one of its tasks;
    /// spawning its tasks on another executor returns
    /// [`SpawnError::OtherExecutor`] (and drops the task). A task function
    /// declared with `cores = C` ([`task!`](crate::task)) has a pool for
    /// each of `C` executors instead, and its task is created here, in this
    /// executor's pool.
    ///
    /// ```compile_fail
    /// use bitwake::executor::{Executor, SpinPark};
    /// use std::rc::Rc;
    ///
    /// bitwake::task! {
    ///     pool_size = 1;
    ///     async fn holds(rc: Rc<u32>) -> u32 {
    ///         bitwake::executor::yield_now().await;
    ///         *rc
    ///     }
    /// }
    ///
    /// static PARK: SpinPark = SpinPark;
    /// static EXEC: Executor = Executor::new(&PARK);
    /// // error: future cannot be sent between threads safely
    /// let _ = EXEC.spawn(holds(Rc::new(1)));
    /// ```
    pub fn spawn<F, A>(
        &'static self,
        token: SpawnToken<F, A>,
    ) -> Result<JoinHandle<F::Output>, SpawnError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        // SAFETY: the future and its output are `Send`: any thread may start
        // the task, poll it and take its output.
        unsafe { self.start(token) }.map_err(|r| r.error)
    }

    /// [`spawn`](Self::spawn) that hands back what it could not take: the
    /// error and, when the pool was full or unregistered, the task
    /// function's arguments unchanged (see [`Rejected`]).
    pub fn try_spawn<F, A>(
        &'static self,
        token: SpawnToken<F, A>,
    ) -> Result<JoinHandle<F::Output>, Rejected<A>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        // SAFETY: as in `spawn`.
        unsafe { self.start(token) }
    }

    /// [`spawn`](Self::spawn) without the `Send` bounds.
    ///
    /// # Safety
    /// If `F` or its output is not `Send`, the caller must be on the thread
    /// running this executor, within the run that will poll and drop the
    /// task (what `LocalSpawner` checks with the run's epoch), and the token
    /// must have been created on this thread (a token is `Send` only if `F`
    /// is).
    #[inline]
    pub(crate) unsafe fn start<F: Future, A>(
        &'static self,
        token: SpawnToken<F, A>,
    ) -> Result<JoinHandle<F::Output>, Rejected<A>> {
        let (h, slot) = token.into_parts(self.core.as_static())?;
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
                    self.append(h);
                    me
                }
                Err(e) => e,
            };
        }
        if bound != me {
            // SAFETY: we still own the unspawned future in `slot`.
            unsafe { (header::vt(h).drop_unspawned)(h, slot) };
            return Err(Rejected {
                error: SpawnError::OtherExecutor,
                args: None,
            });
        }
        // SAFETY: the token owned the slot, so nothing else writes its
        // metadata until the handle below exists; the pool is registered.
        unsafe {
            // Release: the executor's Acquire load of the metadata sees the
            // future.
            layout::meta_of(h, slot).store(SPAWNED, Release);
            if running_here::is(me) {
                // Spawned on the thread running this executor: its private
                // bits, no unpark (see `running_here.rs`).
                layout::wake_local(h, slot);
            } else {
                header::mark_slot(h, slot);
                // The pool is bound to this executor: no need to look it up.
                self.core.notify();
            }
        }
        crate::trace!("spawn task {}:{slot}", hdr.index());
        Ok(JoinHandle::new(h, slot))
    }

    /// Appends the pool `h` (just bound to this executor, so not yet listed)
    /// to the list of bound pools.
    #[cold]
    fn append(&self, h: *const Header) {
        let mut link = &self.pools;
        loop {
            // SeqCst: the executor's `idle` either sees the pool (and its
            // ready bits) or the spawn that follows sees `parked` (see
            // `ready.rs`).
            match link.compare_exchange(ptr::null_mut(), h.cast_mut(), SeqCst, Acquire) {
                Ok(_) => return,
                // SAFETY: listed entries are static pool headers.
                Err(next) => link = unsafe { &(*next).next },
            }
        }
    }
}

/// Shutdown at the end of `block_on`, also on unwind; puts back the
/// executor that was running on this thread before (null if none).
struct Shutdown(&'static Executor, *const ExecCore);

impl Drop for Shutdown {
    fn drop(&mut self) {
        let exec = self.0;
        // First: wakes from here on (a dropped task's `Drop`, a handler)
        // take the atomic path, so the private bits cleared below stay clear.
        running_here::replace(self.1);
        // Local spawners of this run stop working before any task is dropped
        // (a task's `Drop` could try to start a new one).
        exec.next_epoch();
        let core = &exec.core;
        let mut h = exec.pools.load(Acquire);
        while !h.is_null() {
            // SAFETY: bound pools with their table; we are the executor's
            // thread.
            unsafe { (header::vt(h).shutdown)(h, core) };
            // SAFETY: a static pool header.
            h = unsafe { (*h).next.load(Acquire) };
        }
        // SAFETY: executor thread.
        unsafe { core.clear_main() };
        exec.running.store(false, Release);
    }
}
