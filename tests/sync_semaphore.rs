//! `bitwake::sync::Semaphore`: FIFO across request sizes, permits returned on
//! drop, cancellation (a dropped waiter leaves no stale entry and passes its
//! turn on), exact concurrency bound under multi-thread stress.
mod sync_common;

use bitwake::sync::Semaphore;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::Poll;
use sync_common::{block_on, counter, poll, wakes};

const fn scaled(n: u64) -> u64 {
    if cfg!(miri) { n / 100 } else { n }
}

#[test]
fn permits_come_back_on_drop_and_forget_keeps_them() {
    let s = Semaphore::new(3);
    let a = s.try_acquire(2).unwrap();
    assert_eq!(a.count(), 2);
    assert!(s.try_acquire(2).is_none());
    let b = s.try_acquire(1).unwrap();
    assert_eq!(s.available_permits(), 0);
    drop(a);
    assert_eq!(s.available_permits(), 2);
    b.forget();
    assert_eq!(s.available_permits(), 2);
    s.add_permits(1);
    assert_eq!(block_on(s.acquire(3)).count(), 3);
    assert_eq!(s.available_permits(), 3);
}

#[test]
fn a_large_request_at_the_head_is_not_overtaken() {
    let s = Semaphore::new(1);
    let held = s.try_acquire(1).unwrap();
    let (cb, wb) = counter();
    let (cs, ws) = counter();
    let mut big = Box::pin(s.acquire(2));
    let mut small = Box::pin(s.acquire(1));
    assert!(poll(big.as_mut(), &wb).is_pending());
    assert!(poll(small.as_mut(), &ws).is_pending());
    s.add_permits(1); // 1 free: not enough for the head
    assert_eq!(wakes(&cb), 1);
    assert!(poll(big.as_mut(), &wb).is_pending());
    // Neither the small waiter nor a newcomer may take the free permit.
    assert!(s.try_acquire(1).is_none());
    assert!(poll(small.as_mut(), &ws).is_pending());
    assert_eq!(wakes(&cs), 0);
    drop(held); // 2 free
    assert_eq!(wakes(&cb), 2);
    let big_permit = match poll(big.as_mut(), &wb) {
        Poll::Ready(p) => p,
        Poll::Pending => panic!("the head did not get its permits"),
    };
    assert_eq!(s.available_permits(), 0);
    drop(big_permit);
    // The turn passed on: the small waiter was woken and gets one.
    assert_eq!(wakes(&cs), 1);
    assert!(poll(small.as_mut(), &ws).is_ready());
}

#[test]
fn dropped_waiters_leave_nothing_and_pass_the_turn_on() {
    let s = Semaphore::new(0);
    let (ca, wa) = counter();
    let (cb, wb) = counter();
    let (cc, wc) = counter();
    let mut a = Box::pin(s.acquire(1));
    let mut b = Box::pin(s.acquire(1));
    let mut c = Box::pin(s.acquire(1));
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    assert!(poll(c.as_mut(), &wc).is_pending());
    drop(b); // queued: leaves no stale entry
    s.add_permits(1);
    assert_eq!((wakes(&ca), wakes(&cb), wakes(&cc)), (1, 0, 0));
    drop(a); // woken with the turn: passes it to c
    assert_eq!(wakes(&cc), 1);
    assert!(poll(c.as_mut(), &wc).is_ready());
    assert_eq!(s.available_permits(), 1);
}

#[test]
fn threads_never_exceed_the_permits() {
    static S: Semaphore = Semaphore::new(3);
    static INSIDE: AtomicUsize = AtomicUsize::new(0);
    static MAX: AtomicUsize = AtomicUsize::new(0);
    static DONE: AtomicUsize = AtomicUsize::new(0);
    let per = scaled(5_000);
    let threads: Vec<_> = (0..4u64)
        .map(|k| {
            std::thread::spawn(move || {
                let (_, noop) = counter();
                for i in 0..per {
                    let n = 1 + ((i + k) % 2) as usize;
                    if (i + k).is_multiple_of(7) {
                        // Abandon a request after one poll.
                        let mut f = std::pin::pin!(S.acquire(n));
                        if poll(f.as_mut(), &noop).is_ready() {
                            DONE.fetch_add(1, SeqCst);
                            continue;
                        }
                    }
                    let p = block_on(S.acquire(n));
                    let now = INSIDE.fetch_add(n, SeqCst) + n;
                    MAX.fetch_max(now, SeqCst);
                    INSIDE.fetch_sub(n, SeqCst);
                    drop(p);
                    DONE.fetch_add(1, SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(DONE.load(SeqCst) as u64, 4 * per);
    assert!(MAX.load(SeqCst) <= 3);
    assert_eq!(S.available_permits(), 3);
}
