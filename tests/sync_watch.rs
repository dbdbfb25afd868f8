//! `bitwake::sync::watch`: latest value, change notification for many
//! receivers, close, cancellation, and a thread that watches a counter.
mod sync_common;

use bitwake::executor::{Executor, SpinPark};
use bitwake::sync::watch::{Closed, SendError, Watch};
use std::pin::pin;
use std::task::Poll;
use sync_common::{block_on, counter, poll, wakes};

static EXEC: Executor = Executor::new(&SpinPark);

fn waiting<T>(w: &Watch<T>) -> usize {
    let s = format!("{w:?}");
    let n = s.split("waiting: ").nth(1).unwrap();
    n.trim_end_matches(" }").parse().unwrap()
}

#[test]
fn changed_returns_the_latest_value_once() {
    let w = Watch::with_value(1);
    let mut rx = w.receiver();
    assert_eq!(rx.get(), Some(1));
    assert!(!rx.has_changed());
    w.send(2).unwrap();
    w.send(3).unwrap();
    assert!(rx.has_changed());
    assert_eq!(EXEC.block_on(rx.changed()), Ok(3));
    assert!(!rx.has_changed());
    // Nothing newer: it waits.
    let (c, wk) = counter();
    let mut f = pin!(rx.changed());
    assert!(poll(f.as_mut(), &wk).is_pending());
    w.send(4).unwrap();
    assert_eq!(wakes(&c), 1);
    assert_eq!(poll(f.as_mut(), &wk), Poll::Ready(Ok(4)));
}

#[test]
fn an_empty_watch_waits_for_its_first_value() {
    let w: Watch<&str> = Watch::new();
    let mut rx = w.receiver();
    assert_eq!(rx.get(), None);
    assert!(!rx.has_changed());
    let (_, wk) = counter();
    let mut f = pin!(rx.changed());
    assert!(poll(f.as_mut(), &wk).is_pending());
    w.send("first").unwrap();
    assert_eq!(poll(f.as_mut(), &wk), Poll::Ready(Ok("first")));
}

#[test]
fn every_waiting_receiver_is_woken_and_sees_the_value() {
    let w = Watch::with_value(0u32);
    let mut rxs: Vec<_> = (0..10).map(|_| w.receiver()).collect();
    let wakers: Vec<_> = (0..10).map(|_| counter()).collect();
    let mut futs: Vec<_> = rxs.iter_mut().map(|r| Box::pin(r.changed())).collect();
    for (f, (_, wk)) in futs.iter_mut().zip(&wakers) {
        assert!(poll(f.as_mut(), wk).is_pending());
    }
    assert_eq!(waiting(&w), 10);
    w.send(5).unwrap();
    assert_eq!(waiting(&w), 0);
    for (f, (c, wk)) in futs.iter_mut().zip(&wakers) {
        assert_eq!(wakes(c), 1);
        assert_eq!(poll(f.as_mut(), wk), Poll::Ready(Ok(5)));
    }
}

#[test]
fn close_delivers_the_unseen_value_then_closed() {
    let w = Watch::with_value(String::from("a"));
    let mut seen_all = w.receiver();
    let mut behind = w.receiver();
    w.send("b".into()).unwrap();
    assert_eq!(EXEC.block_on(seen_all.changed()), Ok("b".into()));
    let (c, wk) = counter();
    let mut f = pin!(seen_all.changed());
    assert!(poll(f.as_mut(), &wk).is_pending());
    w.close();
    assert_eq!(wakes(&c), 1);
    assert_eq!(poll(f.as_mut(), &wk), Poll::Ready(Err(Closed)));
    assert_eq!(EXEC.block_on(behind.changed()), Ok("b".into()));
    assert_eq!(EXEC.block_on(behind.changed()), Err(Closed));
    assert_eq!(w.send("c".into()), Err(SendError("c".into())));
    // The last value stays readable.
    assert_eq!(w.get(), Some("b".into()));
    assert!(w.is_closed());
}

#[test]
fn a_dropped_changed_loses_nothing_and_leaves_no_waiter() {
    let w = Watch::with_value(1);
    let mut rx = w.receiver();
    let (c, wk) = counter();
    {
        let mut f = pin!(rx.changed());
        assert!(poll(f.as_mut(), &wk).is_pending());
        assert_eq!(waiting(&w), 1);
    }
    assert_eq!(waiting(&w), 0);
    {
        let mut f = pin!(rx.changed());
        assert!(poll(f.as_mut(), &wk).is_pending());
        w.send(2).unwrap();
        assert_eq!(wakes(&c), 1);
    }
    // Woken, dropped before it ran: still unseen.
    assert!(rx.has_changed());
    rx.mark_seen();
    assert!(!rx.has_changed());
    assert_eq!(waiting(&w), 0);
}

/// A thread counts up; watchers on other threads see strictly increasing
/// values and, at the end, the last one.
#[test]
fn watchers_on_threads_see_increasing_values_and_the_last() {
    static W: Watch<u64> = Watch::with_value(0);
    let n = if cfg!(miri) { 200 } else { 20_000 };
    let watchers: Vec<_> = (0..3)
        .map(|_| {
            let mut rx = W.receiver();
            std::thread::spawn(move || {
                let (mut last, mut seen) = (0, 0u64);
                while let Ok(v) = block_on(rx.changed()) {
                    assert!(v > last, "{v} after {last}");
                    last = v;
                    seen += 1;
                }
                (last, seen)
            })
        })
        .collect();
    for v in 1..=n {
        W.send(v).unwrap();
    }
    W.close();
    for t in watchers {
        let (last, seen) = t.join().unwrap();
        assert_eq!(last, n);
        assert!(seen >= 1);
    }
}
