//! [`Notify`]: wake one task or all, without data (tokio's semantics).
//!
//! [`notify_one`](Notify::notify_one) wakes the first waiter, or stores one
//! permit if nobody waits, which the next [`notified`](Notify::notified)
//! consumes at once. The waiter it wakes is taken off the list with a mark;
//! if that waiter's future is dropped before it runs, its `Drop` passes the
//! notification on (to the next waiter, or back into the permit), so none is
//! lost. [`notify_waiters`](Notify::notify_waiters) wakes every waiter
//! without a mark and stores no permit.

use super::Lock;
use crate::waitlist::{WaitList, Waiter};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// Notifies tasks, usable from a `static`.
///
/// ```
/// use bitwake::sync::Notify;
/// static READY: Notify = Notify::new();
/// READY.notify_one(); // stored as a permit
/// # let _ = READY.notified();
/// ```
pub struct Notify {
    state: Lock<State>,
}

struct State {
    permit: bool,
    waiters: WaitList,
}

impl State {
    /// Delivers one notification: to the first waiter, else as the permit.
    fn one(&mut self) -> Option<Waker> {
        let w = self.waiters.take_marked();
        if w.is_none() {
            self.permit = true;
        }
        w
    }
}

impl Notify {
    /// A notify with no permit and no waiter.
    pub const fn new() -> Self {
        Notify {
            state: Lock::new(State {
                permit: false,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Wakes the first waiter, or stores a permit (at most one) for the next
    /// [`notified`](Self::notified).
    pub fn notify_one(&self) {
        if let Some(w) = self.state.with(State::one) {
            w.wake();
        }
    }

    /// Wakes every task waiting now (one per lock hold, so a task that
    /// starts waiting meanwhile may be woken too). Stores no permit.
    pub fn notify_waiters(&self) {
        while let Some(w) = self.state.with(|s| s.waiters.take()) {
            w.wake();
        }
    }

    /// Waits for a notification (or consumes the stored permit).
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            waiting: false,
            done: false,
            waiter: Waiter::new(),
        }
    }
}

impl Default for Notify {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (permit, waiters) = self.state.with(|s| (s.permit, s.waiters.len()));
        f.debug_struct("Notify")
            .field("permit", &permit)
            .field("waiters", &waiters)
            .finish()
    }
}

/// The future returned by [`Notify::notified`]. `!Unpin`: its waiter node is
/// linked into the notify while it waits.
#[must_use = "futures do nothing unless awaited"]
pub struct Notified<'a> {
    notify: &'a Notify,
    /// Whether `waiter` was pushed and not yet accounted for.
    waiting: bool,
    done: bool,
    waiter: Waiter,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `waiter` is never moved out of the pinned future, and
        // `Drop` unlinks it before its memory can be reused.
        let this = unsafe { self.get_unchecked_mut() };
        if this.done {
            return Poll::Ready(());
        }
        // SAFETY: as above (structural pinning of `waiter`).
        let waiter = unsafe { Pin::new_unchecked(&this.waiter) };
        let waiting = &mut this.waiting;
        let ready = this.notify.state.with(|s| {
            if *waiting {
                if waiter.is_linked() {
                    // SAFETY: under the state lock; this node only ever joins
                    // this notify's list; `Drop` removes it.
                    unsafe { s.waiters.push(waiter, cx.waker()) };
                    return false;
                }
                // Taken off the list: notified (one or all).
                *waiting = false;
                return true;
            }
            if core::mem::take(&mut s.permit) {
                return true;
            }
            // SAFETY: as above.
            unsafe { s.waiters.push(waiter, cx.waker()) };
            *waiting = true;
            false
        });
        if ready {
            this.done = true;
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        if !self.waiting {
            return;
        }
        // SAFETY: the future was pinned when the node was pushed, and this
        // is the node's last use.
        let waiter = unsafe { Pin::new_unchecked(&self.waiter) };
        let (removed, next) = self.notify.state.with(|s| {
            if waiter.is_linked() {
                // SAFETY: under the state lock; the node is in this list.
                (unsafe { s.waiters.remove(waiter) }, None)
            } else if waiter.is_marked() {
                // A `notify_one` meant for us, never seen: pass it on.
                (None, s.one())
            } else {
                (None, None)
            }
        });
        drop(removed);
        if let Some(w) = next {
            w.wake();
        }
    }
}
