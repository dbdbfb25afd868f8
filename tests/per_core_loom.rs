//! loom model of executors taking the pools of a per-core task function
//! (`src/executor/owners.rs`).
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release --test per_core_loom`
//!
//! Threads start tasks of one per-core function at the same time, some on
//! the same executor, some on different ones. In every interleaving, the
//! starts on one executor land in one pool, different executors never share
//! a pool, and an executor finds no pool only when every pool belongs to
//! another executor.
#![cfg(loom)]

mod atomic {
    pub(crate) use loom::sync::atomic::{AtomicPtr, Ordering};
}
#[path = "../src/executor/owners.rs"]
mod owners;

use atomic::AtomicPtr;
use loom::sync::Arc;
use loom::thread;

/// Stand-ins for executors: only their addresses matter.
static EXECUTORS: [u8; 3] = [0; 3];

fn exec(i: usize) -> *mut u8 {
    (&EXECUTORS[i] as *const u8).cast_mut()
}

fn group(pools: usize) -> Arc<Vec<AtomicPtr<u8>>> {
    Arc::new(
        (0..pools)
            .map(|_| AtomicPtr::new(std::ptr::null_mut()))
            .collect(),
    )
}

/// Each thread picks the pool of executor `on[k]`; returns the picks.
fn race(pools: usize, on: &[usize]) -> (Vec<Option<usize>>, Arc<Vec<AtomicPtr<u8>>>) {
    let owners = group(pools);
    let handles: Vec<_> = on
        .iter()
        .map(|&e| {
            let owners = owners.clone();
            thread::spawn(move || owners::pick(&owners, exec(e)))
        })
        .collect();
    let picks = handles.into_iter().map(|h| h.join().unwrap()).collect();
    (picks, owners)
}

#[test]
fn one_executor_racing_itself_gets_one_pool_and_another_gets_the_next() {
    loom::model(|| {
        let (p, owners) = race(2, &[0, 0, 1]);
        assert_eq!(p[0], p[1], "{p:?}");
        let (a, b) = (p[0].expect("a pool for 0"), p[2].expect("a pool for 1"));
        assert_ne!(a, b);
        assert_eq!(owners[a].load(atomic::Ordering::Relaxed), exec(0));
        assert_eq!(owners[b].load(atomic::Ordering::Relaxed), exec(1));
        // Taken for good: a later start finds the same pools.
        assert_eq!(owners::pick(&owners, exec(0)), Some(a));
        assert_eq!(owners::pick(&owners, exec(1)), Some(b));
    });
}

#[test]
fn executors_beyond_the_pools_get_none() {
    loom::model(|| {
        let (p, owners) = race(2, &[0, 1, 2]);
        let got: Vec<usize> = p.iter().flatten().copied().collect();
        assert_eq!(got.len(), 2, "{p:?}");
        assert_ne!(got[0], got[1]);
        let refused = p.iter().position(Option::is_none).expect("one refused");
        // Refused for good, and the pools stay with their executors.
        assert_eq!(owners::pick(&owners, exec(refused)), None);
        for (e, pick) in p.iter().enumerate() {
            if let Some(i) = pick {
                assert_eq!(owners::pick(&owners, exec(e)), Some(*i));
            }
        }
    });
}
