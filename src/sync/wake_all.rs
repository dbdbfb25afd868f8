//! [`WaiterSet`]: a wait list that knows its length, and [`wake_all`]:
//! waking every task that waited at one moment, a batch per lock hold.
//!
//! A broadcast wakes everyone. Taking one waker per lock hold until the
//! list is empty (as `close` does elsewhere) could chase a waiter that is
//! woken, runs on another thread, finds nothing new and waits again,
//! forever; so the wake-up is bounded by the length at the moment of the
//! event: the waiters that arrived later were not waiting for it. Wakers
//! are woken outside the lock, up to [`BATCH`] per hold, from a buffer on
//! the stack.

use crate::waitlist::{WaitList, Waiter};
use core::pin::Pin;
use core::task::Waker;

/// Wakers taken per lock hold.
pub(super) const BATCH: usize = 8;

/// A FIFO of waiters and its length.
pub(super) struct WaiterSet {
    list: WaitList,
    len: usize,
}

impl WaiterSet {
    pub(super) const fn new() -> Self {
        WaiterSet {
            list: WaitList::new(),
            len: 0,
        }
    }

    /// How many waiters are linked.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Links `waiter` with `waker` at the tail, or, if it is linked
    /// already, keeps its place and updates its waker.
    ///
    /// # Safety
    ///
    /// As for [`WaitList::push`]: under the lock that guards this set, the
    /// node is in this set or in none, and leaves it before it is dropped.
    pub(super) unsafe fn wait(&mut self, waiter: Pin<&Waiter>, waker: &Waker) {
        let was_linked = waiter.is_linked();
        // SAFETY: forwarded contract.
        unsafe { self.list.push(waiter, waker) };
        if !was_linked {
            self.len += 1;
        }
    }

    /// Unlinks `waiter` if it is linked; returns its waker, to be dropped
    /// after the lock.
    ///
    /// # Safety
    ///
    /// As for [`WaitList::remove`].
    pub(super) unsafe fn cancel(&mut self, waiter: Pin<&Waiter>) -> Option<Waker> {
        // SAFETY: forwarded contract.
        let w = unsafe { self.list.remove(waiter) };
        if w.is_some() {
            self.len -= 1;
        }
        w
    }

    /// Takes up to `max` (at most [`BATCH`]) wakers from the head.
    fn take_batch(&mut self, max: usize) -> Batch {
        let mut batch = Batch::default();
        for slot in batch.0.iter_mut().take(max) {
            match self.list.take() {
                Some(w) => {
                    self.len -= 1;
                    *slot = Some(w);
                }
                None => break,
            }
        }
        batch
    }
}

/// Wakers taken under the lock, woken after it.
#[derive(Default)]
struct Batch([Option<Waker>; BATCH]);

impl Batch {
    /// Wakes every waker; returns how many there were.
    fn wake(self) -> usize {
        let mut n = 0;
        for w in self.0.into_iter().flatten() {
            w.wake();
            n += 1;
        }
        n
    }
}

/// Wakes the first `count` waiters of the set that `set` selects in the
/// state behind `lock`: the ones that waited when the caller's event
/// happened (the caller read `count` under the same lock hold as the
/// event). Takes the lock once per [`BATCH`] wakers and wakes outside it.
pub(super) fn wake_all<S>(
    lock: &super::Lock<S>,
    mut count: usize,
    set: impl Fn(&mut S) -> &mut WaiterSet,
) {
    while count > 0 {
        let batch = lock.with(|s| set(s).take_batch(count.min(BATCH)));
        let n = batch.wake();
        if n == 0 {
            return;
        }
        count = count.saturating_sub(n);
    }
}
