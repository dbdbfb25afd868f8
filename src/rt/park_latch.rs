//! The latch of a core's blocking park (what loom checks, in
//! `tests/cores_loom.rs`).
//!
//! States: `IDLE` (not blocking), `SLEEPING` (about to block in, or blocked
//! in, the reactor) and `NOTIFIED` (an unpark came). The parker moves
//! `IDLE → SLEEPING` by compare-and-swap just before blocking
//! ([`try_sleep`](Latch::try_sleep)); if that fails, an unpark came first
//! and it does not block. It [`end`](Latch::end)s after the wait. An unparker
//! [`notify`](Latch::notify)s: a swap to `NOTIFIED` that says "write the
//! eventfd" only if it swapped out `SLEEPING`. So either the unparker sees
//! `SLEEPING` (its write ends the blocking wait, or makes it return at once:
//! an eventfd latches), or the parker sees `NOTIFIED` and does not block;
//! and an unpark that finds the core not about to block costs no `write`.
//!
//! The spin before a park does not involve the latch: it runs before the
//! executor announces its park, so wakers meanwhile do not unpark.
//!
//! This file is also compiled by the loom test with loom's atomics, so it
//! must not construct atomics.

use super::atomic::{AtomicU32, Ordering::*};

/// 0, what [`Latch::over`] starts from.
const IDLE: u32 = 0;
const SLEEPING: u32 = 1;
const NOTIFIED: u32 = 2;

/// See the module docs.
pub(crate) struct Latch {
    state: AtomicU32,
}

impl Latch {
    /// A latch over `state`, which must start at 0 (not parking, nothing
    /// notified). (Taking the atomic lets the loom model pass its own.)
    pub(crate) const fn over(state: AtomicU32) -> Self {
        Latch { state }
    }

    /// Parker: about to block; false if an unpark came (do not block, but
    /// still [`end`](Self::end)).
    #[inline]
    pub(crate) fn try_sleep(&self) -> bool {
        // A compare-and-swap, not a swap: a failed attempt must leave
        // `NOTIFIED` in place, or a second unparker would find `SLEEPING`
        // and write the eventfd for a park that does not block.
        self.state
            .compare_exchange(IDLE, SLEEPING, AcqRel, Acquire)
            .is_ok()
    }

    /// Parker: the park is over (consumes a pending unpark: the executor
    /// re-checks every ready bit after a park, so that is harmless).
    #[inline]
    pub(crate) fn end(&self) {
        // Acquire: what an unparker did before its notify is visible.
        self.state.swap(IDLE, Acquire);
    }

    /// Unparker: true if the parker is (about to be) blocked and must be
    /// woken through the reactor.
    #[inline]
    pub(crate) fn notify(&self) -> bool {
        self.state.swap(NOTIFIED, AcqRel) == SLEEPING
    }
}
