//! loom models of the fan-out types of `bitwake::sync`: a broadcast's send
//! racing receives (one of them abandoned) and its close, every waiting
//! subscriber woken by one send, and a watch's sends racing its close.
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test --release --test sync_loom_fanout`
//!
//! As in `sync_loom.rs`, the real files are compiled here with a lock whose
//! acquisition is a loom mutex, so loom explores every order of the
//! critical sections and of the wake-ups between them; a lost wake-up
//! leaves a thread parked forever, which loom reports as a deadlock.
#![cfg(loom)]

mod sync_loom_common;

pub(crate) use sync_loom_common::Lock;
use sync_loom_common::{block_on, waker};

#[allow(dead_code)]
#[path = "../src/waitlist.rs"]
mod waitlist;

#[allow(dead_code)]
#[path = "../src/sync/wake_all.rs"]
mod wake_all;

#[allow(dead_code)]
#[path = "../src/sync/broadcast.rs"]
mod broadcast;
#[path = "../src/sync/send_error.rs"]
mod send_error;

#[allow(dead_code)]
#[path = "../src/sync/watch.rs"]
mod watch;

use broadcast::{Broadcast, RecvError};
use loom::thread;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

/// Subscribers and receivers borrow their broadcast or watch, and loom's
/// threads want `'static`: one small leak per explored execution.
fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

#[test]
fn broadcast_sends_race_an_abandoned_receive_and_close() {
    loom::model(|| {
        let b: &'static Broadcast<u32, 1> = leak(Broadcast::new());
        let mut sub = b.subscribe();
        let rx = thread::spawn(move || {
            let (mut got, mut missed) = (Vec::new(), 0);
            {
                // Polled once and dropped, maybe after a send woke it.
                let w = waker();
                let mut f = pin!(sub.recv());
                match f.as_mut().poll(&mut Context::from_waker(&w)) {
                    Poll::Ready(Ok(v)) => got.push(v),
                    Poll::Ready(Err(RecvError::Lagged(n))) => missed += n,
                    Poll::Ready(Err(RecvError::Closed)) => return (got, missed),
                    Poll::Pending => {}
                }
            }
            loop {
                match block_on(sub.recv()) {
                    Ok(v) => got.push(v),
                    Err(RecvError::Lagged(n)) => missed += n,
                    Err(RecvError::Closed) => return (got, missed),
                }
            }
        });
        let tx = thread::spawn(move || (1..=2).filter(|&v| b.send(v).is_ok()).count() as u64);
        let accepted = tx.join().unwrap();
        b.close();
        let (got, missed) = rx.join().unwrap();
        // In order, each at most once, and nothing unaccounted for.
        assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
        assert_eq!(got.len() as u64 + missed, accepted, "{got:?} {missed}");
    });
}

#[test]
fn broadcast_send_wakes_every_waiting_subscriber() {
    loom::model(|| {
        let b: &'static Broadcast<u32, 2> = leak(Broadcast::new());
        let subs: Vec<_> = (0..2)
            .map(|_| {
                let mut sub = b.subscribe();
                thread::spawn(move || block_on(sub.recv()))
            })
            .collect();
        b.send(7).unwrap();
        for t in subs {
            assert_eq!(t.join().unwrap(), Ok(7));
        }
    });
}

#[test]
fn watch_sends_race_close_and_the_last_value_is_seen() {
    loom::model(|| {
        let w: &'static watch::Watch<u32> = leak(watch::Watch::with_value(0));
        let mut rx = w.receiver();
        let t = thread::spawn(move || {
            let mut last = 0;
            while let Ok(v) = block_on(rx.changed()) {
                assert!(v > last);
                last = v;
            }
            last
        });
        w.send(1).unwrap();
        w.send(2).unwrap();
        w.close();
        assert_eq!(t.join().unwrap(), 2);
    });
}
