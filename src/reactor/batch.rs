//! A batch of wakers: collected under a lock, woken after it is released
//! (a foreign waker may do anything, even call back into the reactor).

use crate::waitlist::WaitList;
use core::task::Waker;

/// Wakers collected under a lock before waking them outside it.
const WAKE_BATCH: usize = 32;

/// Wakers collected under a lock, woken once it is released. A plain array
/// rather than a `heapless::Vec`, whose `drain` brings more code and a panic
/// site into every program.
pub(super) struct WakeBatch {
    wakers: [Option<Waker>; WAKE_BATCH],
    len: usize,
}

impl WakeBatch {
    pub(super) const fn new() -> Self {
        WakeBatch {
            wakers: [const { None }; WAKE_BATCH],
            len: 0,
        }
    }

    pub(super) fn is_full(&self) -> bool {
        self.len >= WAKE_BATCH
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Adds `w`; callers leave room (a full batch is woken first), so the
    /// `None` arm, which would drop the wake, is never taken.
    pub(super) fn push(&mut self, w: Waker) {
        if let Some(slot) = self.wakers.get_mut(self.len) {
            *slot = Some(w);
            self.len += 1;
        }
    }

    /// Moves waiters from the front of `list` into the batch until the
    /// list or the batch is full; `true` if waiters are left in `list`.
    pub(super) fn take_all(&mut self, list: &mut WaitList) -> bool {
        while !self.is_full() {
            match list.take() {
                Some(w) => self.push(w),
                None => return false,
            }
        }
        !list.is_empty()
    }

    /// Wakes every collected waker in order and empties the batch; returns
    /// how many it woke.
    pub(super) fn wake_all(&mut self) -> usize {
        let n = self.len;
        self.len = 0;
        for w in self.wakers.iter_mut().take(n) {
            if let Some(w) = w.take() {
                w.wake();
            }
        }
        n
    }
}
