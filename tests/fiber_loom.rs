//! loom model of the fibers' stack hand-off (`src/fiber/handoff.rs`): the
//! fiber side finishing (storing its result) races the handle side being
//! dropped, or taking the result after the task completed. Exactly one side
//! must release the stack, once; a result nobody took is dropped exactly
//! once, after it was written; a taken one is never dropped by the release.
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test --release --test fiber_loom`
#![cfg(loom)]

/// What `handoff.rs` reaches as `super::atomic`.
mod atomic {
    pub(crate) use loom::sync::atomic::{AtomicU32, Ordering};
}

#[path = "../src/fiber/handoff.rs"]
mod handoff;

use handoff::{Handoff, Last};
use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicU32, Ordering::SeqCst};
use loom::thread;

/// A fiber's frame in miniature: the hand-off word, the result slot, and
/// counts of what the last side did.
struct Frame {
    state: Handoff,
    result: UnsafeCell<Option<u32>>,
    releases: AtomicU32,
    result_drops: AtomicU32,
}

impl Frame {
    fn last(&self, l: Last) {
        if l.drop_result {
            // The result must be there: written by the fiber side before it
            // let go (loom checks this access against the write).
            // SAFETY: loom's cell checks that no other access is concurrent.
            let r = self.result.with_mut(|p| unsafe { (*p).take() });
            assert_eq!(r, Some(7));
            self.result_drops.fetch_add(1, SeqCst);
        }
        self.releases.fetch_add(1, SeqCst);
    }

    /// The fiber side on a loom thread: stores its result when it
    /// `finished`, then lets go of the frame.
    fn fiber_side(this: &Arc<Self>, finished: bool) -> thread::JoinHandle<()> {
        let f = this.clone();
        thread::spawn(move || {
            if finished {
                // SAFETY: loom's cell checks that no other access is
                // concurrent.
                f.result.with_mut(|p| unsafe { *p = Some(7) });
            }
            if let Some(l) = f.state.fiber_off(finished) {
                f.last(l);
            }
        })
    }

    /// The handle side lets go of the frame, having `took` the result or not.
    fn handle_side(&self, took: bool) {
        if let Some(l) = self.state.handle_off(took) {
            self.last(l);
        }
    }

    /// `(releases, result drops)` so far.
    fn counts(&self) -> (u32, u32) {
        (self.releases.load(SeqCst), self.result_drops.load(SeqCst))
    }
}

fn frame() -> Arc<Frame> {
    Arc::new(Frame {
        state: Handoff::new(),
        result: UnsafeCell::new(None),
        releases: AtomicU32::new(0),
        result_drops: AtomicU32::new(0),
    })
}

#[test]
fn finishing_races_a_dropped_handle() {
    loom::model(|| {
        let f = frame();
        let fiber = Frame::fiber_side(&f, true);
        f.handle_side(false);
        fiber.join().unwrap();
        assert_eq!(f.counts(), (1, 1));
    });
}

#[test]
fn an_unstarted_fiber_races_a_dropped_handle() {
    loom::model(|| {
        let f = frame();
        let fiber = Frame::fiber_side(&f, false);
        f.handle_side(false);
        fiber.join().unwrap();
        assert_eq!(f.counts(), (1, 0));
    });
}

#[test]
fn a_taken_result_is_not_dropped_again() {
    loom::model(|| {
        let f = frame();
        let fiber = Frame::fiber_side(&f, true);
        // The handle takes the result only after the task completed, which
        // the join models.
        fiber.join().unwrap();
        // SAFETY: loom's cell checks that no other access is concurrent.
        let v = f.result.with_mut(|p| unsafe { (*p).take() });
        assert_eq!(v, Some(7));
        f.handle_side(true);
        assert_eq!(f.counts(), (1, 0));
    });
}
