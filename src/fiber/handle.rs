//! A fiber's [`JoinHandle`]: its task's handle plus where its result is.

use super::control::{self, Control};
use crate::executor::{self, JoinError};
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll, ready};

/// An owned permission to await a fiber's result.
///
/// Awaiting it yields `Ok(result)` once the fiber's closure has returned,
/// or `Err(JoinError::Cancelled)` if the fiber was aborted or dropped at its
/// executor's shutdown. Dropping the handle detaches the fiber: it runs on,
/// and its result is dropped when it finishes. The result waits at the top
/// of the fiber's stack, so the stack is free again once the result has been
/// taken (or the handle dropped, for a finished fiber).
pub struct JoinHandle<T> {
    task: executor::JoinHandle<()>,
    ctl: NonNull<Control>,
    out: *mut T,
    /// The handle side is done with the frame.
    off: bool,
    _out: PhantomData<T>,
}

// SAFETY: the handle touches the frame's state word (atomic) and reads or
// drops the result, which crosses threads only if `T: Send`.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only allows `is_finished` and `abort` (atomics).
unsafe impl<T: Send> Sync for JoinHandle<T> {}
impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    pub(crate) fn new(task: executor::JoinHandle<()>, ctl: NonNull<Control>, out: *mut T) -> Self {
        Self {
            task,
            ctl,
            out,
            off: false,
            _out: PhantomData,
        }
    }

    /// Whether the fiber has stopped (finished or cancelled).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Stops the fiber: one not yet started never runs (its closure is
    /// dropped); one suspended in the middle of its closure is never resumed
    /// again, and since its frames may hold values that must not be moved
    /// or overwritten without being dropped, its stack stays claimed for
    /// good. Awaiting the handle then yields `Err(JoinError::Cancelled)`.
    pub fn abort(&self) {
        self.task.abort()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(!self.off, "fiber JoinHandle polled after completion");
        let r = ready!(Pin::new(&mut self.task).poll(cx));
        self.off = true;
        let ctl = self.ctl.as_ptr();
        Poll::Ready(match r {
            Ok(()) => {
                // SAFETY: the task finished, so the fiber side stored the
                // result and is done (its `fetch_or` happened before the task
                // completed, which we synchronised with); we take it once,
                // then hand the frame over.
                let v = unsafe { self.out.read() };
                // SAFETY: the handle side's one `handle_off`.
                unsafe { control::handle_off(ctl, true) };
                Ok(v)
            }
            Err(e) => {
                // SAFETY: as above; there is no result.
                unsafe { control::handle_off(ctl, false) };
                Err(e)
            }
        })
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if !self.off {
            // SAFETY: the handle side's one `handle_off`; the frame lives
            // until it.
            unsafe { control::handle_off(self.ctl.as_ptr(), false) };
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("fiber::JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}
