//! A one-waker cell for joiners that are not bitwake tasks (foreign wakers).
//!
//! The usual register/wake state machine (`WAITING` / `REGISTERING` /
//! `WAKING`), built only on `compare_exchange`, `fetch_or` and `swap` so it
//! works through `portable-atomic` on targets without CAS. When a *different*
//! waker replaces the stored one, the replaced waker is woken (it re-polls and
//! re-registers), so two foreign joiners of one pool never lose a wake-up; they
//! may cost each other spurious polls, which is the price of not storing a
//! `Waker` (16 bytes) per slot.

use super::atomic::{AtomicUsize, Ordering::*};
use core::cell::UnsafeCell;
use core::task::Waker;

const WAITING: usize = 0;
const REGISTERING: usize = 1;
const WAKING: usize = 2;

pub(crate) struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the `waker` cell is only accessed by the thread that moved `state`
// from WAITING to REGISTERING (register) or set WAKING while it was WAITING
// (wake); those transitions are exclusive.
unsafe impl Sync for AtomicWaker {}
// SAFETY: `Waker` is `Send`.
unsafe impl Send for AtomicWaker {}

impl AtomicWaker {
    /// A cell with no waker; `state` must start at `WAITING` (0). Taken as an
    /// argument so the loom test can pass a loom atomic to this `const fn`.
    pub(crate) const fn new(state: AtomicUsize) -> Self {
        Self {
            state,
            waker: UnsafeCell::new(None),
        }
    }

    pub(crate) fn register(&self, w: &Waker) {
        match self
            .state
            .compare_exchange(WAITING, REGISTERING, Acquire, Acquire)
        {
            Ok(_) => {
                // SAFETY: we hold REGISTERING, so we own the cell.
                let slot = unsafe { &mut *self.waker.get() };
                let replaced = match slot {
                    Some(old) if old.will_wake(w) => None,
                    _ => slot.replace(w.clone()),
                };
                if self
                    .state
                    .compare_exchange(REGISTERING, WAITING, AcqRel, Acquire)
                    .is_err()
                {
                    // A wake arrived while we registered: deliver it ourselves.
                    // SAFETY: still exclusive until we reset the state.
                    let w = unsafe { &mut *self.waker.get() }.take();
                    self.state.swap(WAITING, AcqRel);
                    if let Some(w) = w {
                        w.wake();
                    }
                }
                if let Some(r) = replaced {
                    r.wake();
                }
            }
            // Being woken right now, or a concurrent register: poll again.
            Err(_) => w.wake_by_ref(),
        }
    }

    pub(crate) fn wake(&self) {
        if self.state.fetch_or(WAKING, AcqRel) == WAITING {
            // SAFETY: we moved WAITING -> WAKING, so we own the cell.
            let w = unsafe { &mut *self.waker.get() }.take();
            self.state.fetch_and(!WAKING, Release);
            if let Some(w) = w {
                w.wake();
            }
        }
    }
}
