//! Randomized differential test: `TimerQueue` against a sorted-`Vec` model.
//!
//! The model is the obviously-correct O(n) version: a vector of
//! `(deadline, seq, id)` kept sorted. Every operation is applied to both and
//! every observable result (handles' liveness, fired order, next deadline,
//! errors) must agree. Fixed seeds keep failures reproducible.

use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

use bitwake::time::{Instant, TimerError, TimerHandle, TimerQueue};

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Tag(u64, Arc<Mutex<Vec<u64>>>);
impl Wake for Tag {
    fn wake(self: Arc<Self>) {
        self.1.lock().unwrap().push(self.0);
    }
}

const CAP: usize = 16;

fn run(seed: u64, steps: usize) {
    let mut rng = XorShift(seed);
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut q = TimerQueue::<CAP>::new();
    // Model: sorted by (deadline, seq).
    let mut model: Vec<(u64, u64, u64)> = Vec::new();
    // Every handle ever issued, with its id; includes stale ones on purpose.
    let mut handles: Vec<(TimerHandle, u64)> = Vec::new();
    let mut now = 0u64;
    let mut seq = 0u64;
    let mut next_id = 0u64;

    for _ in 0..steps {
        match rng.below(10) {
            // insert (deadlines cluster so ties are common)
            0..=4 => {
                let deadline = now + rng.below(40);
                let id = next_id;
                next_id += 1;
                let waker = Waker::from(Arc::new(Tag(id, log.clone())));
                let r = q.insert(Instant::from_nanos(deadline), waker);
                if model.len() == CAP {
                    assert_eq!(r, Err(TimerError::Full), "seed {seed}");
                } else {
                    let h = r.expect("insert with room");
                    model.push((deadline, seq, id));
                    model.sort();
                    seq += 1;
                    handles.push((h, id));
                }
            }
            // cancel a random handle (live or stale)
            5..=6 if !handles.is_empty() => {
                let (h, id) = handles[rng.below(handles.len() as u64) as usize];
                let in_model = model.iter().position(|e| e.2 == id);
                assert_eq!(q.contains(h), in_model.is_some(), "seed {seed}");
                match (q.cancel(h), in_model) {
                    (Ok(w), Some(i)) => {
                        model.remove(i);
                        drop(w); // cancelled wakers must not be woken
                    }
                    (Err(TimerError::Stale), None) => {}
                    (r, m) => panic!("seed {seed}: cancel {r:?} vs model {m:?}"),
                }
            }
            // reschedule a random handle
            7 if !handles.is_empty() => {
                let (h, id) = handles[rng.below(handles.len() as u64) as usize];
                let deadline = now + rng.below(40);
                let r = q.reschedule(h, Instant::from_nanos(deadline));
                match model.iter().position(|e| e.2 == id) {
                    Some(i) => {
                        assert_eq!(r, Ok(()), "seed {seed}");
                        model[i] = (deadline, seq, id);
                        seq += 1;
                        model.sort();
                    }
                    None => assert_eq!(r, Err(TimerError::Stale), "seed {seed}"),
                }
            }
            // advance time and fire
            _ => {
                now += rng.below(25);
                log.lock().unwrap().clear();
                let fired = q.pop_expired(Instant::from_nanos(now), |w| w.wake());
                let expect: Vec<u64> = model
                    .iter()
                    .take_while(|e| e.0 <= now)
                    .map(|e| e.2)
                    .collect();
                model.drain(..expect.len());
                assert_eq!(fired, expect.len(), "seed {seed}");
                assert_eq!(*log.lock().unwrap(), expect, "seed {seed}");
            }
        }
        assert_eq!(q.len(), model.len(), "seed {seed}");
        assert_eq!(
            q.next_deadline(),
            model.first().map(|e| Instant::from_nanos(e.0)),
            "seed {seed}"
        );
        // Handles don't grow without bound in long runs.
        if handles.len() > 4 * CAP {
            handles.drain(..CAP);
        }
    }
    // Drain everything: the rest must come out in model order.
    log.lock().unwrap().clear();
    q.pop_expired(Instant::MAX, |w| w.wake());
    let rest: Vec<u64> = model.iter().map(|e| e.2).collect();
    assert_eq!(*log.lock().unwrap(), rest, "seed {seed}");
    assert!(q.is_empty());
}

#[test]
fn differential_against_sorted_vec_model() {
    for seed in 1..=200u64 {
        run(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1, 2_000);
    }
}

#[test]
fn stale_handle_never_cancels_a_reused_slot() {
    let mut q = TimerQueue::<1>::new();
    let old = q
        .insert(Instant::from_nanos(5), Waker::noop().clone())
        .unwrap();
    q.cancel(old).unwrap();
    // Cycle the single slot many times; `old` must stay stale throughout.
    for i in 0..1000u64 {
        let h = q
            .insert(Instant::from_nanos(i), Waker::noop().clone())
            .unwrap();
        assert_eq!(h.slot(), old.slot());
        assert_eq!(q.cancel(old).err(), Some(TimerError::Stale));
        assert!(q.contains(h));
        assert_eq!(q.pop_expired(Instant::from_nanos(i), drop), 1);
    }
}

#[test]
fn large_queue_fires_in_order() {
    // 4096 timers with pseudo-random deadlines: heap order == sorted order.
    let mut q = TimerQueue::<4096>::new();
    let mut rng = XorShift(0xDEAD_BEEF);
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut expect = Vec::new();
    for id in 0..4096u64 {
        let d = rng.below(1000);
        q.insert(
            Instant::from_nanos(d),
            Waker::from(Arc::new(Tag(id, log.clone()))),
        )
        .unwrap();
        expect.push((d, id));
    }
    assert_eq!(
        q.insert(Instant::ZERO, Waker::noop().clone()),
        Err(TimerError::Full)
    );
    expect.sort();
    q.pop_expired(Instant::MAX, |w| w.wake());
    let ids: Vec<u64> = expect.iter().map(|e| e.1).collect();
    assert_eq!(*log.lock().unwrap(), ids);
}
