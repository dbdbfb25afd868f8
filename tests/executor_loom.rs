//! loom model of the wake-versus-scan-versus-park protocol (`src/executor/ready.rs`).
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test --release --test executor_loom`
//!
//! The protocol file is compiled here with loom's atomics in place of the
//! crate's, so loom explores every interleaving (and every weak-memory
//! outcome loom models) of the real code.
#![cfg(loom)]

mod atomic {
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};
}
#[allow(dead_code)]
#[path = "../src/executor/ready.rs"]
mod ready;

use atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

struct Set {
    words: Vec<AtomicUsize>,
    summary: AtomicUsize,
    parked: AtomicBool,
    unparks: AtomicUsize,
}

impl Set {
    fn new(words: usize) -> Arc<Self> {
        Arc::new(Set {
            words: (0..words).map(|_| AtomicUsize::new(0)).collect(),
            summary: AtomicUsize::new(0),
            parked: AtomicBool::new(false),
            unparks: AtomicUsize::new(0),
        })
    }
    /// A waker: mark, then unpark if the executor is parked.
    fn wake(&self, slot: usize) {
        ready::mark(&self.words, &self.summary, slot);
        if ready::should_unpark(&self.parked) {
            self.unparks.fetch_add(1, SeqCst);
        }
    }
    /// Everything taken now, as a bit set over slots (< 128).
    fn take_all(&self) -> u128 {
        let mut got = 0u128;
        ready::take(&self.words, &self.summary, |w, bits| {
            got |= (bits as u128) << (w * ready::BITS)
        });
        got
    }
    /// One executor pass followed by the park decision. Returns the slots it
    /// took and whether it went to sleep.
    fn pass_then_maybe_park(&self) -> (u128, bool) {
        let mut got = self.take_all();
        if got != 0 {
            return (got, false);
        }
        ready::begin_park(&self.parked);
        let pending = ready::any_pending(&self.words, &self.summary);
        if pending {
            ready::end_park(&self.parked);
            got |= self.take_all();
            assert!(got != 0, "any_pending said yes but take found nothing");
            (got, false)
        } else {
            (got, true)
        }
    }
}

fn check(words: usize, slots: &'static [usize]) {
    loom::model(move || {
        let set = Set::new(words);
        let wakers: Vec<_> = slots
            .iter()
            .map(|&s| {
                let set = set.clone();
                thread::spawn(move || set.wake(s))
            })
            .collect();
        let (mut got, slept) = set.pass_then_maybe_park();
        for w in wakers {
            w.join().unwrap();
        }
        if slept {
            // The executor decided to sleep: some waker must have seen it
            // parked and unparked it (otherwise: lost wake-up).
            assert!(
                set.unparks.load(SeqCst) >= 1,
                "executor slept and nobody unparked it"
            );
        }
        ready::end_park(&set.parked);
        // After the wakers are done, one more pass must find every bit that
        // was not taken yet: no bit is lost, and none is reported twice.
        let rest = set.take_all();
        let distinct = slots
            .iter()
            .all(|s| slots.iter().filter(|t| *t == s).count() == 1);
        if distinct {
            // (A slot woken again after it was taken is rightly taken twice.)
            assert_eq!(got & rest, 0, "a wake was delivered twice");
        }
        got |= rest;
        let want = slots.iter().fold(0u128, |m, &s| m | 1 << s);
        assert_eq!(got, want, "a wake was lost");
        assert_eq!(set.take_all(), 0);
    });
}

#[test]
fn one_word_one_waker() {
    check(1, &[3]);
}

#[test]
fn one_word_two_wakers_same_slot_coalesce() {
    check(1, &[5, 5]);
}

#[test]
fn two_words_two_wakers_same_word() {
    // The second waker sees `prev != 0` and relies on the first's summary bit.
    check(2, &[65, 70]);
}

#[test]
fn two_words_two_wakers_different_words() {
    check(2, &[1, 64]);
}

/// Two executor passes racing two wakers on the same word of a two-word set.
#[test]
fn two_passes_race_wakers() {
    loom::model(|| {
        let set = Set::new(2);
        let a = {
            let set = set.clone();
            thread::spawn(move || set.wake(64))
        };
        let b = {
            let set = set.clone();
            thread::spawn(move || set.wake(66))
        };
        let mut got = set.take_all();
        let second = set.take_all();
        assert_eq!(got & second, 0);
        got |= second;
        a.join().unwrap();
        b.join().unwrap();
        let rest = set.take_all();
        assert_eq!(got & rest, 0);
        assert_eq!(got | rest, (1u128 << 64) | (1u128 << 66));
    });
}

// --- the foreign-joiner cell (`src/executor/atomic_waker.rs`) ---------------

#[allow(dead_code)]
#[path = "../src/executor/atomic_waker.rs"]
mod atomic_waker;

/// A waker that sets a (loom) flag.
struct Flag(AtomicBool);
impl std::task::Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, SeqCst);
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

/// The JoinHandle protocol with foreign joiners: a joiner registers its
/// waker, then checks `done`; the finishing side sets `done`, then wakes.
/// Every joiner that saw "not done" must end up woken.
fn joiners(n: usize) {
    loom::model(move || {
        let cell = Arc::new(atomic_waker::AtomicWaker::new(AtomicUsize::new(0)));
        let done = Arc::new(AtomicBool::new(false));
        let js: Vec<_> = (0..n)
            .map(|_| {
                let (cell, done) = (cell.clone(), done.clone());
                thread::spawn(move || {
                    let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
                    let w = std::task::Waker::from(flag.clone());
                    cell.register(&w);
                    let pending = !done.load(SeqCst);
                    (pending, flag)
                })
            })
            .collect();
        done.store(true, SeqCst);
        cell.wake();
        // Join everyone first: a joiner may be woken by another joiner that
        // replaced its waker.
        let results: Vec<_> = js.into_iter().map(|j| j.join().unwrap()).collect();
        for (pending, flag) in results {
            if pending {
                // Woken by the finisher, or by whoever replaced its waker
                // (and then it re-polls and sees `done`).
                assert!(
                    flag.0.load(SeqCst),
                    "a pending foreign joiner was never woken"
                );
            }
        }
    });
}

#[test]
fn foreign_joiner_is_woken() {
    joiners(1);
}

#[test]
fn two_foreign_joiners_are_both_woken() {
    joiners(2);
}
