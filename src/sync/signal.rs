//! [`Signal`]: a slot for the latest value, and the tasks waiting for it.
//!
//! Each signalled value goes to one waiter: a new value replaces one nobody
//! took yet. [`signal`](Signal::signal) wakes the first waiter; if that
//! waiter's future is dropped before it takes the value, its `Drop` wakes the
//! next one, so a value never sits unclaimed while a task waits.

use super::Lock;
use crate::waitlist::{WaitList, Waiter};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// The latest value wins: a one-slot mailbox, usable from a `static`.
///
/// ```
/// use bitwake::sync::Signal;
/// static LEVEL: Signal<u8> = Signal::new();
/// LEVEL.signal(1);
/// LEVEL.signal(2);
/// assert_eq!(LEVEL.try_take(), Some(2));
/// assert_eq!(LEVEL.try_take(), None);
/// ```
///
/// It is `Sync` when `T: Send`. On microcontrollers its lock is a critical
/// section, so an interrupt handler may call [`signal`](Self::signal).
pub struct Signal<T> {
    state: Lock<State<T>>,
}

struct State<T> {
    value: Option<T>,
    waiters: WaitList,
}

impl<T> State<T> {
    /// The first waiter's waker, if a value waits to be taken.
    fn next(&mut self) -> Option<Waker> {
        if self.value.is_some() {
            self.waiters.take()
        } else {
            None
        }
    }
}

impl<T> Signal<T> {
    /// An empty signal.
    pub const fn new() -> Self {
        Signal {
            state: Lock::new(State {
                value: None,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Stores `value`, replacing one nobody took, and wakes the first
    /// waiter.
    pub fn signal(&self, value: T) {
        let (old, w) = self.state.with(|s| {
            let old = s.value.replace(value);
            (old, s.next())
        });
        drop(old);
        if let Some(w) = w {
            w.wake();
        }
    }

    /// Takes the value if one is there. Never waits.
    pub fn try_take(&self) -> Option<T> {
        self.state.with(|s| s.value.take())
    }

    /// Drops a value nobody took.
    pub fn reset(&self) {
        drop(self.try_take());
    }

    /// Whether a value waits to be taken.
    pub fn signaled(&self) -> bool {
        self.state.with(|s| s.value.is_some())
    }

    /// Waits for a value and takes it.
    pub fn wait(&self) -> Wait<'_, T> {
        Wait {
            signal: self,
            waiting: false,
            waiter: Waiter::new(),
        }
    }
}

impl<T> Default for Signal<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for Signal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (signaled, waiters) = self.state.with(|s| (s.value.is_some(), s.waiters.len()));
        f.debug_struct("Signal")
            .field("signaled", &signaled)
            .field("waiters", &waiters)
            .finish()
    }
}

/// The future returned by [`Signal::wait`]. `!Unpin`: its waiter node is
/// linked into the signal while it waits.
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<'a, T> {
    signal: &'a Signal<T>,
    /// Whether `waiter` was pushed and not yet accounted for.
    waiting: bool,
    waiter: Waiter,
}

impl<T> Future for Wait<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: `waiter` is never moved out of the pinned future, and
        // `Drop` unlinks it before its memory can be reused.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above (structural pinning of `waiter`).
        let waiter = unsafe { Pin::new_unchecked(&this.waiter) };
        let waiting = &mut this.waiting;
        let got = this.signal.state.with(|s| {
            if let Some(v) = s.value.take() {
                if *waiting && waiter.is_linked() {
                    // SAFETY: under the state lock; the node is in this list.
                    drop(unsafe { s.waiters.remove(waiter) });
                }
                *waiting = false;
                return Some(v);
            }
            // SAFETY: under the state lock; this node only ever joins this
            // signal's list; `Drop` removes it.
            unsafe { s.waiters.push(waiter, cx.waker()) };
            *waiting = true;
            None
        });
        match got {
            Some(v) => Poll::Ready(v),
            None => Poll::Pending,
        }
    }
}

impl<T> Drop for Wait<'_, T> {
    fn drop(&mut self) {
        if !self.waiting {
            return;
        }
        // SAFETY: the future was pinned when the node was pushed, and this
        // is the node's last use.
        let waiter = unsafe { Pin::new_unchecked(&self.waiter) };
        let (removed, next) = self.signal.state.with(|s| {
            if waiter.is_linked() {
                // SAFETY: under the state lock; the node is in this list.
                (unsafe { s.waiters.remove(waiter) }, None)
            } else {
                // Woken for a value it will not take: wake the next waiter.
                (None, s.next())
            }
        });
        drop(removed);
        if let Some(w) = next {
            w.wake();
        }
    }
}
