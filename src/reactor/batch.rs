//! A batch of wakers: collected under a lock, woken after it is released
//! (a foreign waker may do anything, even call back into the reactor).

use crate::waitlist::WaitList;
use core::mem::MaybeUninit;
use core::task::Waker;

/// Wakers collected under a lock before waking them outside it.
const WAKE_BATCH: usize = 32;

/// Wakers collected under a lock, woken once it is released. Only the
/// first `len` slots hold wakers, so creating and dropping a batch touches
/// nothing else.
pub(super) struct WakeBatch {
    wakers: [MaybeUninit<Waker>; WAKE_BATCH],
    len: usize,
}

impl WakeBatch {
    pub(super) const fn new() -> Self {
        WakeBatch {
            wakers: [const { MaybeUninit::uninit() }; WAKE_BATCH],
            len: 0,
        }
    }

    pub(super) fn is_full(&self) -> bool {
        self.len >= WAKE_BATCH
    }

    /// Adds `w`; callers leave room (a full batch is woken first), so the
    /// `None` arm, which would drop the wake, is never taken.
    pub(super) fn push(&mut self, w: Waker) {
        if let Some(slot) = self.wakers.get_mut(self.len) {
            slot.write(w);
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
        // Emptied first: a waker that panics leaks the rest, never drops
        // one twice.
        self.len = 0;
        for slot in self.wakers.iter().take(n) {
            // SAFETY: the first `n` slots were written by `push` and not
            // read since (`len` counted them; it is 0 now, so no other path
            // reads them again).
            unsafe { slot.assume_init_read() }.wake();
        }
        n
    }
}

impl Drop for WakeBatch {
    fn drop(&mut self) {
        let n = core::mem::take(&mut self.len);
        for slot in self.wakers.iter_mut().take(n) {
            // SAFETY: the first `len` slots hold wakers written by `push`
            // and not read since; `len` is 0 now, so none is dropped twice.
            unsafe { slot.assume_init_drop() };
        }
    }
}
