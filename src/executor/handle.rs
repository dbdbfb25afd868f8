//! Join handles: awaiting, aborting and detaching a spawned task.

use super::atomic::{AtomicU32, Ordering::*};
use super::error::JoinError;
use super::header::{self, Header};
use super::layout;
use super::slot_state::{ABORT, CANCELLED, DETACHED, DONE, FLAGS, JOINER_SHIFT, Joiner, PANICKED};
use super::waker::{self, Owner};
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::task::{Context, Poll};

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

// SAFETY: the handle never touches the task's future (only its executor's
// thread polls and drops it); it reads or drops the output, which crosses
// threads only if `T: Send`. All shared state is atomic.
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
    fn meta(&self) -> &AtomicU32 {
        // SAFETY: a task was created in the pool (its sizes are set), and a
        // live handle means the slot is still ours.
        unsafe { layout::meta_of(self.h.as_ptr(), self.slot) }
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
                unsafe { layout::release_slot(h, slot) };
                return Poll::Ready(r);
            }
            if joiner == 0 {
                joiner = self.joiner_code(cx);
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
    /// The joiner field for the waker in `cx`: a task's id, the pool's own
    /// executor's `block_on` future, or (stored in the pool's cell) any other
    /// waker.
    #[inline]
    fn joiner_code(&self, cx: &Context<'_>) -> u32 {
        // SAFETY: static header.
        let hdr = unsafe { self.h.as_ref() };
        let joiner = match waker::owner(cx.waker()) {
            Owner::Task(id) => Joiner::Task(id),
            Owner::Main(core) if ptr::eq(core, hdr.exec.load(Acquire)) => Joiner::Main,
            _ => {
                hdr.foreign.register(cx.waker());
                Joiner::Foreign
            }
        };
        joiner.code()
    }

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
            unsafe { layout::release_slot(self.h.as_ptr(), self.slot) };
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
