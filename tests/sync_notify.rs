//! `bitwake::sync::Notify` and `OneShot`: permits, wake one / wake all, and a
//! `notify_one` that survives the drop of the waiter it woke.
mod executor_common;
mod sync_common;

use bitwake::executor::{Executor, join};
use bitwake::sync::{Notify, OneShot, RecvError, TryRecvError};
use executor_common::TestPark;
use std::task::Poll;
use sync_common::{counter, poll, wakes};

static PARK: TestPark = TestPark::new();
static EXEC: Executor = Executor::new(&PARK);

#[test]
fn notify_one_stores_a_single_permit() {
    let n = Notify::new();
    n.notify_one();
    n.notify_one();
    let (_, w) = counter();
    assert_eq!(poll(Box::pin(n.notified()).as_mut(), &w), Poll::Ready(()));
    // Only one permit was stored.
    let mut f = Box::pin(n.notified());
    assert!(poll(f.as_mut(), &w).is_pending());
    n.notify_one();
    assert_eq!(poll(f.as_mut(), &w), Poll::Ready(()));
}

#[test]
fn notify_one_wakes_in_order_and_notify_waiters_wakes_all() {
    let n = Notify::new();
    let (ca, wa) = counter();
    let (cb, wb) = counter();
    let mut a = Box::pin(n.notified());
    let mut b = Box::pin(n.notified());
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    n.notify_one();
    assert_eq!((wakes(&ca), wakes(&cb)), (1, 0));
    assert!(poll(a.as_mut(), &wa).is_ready());
    assert!(poll(b.as_mut(), &wb).is_pending());
    let mut c = Box::pin(n.notified());
    assert!(poll(c.as_mut(), &wa).is_pending());
    n.notify_waiters();
    assert!(poll(b.as_mut(), &wb).is_ready());
    assert!(poll(c.as_mut(), &wa).is_ready());
    // notify_waiters stores no permit.
    let mut d = Box::pin(n.notified());
    assert!(poll(d.as_mut(), &wa).is_pending());
}

#[test]
fn a_dropped_woken_waiter_passes_notify_one_on() {
    let n = Notify::new();
    let (ca, wa) = counter();
    let (cb, wb) = counter();
    let mut a = Box::pin(n.notified());
    let mut b = Box::pin(n.notified());
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    n.notify_one();
    drop(a);
    assert_eq!((wakes(&ca), wakes(&cb)), (1, 1));
    assert!(poll(b.as_mut(), &wb).is_ready());
    // With nobody left, it goes back into the permit.
    let mut c = Box::pin(n.notified());
    assert!(poll(c.as_mut(), &wa).is_pending());
    n.notify_one();
    drop(c);
    assert!(poll(Box::pin(n.notified()).as_mut(), &wa).is_ready());
    // A waiter woken by notify_waiters and dropped passes nothing on.
    let mut d = Box::pin(n.notified());
    assert!(poll(d.as_mut(), &wa).is_pending());
    n.notify_waiters();
    drop(d);
    assert!(poll(Box::pin(n.notified()).as_mut(), &wa).is_pending());
}

static SLOT: OneShot<u32> = OneShot::new();
static GO: Notify = Notify::new();

#[test]
fn tasks_hand_over_through_notify_and_oneshot() {
    let got = EXEC.block_on(async {
        let waiter = async {
            GO.notified().await;
            SLOT.recv().await
        };
        let sender = async {
            GO.notify_one();
            bitwake::executor::yield_now().await;
            SLOT.send(7)
        };
        join(waiter, sender).await
    });
    assert_eq!(got, (Ok(7), Ok(())));
    assert_eq!(SLOT.send(8), Err(8));
    assert_eq!(SLOT.try_recv(), Err(TryRecvError::Closed));
    SLOT.reset();
    assert_eq!(SLOT.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn oneshot_close_and_many_receivers() {
    let s: OneShot<String> = OneShot::new();
    let (c, w) = counter();
    let mut a = Box::pin(s.recv());
    let mut b = Box::pin(s.recv());
    let mut gone = Box::pin(s.recv());
    assert!(poll(a.as_mut(), &w).is_pending());
    assert!(poll(b.as_mut(), &w).is_pending());
    assert!(poll(gone.as_mut(), &w).is_pending());
    drop(gone);
    s.send("v".into()).unwrap();
    assert_eq!(wakes(&c), 2);
    assert_eq!(poll(b.as_mut(), &w), Poll::Ready(Ok("v".into())));
    assert_eq!(poll(a.as_mut(), &w), Poll::Ready(Err(RecvError::Closed)));
    let t: OneShot<u8> = OneShot::new();
    let mut r = Box::pin(t.recv());
    assert!(poll(r.as_mut(), &w).is_pending());
    t.close();
    assert_eq!(poll(r.as_mut(), &w), Poll::Ready(Err(RecvError::Closed)));
    assert_eq!(t.send(1), Err(1));
}
