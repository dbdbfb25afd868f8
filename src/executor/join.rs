//! Spawn tokens, join handles and their errors.

use super::SpawnError;
use super::atomic::Ordering::*;
use super::header::{self, Header};
use super::pool::{self, ABORT, CANCELLED, DETACHED, DONE, FLAGS, FOREIGN, JOINER_SHIFT, PANICKED};
use super::registry;
use super::run::ExecCore;
use super::waker;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll};

/// A task that has been created in its pool but not yet handed to an
/// executor. Returned by the functions that [`task!`](crate::task) declares;
/// pass it to [`Executor::spawn`](super::Executor::spawn) or
/// [`spawn`](super::spawn).
///
/// If the pool was full it carries the [`SpawnError`], which `spawn` returns.
/// Dropping an unspawned token drops the future and frees its slot.
#[must_use = "a task does nothing until it is spawned"]
pub struct SpawnToken<T> {
    inner: Result<(NonNull<Header>, usize), SpawnError>,
    _out: PhantomData<fn() -> T>,
}

// SAFETY: the future behind the token is `Send` (required by `spawn_token`).
unsafe impl<T: Send> Send for SpawnToken<T> {}

impl<T> SpawnToken<T> {
    pub(crate) fn ok(h: *const Header, slot: usize) -> Self {
        // SAFETY: `h` comes from a reference to a static pool (non-null).
        let h = unsafe { NonNull::new_unchecked(h.cast_mut()) };
        Self {
            inner: Ok((h, slot)),
            _out: PhantomData,
        }
    }
    pub(crate) fn err(e: SpawnError) -> Self {
        Self {
            inner: Err(e),
            _out: PhantomData,
        }
    }
    /// Whether the task was created (the pool had room).
    pub fn is_ok(&self) -> bool {
        self.inner.is_ok()
    }
    /// Gives up ownership of the slot (the caller now starts the task).
    pub(crate) fn into_parts(self) -> Result<(*const Header, usize), SpawnError> {
        let me = core::mem::ManuallyDrop::new(self);
        match me.inner {
            Ok((h, s)) => Ok((h.as_ptr().cast_const(), s)),
            Err(e) => Err(e),
        }
    }
}

impl<T> Drop for SpawnToken<T> {
    fn drop(&mut self) {
        if let Ok((h, slot)) = self.inner {
            // SAFETY: a token exists only for a created task, so the pool's
            // table is installed, and the token owns the slot's future.
            unsafe { (header::vt(h.as_ptr()).drop_unspawned)(h.as_ptr(), slot) };
        }
    }
}

impl<T> fmt::Debug for SpawnToken<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnToken")
            .field("ok", &self.inner.is_ok())
            .finish()
    }
}

/// Why a task produced no output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinError {
    /// The task was aborted, or dropped when its executor shut down.
    Cancelled,
    /// The task's poll panicked (only observable where panics unwind).
    Panicked,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JoinError::Cancelled => "task was cancelled",
            JoinError::Panicked => "task panicked",
        })
    }
}

/// An owned permission to await a task's output (like tokio's `JoinHandle`).
///
/// Awaiting it yields `Ok(output)`, or `Err(JoinError)` if the task was
/// aborted, dropped at shutdown, or panicked. Dropping the handle detaches the
/// task: it keeps running and its output is dropped when it finishes. The
/// output waits in the task's slot, so the slot is freed when the output is
/// taken (or dropped). Works when awaited from any executor.
pub struct JoinHandle<T> {
    h: NonNull<Header>,
    /// `usize::MAX` once the output (or error) has been taken.
    slot: usize,
    _out: PhantomData<T>,
}

// SAFETY: the handle moves `T` across threads only if `T: Send`; all shared
// state is atomic.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only allows `is_finished` and `abort` (atomics).
unsafe impl<T: Send> Sync for JoinHandle<T> {}
impl<T> Unpin for JoinHandle<T> {}

const TAKEN: usize = usize::MAX;

impl<T> JoinHandle<T> {
    pub(crate) fn new(h: *const Header, slot: usize) -> Self {
        // SAFETY: from a reference to a static pool (non-null).
        let h = unsafe { NonNull::new_unchecked(h.cast_mut()) };
        Self {
            h,
            slot,
            _out: PhantomData,
        }
    }

    #[inline]
    fn meta(&self) -> &super::atomic::AtomicU32 {
        // SAFETY: a task was created in the pool (its sizes are set), and a
        // live handle means the slot is still ours.
        unsafe { pool::meta_of(self.h.as_ptr(), self.slot) }
    }

