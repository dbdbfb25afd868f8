//! [`Semaphore`]: a pool of permits, handed out in arrival order.
//!
//! FIFO with requests of different sizes works by a *turn*: when permits
//! come back and tasks wait, the first waiter is taken off the list and given
//! the turn. While a turn is held nobody else may take permits, so a large
//! request at the head is not starved by small ones behind it; the holder
//! keeps its waker in the state and is woken on every release until enough
//! permits are free. When it is satisfied (or its future is dropped) the
//! turn passes to the next waiter.

use super::Lock;
use crate::waitlist::{WaitList, Waiter};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// A counting semaphore, usable from a `static`.
///
/// ```
/// use bitwake::sync::Semaphore;
/// static SLOTS: Semaphore = Semaphore::new(2);
/// let a = SLOTS.try_acquire(1).unwrap();
/// assert!(SLOTS.try_acquire(2).is_none());
/// drop(a);
/// assert_eq!(SLOTS.available_permits(), 2);
/// ```
///
/// A request for more permits than will ever be available waits forever
/// (and holds up the requests behind it): ask for at most what exists.
pub struct Semaphore {
    state: Lock<State>,
}

struct State {
    permits: usize,
    waiters: WaitList,
    /// A woken waiter holds the turn: only it may take permits.
    turn: bool,
    /// The turn holder's waker, once it has found too few permits.
    holder: Option<Waker>,
}

impl State {
    /// Gives the turn to the first waiter if permits are free; the caller
    /// wakes the returned waker after the lock.
    fn pass_turn(&mut self) -> Option<Waker> {
        if self.turn || self.permits == 0 {
            return None;
        }
        let w = self.waiters.take()?;
        self.turn = true;
        Some(w)
    }
}

fn wake(w: Option<Waker>) {
    if let Some(w) = w {
        w.wake();
    }
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    pub const fn new(permits: usize) -> Self {
        Semaphore {
            state: Lock::new(State {
                permits,
                waiters: WaitList::new(),
                turn: false,
                holder: None,
            }),
        }
    }

    /// Waits for `n` permits, behind every earlier request.
    pub fn acquire(&self, n: usize) -> Acquire<'_> {
        Acquire {
            sem: self,
            n,
            phase: Phase::Idle,
            waiter: Waiter::new(),
        }
    }

    /// Takes `n` permits if they are free and nobody waits ahead.
    pub fn try_acquire(&self, n: usize) -> Option<Permit<'_>> {
        let got = self.state.with(|s| {
            if n == 0 || (!s.turn && s.waiters.is_empty() && s.permits >= n) {
                s.permits -= n;
                true
            } else {
                false
            }
        });
        got.then(|| Permit { sem: self, n })
    }

    /// Adds `n` permits (saturating), waking waiters that can now proceed.
    pub fn add_permits(&self, n: usize) {
        let w = self.state.with(|s| {
            s.permits = s.permits.saturating_add(n);
            if s.turn {
                s.holder.take()
            } else {
                s.pass_turn()
            }
        });
        wake(w);
    }

    /// How many permits are free now.
    pub fn available_permits(&self) -> usize {
        self.state.with(|s| s.permits)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (permits, waiters) = self.state.with(|s| (s.permits, s.waiters.len()));
        f.debug_struct("Semaphore")
            .field("permits", &permits)
            .field("waiters", &waiters)
            .finish()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    /// The node was pushed: linked, or taken off the list with the turn.
    Queued,
    /// Holds the turn (and has stored its waker in the state).
    Turn,
    Done,
}

/// The future returned by [`Semaphore::acquire`]. `!Unpin`: its waiter node
/// is linked into the semaphore while it waits. Dropping it gives up its
/// place (or its turn, to the next waiter).
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a> {
    sem: &'a Semaphore,
    n: usize,
    phase: Phase,
    waiter: Waiter,
}

impl<'a> Future for Acquire<'a> {
    type Output = Permit<'a>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit<'a>> {
        // SAFETY: `waiter` is never moved out of the pinned future, and
        // `Drop` unlinks it before its memory can be reused.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above (structural pinning of `waiter`).
        let waiter = unsafe { Pin::new_unchecked(&this.waiter) };
        let (n, phase) = (this.n, &mut this.phase);
        let (got, next) = this.sem.state.with(|s| {
            match *phase {
                Phase::Done => return (false, None),
                Phase::Idle => {
                    if n == 0 || (!s.turn && s.waiters.is_empty() && s.permits >= n) {
                        s.permits -= n;
                        *phase = Phase::Done;
                        return (true, None);
                    }
                    // SAFETY: under the state lock; this node only ever
                    // joins this semaphore's list; `Drop` removes it.
                    unsafe { s.waiters.push(waiter, cx.waker()) };
                    *phase = Phase::Queued;
                    return (false, None);
                }
                Phase::Queued if waiter.is_linked() => {
                    // SAFETY: as above.
                    unsafe { s.waiters.push(waiter, cx.waker()) };
                    return (false, None);
                }
                // Taken off the list: the turn is ours.
                Phase::Queued | Phase::Turn => *phase = Phase::Turn,
            }
            if s.permits >= n {
                s.permits -= n;
                s.turn = false;
                s.holder = None;
                *phase = Phase::Done;
                return (true, s.pass_turn());
            }
            match &mut s.holder {
                Some(w) if w.will_wake(cx.waker()) => {}
                other => *other = Some(cx.waker().clone()),
            }
            (false, None)
        });
        wake(next);
        if got {
            Poll::Ready(Permit { sem: this.sem, n })
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if !matches!(self.phase, Phase::Queued | Phase::Turn) {
            return;
        }
        // SAFETY: the future was pinned when the node was pushed, and this
        // is the node's last use.
        let waiter = unsafe { Pin::new_unchecked(&self.waiter) };
        let (removed, old, next) = self.sem.state.with(|s| {
            if waiter.is_linked() {
                // SAFETY: under the state lock; the node is in this list.
                return (unsafe { s.waiters.remove(waiter) }, None, None);
            }
            // We hold the turn: give it up, to the next waiter.
            s.turn = false;
            let old = s.holder.take();
            (None, old, s.pass_turn())
        });
        drop(removed);
        drop(old);
        wake(next);
    }
}

/// Permits taken from a [`Semaphore`]; dropping it gives them back.
#[must_use = "the permits are returned when this is dropped"]
pub struct Permit<'a> {
    sem: &'a Semaphore,
    n: usize,
}

impl Permit<'_> {
    /// How many permits this holds.
    pub fn count(&self) -> usize {
        self.n
    }

    /// Keeps the permits taken for good (they are not returned).
    pub fn forget(mut self) {
        self.n = 0;
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.n > 0 {
            self.sem.add_permits(self.n);
        }
    }
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").field("n", &self.n).finish()
    }
}
