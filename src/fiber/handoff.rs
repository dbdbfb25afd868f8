//! Who gives a fiber's stack back: a hand-off between two parties.
//!
//! The fiber side (the executor task that runs the fiber) and the handle
//! side (its `JoinHandle`, on any thread) each say once that they are done
//! with the frame at the top of the stack — one atomic `fetch_or` each. The
//! one that comes second is the last user: it drops a result nobody took
//! and releases the stack. A loom model (`tests/fiber_loom.rs`) checks that
//! exactly one side does, once, after the other side's last access.

use super::atomic::{AtomicU32, Ordering::AcqRel};

const FINISHED: u32 = 1;
const FIBER_OFF: u32 = 2;
const HANDLE_OFF: u32 = 4;
const TAKEN: u32 = 8;

/// The state word of one fiber's frame.
pub(crate) struct Handoff(AtomicU32);

/// What the last side must do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Last {
    /// A result is in the frame and nobody took it: drop it.
    pub(crate) drop_result: bool,
}

impl Handoff {
    pub(crate) fn new() -> Self {
        Self(AtomicU32::new(0))
    }

    /// The fiber side is done: it `finished` (its result is in the frame),
    /// or it never ran. `Some` when the handle side was done already.
    pub(crate) fn fiber_off(&self, finished: bool) -> Option<Last> {
        let bits = if finished {
            FINISHED | FIBER_OFF
        } else {
            FIBER_OFF
        };
        let prev = self.0.fetch_or(bits, AcqRel);
        (prev & HANDLE_OFF != 0).then(|| last(prev | bits))
    }

    /// The handle side is done (`taken`: it moved the result out). `Some`
    /// when the fiber side was done already.
    pub(crate) fn handle_off(&self, taken: bool) -> Option<Last> {
        let bits = if taken {
            HANDLE_OFF | TAKEN
        } else {
            HANDLE_OFF
        };
        let prev = self.0.fetch_or(bits, AcqRel);
        (prev & FIBER_OFF != 0).then(|| last(prev | bits))
    }
}

fn last(state: u32) -> Last {
    Last {
        drop_result: state & (FINISHED | TAKEN) == FINISHED,
    }
}