    /// Whether the task has stopped (finished, aborted, or panicked). Also
    /// true after the output has been taken.
    pub fn is_finished(&self) -> bool {
        self.slot == TAKEN || self.meta().load(Acquire) & DONE != 0
    }

    /// Asks the task to stop. The executor drops the future in place (instead
    /// of polling it) on its next pass and frees the slot once this handle has
    /// observed it; awaiting the handle then yields `Err(JoinError::Cancelled)`.
    /// No effect on a task that has already finished. Callable from any
    /// thread.
    pub fn abort(&self) {
        if self.slot == TAKEN {
            return;
        }
        let prev = self.meta().fetch_or(ABORT, AcqRel);
        crate::trace!("abort task slot {}", self.slot);
        if prev & DONE == 0 {
            // SAFETY: a live handle's pool header is registered and static.
            unsafe { header::wake_slot(self.h.as_ptr(), self.slot) };
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(self.slot != TAKEN, "JoinHandle polled after completion");
        let meta = self.meta();
        let mut m = meta.load(Acquire);
        let mut joiner = 0;
        loop {
            if m & DONE != 0 {
                let r = if m & PANICKED != 0 {
                    Err(JoinError::Panicked)
                } else if m & CANCELLED != 0 {
                    Err(JoinError::Cancelled)
                } else {
                    // SAFETY: DONE without CANCELLED: the slot holds the output
                    // (union at offset 0), published by the AcqRel `fetch_or`
                    // we synchronised with; the handle is its only owner.
                    Ok(unsafe { self.output_ptr().read() })
                };
                let (h, slot) = (self.h.as_ptr(), self.slot);
                self.slot = TAKEN;
                // SAFETY: nothing live remains in the slot, which we own.
                unsafe { pool::release_slot(h, slot) };
                return Poll::Ready(r);
            }
            if joiner == 0 {
                joiner = match waker::id_of(cx.waker()) {
                    Some(id) => id as u32 + 1,
                    None => {
                        // SAFETY: static header.
                        unsafe { self.h.as_ref() }.foreign.register(cx.waker());
                        FOREIGN
                    }
                };
            }
            if m >> JOINER_SHIFT == joiner {
                return Poll::Pending;
            }
            match meta.compare_exchange_weak(
                m,
                (m & FLAGS) | (joiner << JOINER_SHIFT),
                AcqRel,
                Acquire,
            ) {
                Ok(_) => return Poll::Pending,
                Err(now) => m = now,
            }
        }
    }
}

impl<T> JoinHandle<T> {
    fn output_ptr(&self) -> *mut T {
        if core::mem::size_of::<T>() == 0 {
            // Nothing to read or drop in place needs an address: spare the
            // indirect call (`async fn` tasks returning `()` are common).
            return core::ptr::NonNull::dangling().as_ptr();
        }
        // SAFETY: table installed; see `meta`.
        unsafe { (header::vt(self.h.as_ptr()).slot_ptr)(self.h.as_ptr(), self.slot) }.cast()
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if self.slot == TAKEN {
            return;
        }
        // `fetch_add` is `fetch_or` here (one `lock xadd` on x86): only this
        // drop sets DETACHED, once.
        let prev = self.meta().fetch_add(DETACHED, AcqRel);
        debug_assert_eq!(prev & DETACHED, 0);
        if prev & DONE != 0 {
            if prev & CANCELLED == 0 {
                // SAFETY: finished with an output nobody took; we own it.
                unsafe { core::ptr::drop_in_place(self.output_ptr()) };
            }
            // SAFETY: the slot holds nothing live now, and we own it.
            unsafe { pool::release_slot(self.h.as_ptr(), self.slot) };
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("slot", &self.slot)
            .finish()
    }
}

/// Wakes the joiner recorded in a metadata word (`joiner` = id + 1, 0 = none).
/// `core` is the executor whose thread is calling (completions happen on
/// the executor's thread): a joiner bound to that same executor is woken
/// through its private bitmap, with no atomic read-modify-write.
pub(crate) fn wake_joiner(h: &Header, joiner: u32, core: Option<&ExecCore>) {
    if joiner == FOREIGN {
        h.foreign.wake();
    } else if joiner != 0 {
        let id = joiner as usize - 1;
        match core {
            Some(core) => core.wake_from_executor(id),
            None => registry::wake_id(id),
        }
    }
}

const _: () = assert!(DETACHED & FLAGS != 0);
