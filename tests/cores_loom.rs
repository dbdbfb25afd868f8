//! loom model of a cross-core wake against the owner's spin, scan and park
//! (`src/executor/ready.rs` + `src/rt/park_latch.rs`; the sequence of
//! `Executor::idle` over `rt::core_park::CorePark`).
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test --release --test cores_loom`
//!
//! A waker on another core marks a task's bit, then unparks the owner only
//! if it finds it parked. The idle owner first spins on its ready word
//! without announcing anything (a wake meanwhile costs the waker only its
//! bit), then announces its park, checks the word once more and blocks in
//! its reactor (modelled as an eventfd counter) after a swap on its latch
//! that an unpark defeats (an unpark writes the eventfd only if it finds
//! the owner past that swap). loom explores every
//! interleaving: the owner must always take the bit (no lost wake-up), and
//! the eventfd is written at most once per park that blocked.
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
use core::slice::from_ref;
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
        ready::take(from_ref(&self.word), &self.word, |_, b| got |= b);
        got
    }

    /// `Executor::idle` over a `CorePark`: `spins` rounds of the spin
    /// (`Park::spin`, the executor not parked), then announce, re-check,
    /// block. Returns false if it would block now (no eventfd write yet):
    /// the owner stays asleep, `parked` set, for the caller to check.
    fn idle(&self, spins: usize, blocked: &mut usize) -> bool {
        for _ in 0..spins {
            if ready::maybe_pending(from_ref(&self.word), &self.word) {
                return true;
            }
        }
        ready::begin_park(&self.parked);
        if !ready::any_pending(from_ref(&self.word), &self.word) {
            if self.latch.try_sleep() {
                // The reactor's blocking wait: returns once the eventfd was
                // written (before or during the wait).
                if self.eventfd.load(SeqCst) == 0 {
                    return false;
                }
                self.eventfd.fetch_sub(1, SeqCst);
                *blocked += 1;
            }
            self.latch.end();
        }
        ready::end_park(&self.parked);
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
            if !self.idle(spins, &mut blocked) {
                return (got, true, blocked);
            }
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
            // The write came from the waker that cleared `parked`: what
            // `CorePark` reads to restore its full spin.
            assert!(!core.parked.load(SeqCst), "woken, yet still parked");
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

#[test]
fn two_cross_core_wakes_longer_spin() {
    model(2, 2);
}
