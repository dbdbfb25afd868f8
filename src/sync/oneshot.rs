//! [`OneShot`]: a slot that is filled once, or closed, and awaited.

use super::Lock;
use super::channel::{RecvError, TryRecvError};
use crate::waitlist::{WaitList, Waiter};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// A one-shot value, usable from a `static`: one [`send`](Self::send) (or a
/// [`close`](Self::close)) completes every waiting [`recv`](Self::recv);
/// the first to run takes the value, the others get [`RecvError::Closed`].
///
/// ```
/// use bitwake::sync::OneShot;
/// static ANSWER: OneShot<u32> = OneShot::new();
/// assert_eq!(ANSWER.send(42), Ok(()));
/// assert_eq!(ANSWER.send(43), Err(43));
/// assert_eq!(ANSWER.try_recv(), Ok(42));
/// ```
///
/// [`reset`](Self::reset) makes a finished slot usable again.
pub struct OneShot<T> {
    state: Lock<State<T>>,
}

struct State<T> {
    value: Option<T>,
    /// Sent or closed: no further send.
    done: bool,
    waiters: WaitList,
}

impl<T> OneShot<T> {
    /// An empty, open slot.
    pub const fn new() -> Self {
        OneShot {
            state: Lock::new(State {
                value: None,
                done: false,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Fills the slot and wakes the waiters; gives `value` back if the slot
    /// was already filled or closed.
    pub fn send(&self, value: T) -> Result<(), T> {
        let r = self.state.with(|s| {
            if s.done {
                return Err(value);
            }
            s.done = true;
            s.value = Some(value);
            Ok(())
        });
        if r.is_ok() {
            self.wake_all();
        }
        r
    }

    /// Closes the slot without a value: waiting and later receives get
    /// [`RecvError::Closed`] (once a sent value is taken, if there was one).
    pub fn close(&self) {
        self.state.with(|s| s.done = true);
        self.wake_all();
    }

    /// Takes the value if it is there. Never waits.
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.state.with(|s| match s.value.take() {
            Some(v) => Ok(v),
            None if s.done => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        })
    }

    /// Waits for the value.
    pub fn recv(&self) -> OneShotRecv<'_, T> {
        OneShotRecv {
            slot: self,
            waiter: Waiter::new(),
        }
    }

    /// Empties and reopens the slot for another round, dropping a value
    /// nobody took. Tasks still waiting keep waiting for the next send.
    pub fn reset(&self) {
        let old = self.state.with(|s| {
            s.done = false;
            s.value.take()
        });
        drop(old);
    }

    fn wake_all(&self) {
        while let Some(w) = self.state.with(|s| s.waiters.take()) {
            w.wake();
        }
    }
}

impl<T> Default for OneShot<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for OneShot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (full, done) = self.state.with(|s| (s.value.is_some(), s.done));
        f.debug_struct("OneShot")
            .field("full", &full)
            .field("done", &done)
            .finish()
    }
}

/// The future returned by [`OneShot::recv`]. `!Unpin`: its waiter node is
/// linked into the slot while it waits.
#[must_use = "futures do nothing unless awaited"]
pub struct OneShotRecv<'a, T> {
    slot: &'a OneShot<T>,
    waiter: Waiter,
}

impl<T> Future for OneShotRecv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `waiter` is never moved out of the pinned future, and
        // `Drop` unlinks it before its memory can be reused.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above (structural pinning of `waiter`).
        let waiter = unsafe { Pin::new_unchecked(&this.waiter) };
        let (r, removed) = this.slot.state.with(|s| {
            if let Some(v) = s.value.take() {
                // SAFETY: under the state lock; the node is in this list or
                // in none.
                return (Poll::Ready(Ok(v)), unsafe { s.waiters.remove(waiter) });
            }
            if s.done {
                // SAFETY: as above.
                return (Poll::Ready(Err(RecvError::Closed)), unsafe {
                    s.waiters.remove(waiter)
                });
            }
            // SAFETY: under the state lock; this node only ever joins this
            // slot's list; `Drop` removes it.
            unsafe { s.waiters.push(waiter, cx.waker()) };
            (Poll::Pending, None::<Waker>)
        });
        drop(removed);
        r
    }
}

impl<T> Drop for OneShotRecv<'_, T> {
    fn drop(&mut self) {
        if !self.waiter.is_linked() {
            // `false` is final: no list touches the node again (see
            // `Waiter::is_linked`).
            return;
        }
        // SAFETY: the node was pushed from a pinned future, and this is its
        // last use.
        let waiter = unsafe { Pin::new_unchecked(&self.waiter) };
        // SAFETY: under the state lock; the node is in this list or none.
        let w = self
            .slot
            .state
            .with(|s| unsafe { s.waiters.remove(waiter) });
        drop(w);
    }
}
