//! The latch of a spinning park (what loom checks, in `tests/cores_loom.rs`).
//!
//! States: `IDLE` (not parking), `SPINNING`, `SLEEPING` (about to block in,
//! or blocked in, the reactor) and `NOTIFIED` (an unpark came). The parker
//! [`begin`](Latch::begin)s (a pending `NOTIFIED` ends the park at once),
//! spins watching [`notified`](Latch::notified), then moves `SPINNING →
//! SLEEPING` by compare-and-swap ([`try_sleep`](Latch::try_sleep)) just
//! before blocking, and [`end`](Latch::end)s. An unparker
//! [`notify`](Latch::notify)s: a swap to `NOTIFIED` that says "write the
//! eventfd" only if it swapped out `SLEEPING`. So either the unparker sees
//! `SLEEPING` (its write ends the blocking wait, or makes it return at once:
//! an eventfd latches), or the parker's CAS fails and it does not block.
//!
//! This file is also compiled by the loom test with loom's atomics, so it
//! must not construct atomics.

use super::atomic::{AtomicU32, Ordering::*};

/// 0, what [`Latch::over`] starts from.
const IDLE: u32 = 0;
const SPINNING: u32 = 1;
const SLEEPING: u32 = 2;
const NOTIFIED: u32 = 3;

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

    /// Parker: starts a park; true if an unpark is already pending (the
    /// park ends at once: call [`end`](Self::end)).
    #[inline]
    pub(crate) fn begin(&self) -> bool {
        self.state.swap(SPINNING, Acquire) == NOTIFIED
    }

    /// Parker, while spinning: whether an unpark came.
    #[inline]
    pub(crate) fn notified(&self) -> bool {
        self.state.load(Relaxed) == NOTIFIED
    }

    /// Parker: about to block; false if an unpark came (do not block).
    #[inline]
    pub(crate) fn try_sleep(&self) -> bool {
        self.state
            .compare_exchange(SPINNING, SLEEPING, AcqRel, Acquire)
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
