//! [`Watch`]: one latest value, and any number of receivers told when it
//! changes.
//!
//! The value carries a version, bumped by every send; a receiver is the
//! version it saw last, so receivers cost the watch nothing. A send
//! replaces the value and wakes every receiver that was waiting (see
//! `wake_all.rs`); a receiver that was busy simply finds a newer version
//! when it looks, having skipped the values in between (a watch reports the
//! latest state, not every step).

use super::Lock;
use super::wake_all::{WaiterSet, wake_all};
use crate::waitlist::Waiter;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// The latest value of something, watched by any number of receivers.
///
/// ```
/// # use bitwake::executor::{Executor, SpinPark};
/// # static EXEC: Executor = Executor::new(&SpinPark);
/// use bitwake::sync::watch::{Closed, Watch};
///
/// static CONFIG: Watch<u32> = Watch::with_value(10);
///
/// let mut rx = CONFIG.receiver();
/// assert_eq!(rx.get(), Some(10));
/// CONFIG.send(20).unwrap();
/// CONFIG.send(30).unwrap();
/// // Only the latest value: 20 was replaced before anyone looked.
/// assert_eq!(EXEC.block_on(rx.changed()), Ok(30));
/// CONFIG.close();
/// assert_eq!(EXEC.block_on(rx.changed()), Err(Closed));
/// ```
///
/// Reading clones the value (`T: Clone`) under the watch's lock. Dropping a
/// pending [`changed`](Receiver::changed) future loses nothing: the
/// receiver still has not seen the new value. It is `Sync` when
/// `T: Send`; on microcontrollers an interrupt handler may
/// [`send`](Self::send).
pub struct Watch<T> {
    state: Lock<State<T>>,
}

struct State<T> {
    value: Option<T>,
    /// Bumped by every send.
    version: u64,
    closed: bool,
    waiters: WaiterSet,
}

impl<T> State<T> {
    /// The value if it is newer than `seen`, marking it seen; `Err` when
    /// there is nothing newer, `Err(true)` if there never will be.
    fn newer(&self, seen: &mut u64) -> Result<T, bool>
    where
        T: Clone,
    {
        if self.version != *seen
            && let Some(v) = &self.value
        {
            *seen = self.version;
            return Ok(v.clone());
        }
        Err(self.closed)
    }
}

impl<T> Watch<T> {
    /// A watch with no value yet.
    pub const fn new() -> Self {
        Self::from_option(None)
    }

    /// A watch holding `value`.
    pub const fn with_value(value: T) -> Self {
        Self::from_option(Some(value))
    }

    const fn from_option(value: Option<T>) -> Self {
        Watch {
            state: Lock::new(State {
                value,
                version: 0,
                closed: false,
                waiters: WaiterSet::new(),
            }),
        }
    }

    /// Replaces the value and wakes every waiting receiver. Fails, giving
    /// the value back, once the watch is closed.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let r = self.state.with(|s| {
            if s.closed {
                return Err(value);
            }
            let old = s.value.replace(value);
            s.version = s.version.wrapping_add(1);
            Ok((old, s.waiters.len()))
        });
        match r {
            Err(v) => Err(SendError(v)),
            Ok((old, waiting)) => {
                drop(old);
                wake_all(&self.state, waiting, |s| &mut s.waiters);
                Ok(())
            }
        }
    }

    /// A copy of the current value, if there is one.
    pub fn get(&self) -> Option<T>
    where
        T: Clone,
    {
        self.state.with(|s| s.value.clone())
    }

    /// A receiver that has seen the current value: its
    /// [`changed`](Receiver::changed) waits for the next send.
    pub fn receiver(&self) -> Receiver<'_, T> {
        let seen = self.state.with(|s| s.version);
        Receiver { watch: self, seen }
    }

    /// Closes the watch: sends fail from now on, and receivers get
    /// [`Closed`] once they have seen the last value. The value stays
    /// readable. Wakes every waiting receiver.
    pub fn close(&self) {
        let waiting = self.state.with(|s| {
            s.closed = true;
            s.waiters.len()
        });
        wake_all(&self.state, waiting, |s| &mut s.waiters);
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.state.with(|s| s.closed)
    }
}

