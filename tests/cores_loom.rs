//! loom model of a cross-core wake against the owner's scan and its
//! spinning park (`src/executor/ready.rs` + `src/rt/park_latch.rs`).
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test --release --test cores_loom`
//!
//! A waker on another core marks a task's bit, then unparks the owner only
//! if it finds it parked; the owner's park spins on a latch and blocks in
//! its reactor (modelled as an eventfd counter) only after a
//! compare-and-swap that an unpark defeats. loom explores every
//! interleaving: the owner must always take the bit (no lost wake-up), and
//! the eventfd is written at most once per park.
#![cfg(loom)]

mod atomic {
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering, fence};
}
#[allow(dead_code)]
#[path = "../src/rt/park_latch.rs"]
mod park_latch;
#[allow(dead_code)]
#[path = "../src/executor/ready.rs"]
mod ready;

use atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use park_latch::Latch;

struct Core {
    word: AtomicUsize,
    parked: AtomicBool,
    latch: Latch,
    /// The eventfd: writes not yet consumed by a blocking wait.
    eventfd: AtomicUsize,
    writes: AtomicUsize,
}

impl Core {
    fn new() -> Arc<Self> {
        Arc::new(Core {
            word: AtomicUsize::new(0),
            parked: AtomicBool::new(false),
            latch: Latch::over(AtomicU32::new(0)),
            eventfd: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
        })
    }

    /// A wake from another core: `fetch_or`, then unpark only if parked.
    fn wake(&self, bit: usize) {
        ready::mark_word(&self.word, &self.word, 0, bit, false);
        if ready::should_unpark(&self.parked) && self.latch.notify() {
            self.eventfd.fetch_add(1, SeqCst);
            self.writes.fetch_add(1, SeqCst);
        }
    }

    fn take(&self) -> usize {
        let mut got = 0;
        ready::take(core::slice::from_ref(&self.word), &self.word, |_, b| {
            got |= b
        });
        got
    }

    /// The owner's park: `spins` rounds watching the latch, then the CAS;
    /// past it the owner would block until an eventfd write. Returns false
    /// if it would block now (no write yet): the owner stays asleep, its
    /// latch `SLEEPING` and `parked` set, for the caller to check.
    fn park(&self, spins: usize, blocked: &mut usize) -> bool {
        let mut early = self.latch.begin();
        for _ in 0..spins {
            if early {
                break;
            }
            early = self.latch.notified();
        }
        if !early && self.latch.try_sleep() {
            if self.eventfd.load(SeqCst) == 0 {
                return false;
            }
            self.eventfd.fetch_sub(1, SeqCst);
            *blocked += 1;
        }
        self.latch.end();
        true
    }

    /// Up to four executor passes towards taking every bit in `want`;
    /// returns what it took, whether it is asleep, and how many parks
    /// blocked (and were woken).
    fn run(&self, want: usize, spins: usize) -> (usize, bool, usize) {
        let mut got = 0;
        let mut blocked = 0;
        for _ in 0..4 {
            got |= self.take();
            if got == want {
                break;
            }
            ready::begin_park(&self.parked);
            if !ready::any_pending(core::slice::from_ref(&self.word), &self.word)
                && !self.park(spins, &mut blocked)
            {
                return (got, true, blocked);
            }
            ready::end_park(&self.parked);
        }
        (got, false, blocked)
    }
}

fn model(wakers: usize, spins: usize) {
    loom::model(move || {
        let core = Core::new();
        let hs: Vec<_> = (0..wakers)
            .map(|k| {
                let c = core.clone();
                thread::spawn(move || c.wake(1 << k))
            })
            .collect();
        let want = (1 << wakers) - 1;
        let (mut got, asleep, mut blocked) = core.run(want, spins);
        for h in hs {
            h.join().unwrap();
        }
        if asleep {
            // Every waker is done: if none wrote the eventfd, the owner
            // sleeps forever with a bit pending.
            assert!(
                core.eventfd.load(SeqCst) > 0,
                "lost wake-up: owner asleep, bits {:#b} pending, no eventfd write",
                core.word.load(SeqCst)
            );
            core.eventfd.fetch_sub(1, SeqCst);
            blocked += 1;
            core.latch.end();
            ready::end_park(&core.parked);
            got |= core.take();
        }
        assert_eq!(got, want, "the owner missed a wake");
        // At most one eventfd write per park that blocked.
        let writes = core.writes.load(SeqCst);
        assert!(
            writes <= blocked,
            "{writes} writes for {blocked} blocking parks"
        );
    });
}

#[test]
fn one_cross_core_wake_sleeping_owner() {
    model(1, 0);
}

#[test]
fn one_cross_core_wake_spinning_owner() {
    model(1, 1);
}

#[test]
fn two_cross_core_wakes_spinning_owner() {
    model(2, 1);
}
