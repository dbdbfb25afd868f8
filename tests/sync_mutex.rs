//! `bitwake::sync::Mutex`: exclusion across awaits, FIFO hand-off,
//! cancellation (a dropped lock future leaves no stale waiter and passes on a
//! lock handed to it), exact totals under multi-thread stress.
mod executor_common;
mod sync_common;

use bitwake::executor::{Executor, yield_now};
use bitwake::sync::Mutex;
use executor_common::TestPark;
use std::pin::pin;
use std::task::Poll;
use sync_common::{block_on, counter, poll, wakes};

static PARK: TestPark = TestPark::new();
static EXEC: Executor = Executor::new(&PARK);

const fn scaled(n: u64) -> u64 {
    if cfg!(miri) { n / 100 } else { n }
}

static SHARED: Mutex<(u64, bool)> = Mutex::new((0, false));

bitwake::task! {
    pool_size = 3;
    async fn bump(n: u64) {
        for _ in 0..n {
            let mut g = SHARED.lock().await;
            assert!(!g.1, "two holders at once");
            g.1 = true;
            // Hold the lock across a suspension point.
            yield_now().await;
            g.0 += 1;
            g.1 = false;
        }
    }
}

#[test]
fn tasks_hold_the_lock_across_awaits() {
    let n = scaled(1_000);
    EXEC.block_on(async {
        let hs = [
            EXEC.spawn(bump(n)).unwrap(),
            EXEC.spawn(bump(n)).unwrap(),
            EXEC.spawn(bump(n)).unwrap(),
        ];
        for h in hs {
            h.await.unwrap();
        }
    });
    assert_eq!(SHARED.try_lock().unwrap().0, 3 * n);
}

#[test]
fn release_hands_the_lock_to_waiters_in_arrival_order() {
    let m = Mutex::new(Vec::new());
    let (c, w) = counter();
    let g = m.try_lock().unwrap();
    let mut l: Vec<_> = (0..3).map(|_| Box::pin(m.lock())).collect();
    for f in &mut l {
        assert!(poll(f.as_mut(), &w).is_pending());
    }
    drop(g);
    for i in 0..3 {
        assert_eq!(wakes(&c), i + 1, "one waiter woken per release");
        // Handed over, not unlocked: a newcomer cannot barge in.
        assert!(m.try_lock().is_none());
        for f in &mut l[i + 1..] {
            assert!(poll(f.as_mut(), &w).is_pending());
        }
        match poll(l[i].as_mut(), &w) {
            Poll::Ready(mut g) => g.push(i),
            Poll::Pending => panic!("waiter {i} did not get the lock"),
        }
    }
    assert_eq!(*m.try_lock().unwrap(), [0, 1, 2]);
}

#[test]
fn dropped_pending_lock_leaves_no_stale_waiter() {
    let m = Mutex::new(0);
    let (ca, wa) = counter();
    let (cb, wb) = counter();
    let g = m.try_lock().unwrap();
    let mut a = Box::pin(m.lock());
    let mut b = Box::pin(m.lock());
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    drop(a);
    drop(g);
    assert_eq!((wakes(&ca), wakes(&cb)), (0, 1));
    assert!(poll(b.as_mut(), &wb).is_ready());
}

#[test]
fn woken_then_dropped_lock_passes_the_lock_on() {
    let m = Mutex::new(0);
    let (ca, wa) = counter();
    let (cb, wb) = counter();
    let g = m.try_lock().unwrap();
    let mut a = Box::pin(m.lock());
    let mut b = Box::pin(m.lock());
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    drop(g);
    assert_eq!((wakes(&ca), wakes(&cb)), (1, 0));
    drop(a);
    assert_eq!(wakes(&cb), 1, "the handed-over lock was lost");
    match poll(b.as_mut(), &wb) {
        Poll::Ready(g) => drop(g),
        Poll::Pending => panic!("b did not get the lock"),
    }
    // With nobody waiting, a dropped woken lock future unlocks.
    let g = m.try_lock().unwrap();
    let mut c = Box::pin(m.lock());
    assert!(poll(c.as_mut(), &wa).is_pending());
    drop(g);
    assert!(m.try_lock().is_none());
    drop(c);
    assert!(m.try_lock().is_some());
}

#[test]
fn get_mut_and_into_inner() {
    let mut m = Mutex::new(String::from("a"));
    m.get_mut().push('b');
    assert_eq!(format!("{:?}", m.try_lock().unwrap()), "\"ab\"");
    assert_eq!(m.into_inner(), "ab");
}

#[test]
fn threads_count_exactly_with_abandoned_locks() {
    static M: Mutex<u64> = Mutex::new(0);
    let per = scaled(20_000);
    let threads: Vec<_> = (0..4u64)
        .map(|k| {
            std::thread::spawn(move || {
                let (_, noop) = counter();
                for i in 0..per {
                    if (i + k).is_multiple_of(5) {
                        // Ask and give up after one poll: a future dropped
                        // while queued (or after the lock was handed to it)
                        // must leave the lock usable.
                        let mut f = pin!(M.lock());
                        if let Poll::Ready(mut g) = poll(f.as_mut(), &noop) {
                            *g += 1;
                            continue;
                        }
                    }
                    *block_on(M.lock()) += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // An abandoned ask that got the lock counts; one that did not falls back
    // to waiting: one increment per iteration either way.
    assert_eq!(*M.try_lock().unwrap(), 4 * per);
}
