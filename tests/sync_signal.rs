//! `bitwake::sync::Signal`: latest value wins, one value per waiter, no lost
//! wake-up when a woken waiter is dropped.
mod executor_common;
mod sync_common;

use bitwake::executor::{Executor, yield_now};
use bitwake::sync::Signal;
use executor_common::TestPark;
use std::task::Poll;
use sync_common::{counter, poll, wakes};

static PARK: TestPark = TestPark::new();
static EXEC: Executor = Executor::new(&PARK);
static LATEST: Signal<u32> = Signal::new();

bitwake::task! {
    pool_size = 1;
    async fn setter() {
        for v in 1..=5 {
            LATEST.signal(v);
        }
        yield_now().await;
        LATEST.signal(6);
    }
}

#[test]
fn the_latest_value_wins() {
    let got = EXEC.block_on(async {
        let h = EXEC.spawn(setter()).unwrap();
        let a = LATEST.wait().await;
        let b = LATEST.wait().await;
        h.await.unwrap();
        (a, b)
    });
    assert_eq!(got, (5, 6));
    assert!(!LATEST.signaled());
}

#[test]
fn each_value_goes_to_one_waiter_in_order() {
    let s = Signal::new();
    let (ca, wa) = counter();
    let (cb, wb) = counter();
    let mut a = Box::pin(s.wait());
    let mut b = Box::pin(s.wait());
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    s.signal("x");
    assert_eq!((wakes(&ca), wakes(&cb)), (1, 0));
    assert_eq!(poll(a.as_mut(), &wa), Poll::Ready("x"));
    assert!(poll(b.as_mut(), &wb).is_pending());
    s.signal("y");
    assert_eq!(wakes(&cb), 1);
    assert_eq!(poll(b.as_mut(), &wb), Poll::Ready("y"));
    s.signal("z");
    s.reset();
    assert_eq!(s.try_take(), None);
}

#[test]
fn a_woken_waiter_dropped_passes_the_wake_up_on() {
    let s = Signal::new();
    let (ca, wa) = counter();
    let (cb, wb) = counter();
    let mut a = Box::pin(s.wait());
    let mut b = Box::pin(s.wait());
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    s.signal(1);
    assert_eq!((wakes(&ca), wakes(&cb)), (1, 0));
    drop(a);
    assert_eq!(
        wakes(&cb),
        1,
        "the wake-up was lost with the dropped waiter"
    );
    assert_eq!(poll(b.as_mut(), &wb), Poll::Ready(1));
    // A queued waiter dropped before any signal leaves no stale entry.
    let mut c = Box::pin(s.wait());
    let mut d = Box::pin(s.wait());
    assert!(poll(c.as_mut(), &wa).is_pending());
    assert!(poll(d.as_mut(), &wb).is_pending());
    drop(c);
    s.signal(2);
    assert_eq!(wakes(&cb), 2);
    assert_eq!(poll(d.as_mut(), &wb), Poll::Ready(2));
}