impl<T> Default for Watch<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for Watch<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (has_value, version, closed, waiting) = self
            .state
            .with(|s| (s.value.is_some(), s.version, s.closed, s.waiters.len()));
        f.debug_struct("Watch")
            .field("has_value", &has_value)
            .field("version", &version)
            .field("closed", &closed)
            .field("waiting", &waiting)
            .finish()
    }
}

/// One receiver of a [`Watch`]: the version it saw last.
#[derive(Clone)]
pub struct Receiver<'a, T> {
    watch: &'a Watch<T>,
    seen: u64,
}

impl<'a, T> Receiver<'a, T> {
    /// Waits until the value is newer than the one this receiver saw
    /// last, marks it seen and returns a copy. [`Closed`] once the watch
    /// is closed and its last value was seen.
    pub fn changed(&mut self) -> Changed<'_, 'a, T> {
        Changed {
            rx: self,
            waiting: false,
            waiter: Waiter::new(),
        }
    }

    /// A copy of the current value (seen or not; does not mark it seen).
    pub fn get(&self) -> Option<T>
    where
        T: Clone,
    {
        self.watch.get()
    }

    /// Whether a value this receiver has not seen is there.
    pub fn has_changed(&self) -> bool {
        let seen = self.seen;
        self.watch
            .state
            .with(|s| s.version != seen && s.value.is_some())
    }

    /// Marks the current value seen without reading it.
    pub fn mark_seen(&mut self) {
        self.seen = self.watch.state.with(|s| s.version);
    }
}

impl<T> fmt::Debug for Receiver<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("seen", &self.seen)
            .finish()
    }
}

/// The future returned by [`Receiver::changed`]. `!Unpin`: its waiter node
/// is linked into the watch while it waits.
#[must_use = "futures do nothing unless awaited"]
pub struct Changed<'r, 'a, T> {
    rx: &'r mut Receiver<'a, T>,
    /// Whether `waiter` was ever pushed (so `Drop` must check it).
    waiting: bool,
    waiter: Waiter,
}

impl<T: Clone> Future for Changed<'_, '_, T> {
    type Output = Result<T, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `waiter` is never moved out of the pinned future, and
        // `Drop` unlinks it before its memory can be reused.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above (structural pinning of `waiter`).
        let waiter = unsafe { Pin::new_unchecked(&this.waiter) };
        let seen = &mut this.rx.seen;
        let waiting = &mut this.waiting;
        let (r, stale) = this.rx.watch.state.with(|s| {
            let r = s.newer(seen);
            let mut stale = None;
            if matches!(r, Err(false)) {
                // SAFETY: under the watch's lock; this node only ever
                // joins this watch's set; `Drop` removes it.
                unsafe { s.waiters.wait(waiter, cx.waker()) };
                *waiting = true;
            } else if *waiting {
                // SAFETY: as above.
                stale = unsafe { s.waiters.cancel(waiter) };
                *waiting = false;
            }
            (r, stale)
        });
        drop(stale);
        match r {
            Ok(v) => Poll::Ready(Ok(v)),
            Err(true) => Poll::Ready(Err(Closed)),
            Err(false) => Poll::Pending,
        }
    }
}

impl<T> Drop for Changed<'_, '_, T> {
    fn drop(&mut self) {
        if !self.waiting || !self.waiter.is_linked() {
            return;
        }
        // SAFETY: the future was pinned when the node was pushed, and this
        // is the node's last use.
        let waiter = unsafe { Pin::new_unchecked(&self.waiter) };
        // SAFETY: under the watch's lock; the node is in its set or in none.
        let w = self
            .rx
            .watch
            .state
            .with(|s| unsafe { s.waiters.cancel(waiter) });
        drop(w);
    }
}

pub use super::send_error::SendError;

/// The watch is closed and its last value was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Closed;

impl fmt::Display for Closed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("watch closed")
    }
}
impl core::error::Error for Closed {}
