//! loom models of `bitwake::sync`: a channel's send and receive racing its
//! close, and the mutex hand-off racing a cancelled lock future.
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test --release --test sync_loom`
//!
//! The real channel, mutex and wait list are compiled here with a lock whose
//! acquisition is a loom mutex (one per model, shared by every lock: loom
//! objects cannot live in a `const fn`), so loom explores every order of the
//! critical sections, and of the wake-ups between them.
#![cfg(loom)]

mod sync_loom_common;

pub(crate) use sync_loom_common::Lock;
use sync_loom_common::{block_on, waker};

#[allow(dead_code)]
#[path = "../src/waitlist.rs"]
mod waitlist;

#[allow(dead_code)]
#[path = "../src/sync/channel.rs"]
mod channel;
#[allow(dead_code)]
#[path = "../src/sync/mutex.rs"]
mod mutex;
#[path = "../src/sync/send_error.rs"]
mod send_error;

use channel::{Channel, RecvError};
use loom::sync::Arc;
use loom::thread;
use mutex::Mutex;
use send_error::SendError;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

#[test]
fn channel_send_and_recv_race_close() {
    loom::model(|| {
        let ch: Arc<Channel<u32, 1>> = Arc::new(Channel::new());
        ch.try_send(1).unwrap();
        // A sender that has to wait (the channel is full).
        let tx = {
            let ch = ch.clone();
            thread::spawn(move || block_on(ch.send(2)))
        };
        // A receiver that first abandons a receive after one poll (if that
        // receive had been handed a value, its drop must pass it on), then
        // drains until the channel says closed.
        let rx = {
            let ch = ch.clone();
            thread::spawn(move || {
                let mut got = vec![];
                {
                    let w = waker();
                    let mut f = pin!(ch.recv());
                    if let Poll::Ready(Ok(v)) = f.as_mut().poll(&mut Context::from_waker(&w)) {
                        got.push(v);
                    }
                }
                while let Ok(v) = block_on(ch.recv()) {
                    got.push(v);
                }
                got
            })
        };
        ch.close();
        let sent = tx.join().unwrap();
        let mut got = rx.join().unwrap();
        // Whatever the receiver left behind is still queued after the close.
        while let Ok(v) = ch.try_recv() {
            got.push(v);
        }
        got.sort();
        match sent {
            // Accepted: received exactly once.
            Ok(()) => assert_eq!(got, [1, 2]),
            // Refused: handed back, never received.
            Err(SendError(v)) => {
                assert_eq!(v, 2);
                assert_eq!(got, [1]);
            }
        }
        assert_eq!(block_on(ch.recv()), Err(RecvError::Closed));
    });
}

#[test]
fn channel_abandoned_recv_loses_no_wake_up() {
    loom::model(|| {
        let ch: Arc<Channel<u32, 1>> = Arc::new(Channel::new());
        // Two receivers, each first abandoning a receive after one poll; one
        // sender. No close: only a correct hand-on of claims lets both
        // receives that follow finish.
        let rx: Vec<_> = (0..2)
            .map(|_| {
                let ch = ch.clone();
                thread::spawn(move || {
                    {
                        let w = waker();
                        let mut f = pin!(ch.recv());
                        if let Poll::Ready(r) = f.as_mut().poll(&mut Context::from_waker(&w)) {
                            return r.unwrap();
                        }
                    }
                    block_on(ch.recv()).unwrap()
                })
            })
            .collect();
        block_on(ch.send(1)).unwrap();
        block_on(ch.send(2)).unwrap();
        let mut got: Vec<_> = rx.into_iter().map(|t| t.join().unwrap()).collect();
        got.sort();
        assert_eq!(got, [1, 2]);
    });
}

/// A value handed straight to a waiting receiver, racing that receiver's
/// cancellation and a close: the value is received exactly once (by the
/// next receive or from the queue after the close), never lost or read
/// twice. `Arc` counts tell a lost value (never dropped) and a double read
/// (dropped twice) apart from a correct run.
#[test]
fn channel_hand_off_races_cancel_and_close() {
    loom::model(|| {
        let ch: Arc<Channel<std::sync::Arc<u32>, 1>> = Arc::new(Channel::new());
        let one = std::sync::Arc::new(1);
        let rx = {
            let ch = ch.clone();
            thread::spawn(move || {
                let mut got = vec![];
                {
                    let w = waker();
                    let mut f = pin!(ch.recv());
                    if let Poll::Ready(Ok(v)) = f.as_mut().poll(&mut Context::from_waker(&w)) {
                        got.push(v);
                    }
                    // Dropped here, maybe holding a handed-off value.
                }
                while let Ok(v) = block_on(ch.recv()) {
                    got.push(v);
                }
                got
            })
        };
        let sent = ch.try_send(one.clone()).is_ok();
        ch.close();
        let mut got = rx.join().unwrap();
        while let Ok(v) = ch.try_recv() {
            got.push(v);
        }
        assert!(sent, "capacity 1 and nothing else queued");
        assert_eq!(got.len(), 1);
        assert_eq!(std::sync::Arc::strong_count(&one), 2);
        drop(got);
        assert_eq!(std::sync::Arc::strong_count(&one), 1);
    });
}

/// A waiting sender whose value a receive moves into the queue, racing the
/// sender's cancellation and a close: the value is then queued exactly
/// once, or dropped with the cancelled send (never both, never neither).
#[test]
fn channel_admitted_sender_races_cancel_and_close() {
    loom::model(|| {
        let ch: Arc<Channel<std::sync::Arc<u32>, 1>> = Arc::new(Channel::new());
        let two = std::sync::Arc::new(2);
        ch.try_send(std::sync::Arc::new(1)).unwrap();
        let tx = {
            let ch = ch.clone();
            let two = two.clone();
            thread::spawn(move || {
                let w = waker();
                let mut f = pin!(ch.send(two));
                // Full: waits, then is dropped (maybe after its value moved).
                matches!(
                    f.as_mut().poll(&mut Context::from_waker(&w)),
                    Poll::Ready(Ok(()))
                )
            })
        };
        let first = ch.try_recv();
        ch.close();
        let done_at_once = tx.join().unwrap();
        let mut got: Vec<_> = first.into_iter().collect();
        while let Ok(v) = ch.try_recv() {
            got.push(v);
        }
        let twos = got.iter().filter(|v| ***v == 2).count();
        assert!(twos <= 1);
        assert_eq!(std::sync::Arc::strong_count(&two), 1 + twos);
        if done_at_once {
            assert_eq!(twos, 1);
        }
        assert!(got.iter().any(|v| **v == 1));
    });
}

#[test]
fn mutex_hand_off_races_a_cancelled_lock() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(0u32));
        let g = m.try_lock().unwrap();
        let workers: Vec<_> = (0..1)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || *block_on(m.lock()) += 1)
            })
            .collect();
        // A lock future polled once and dropped, while the lock is held and
        // then released: it must leave no stale waiter and not keep the lock.
        let quitter = {
            let m = m.clone();
            thread::spawn(move || {
                let waker = waker();
                let mut f = pin!(m.lock());
                if let Poll::Ready(mut g) = f.as_mut().poll(&mut Context::from_waker(&waker)) {
                    *g += 10;
                }
            })
        };
        drop(g);
        for w in workers {
            w.join().unwrap();
        }
        quitter.join().unwrap();
        let v = *m.try_lock().expect("the lock was left held");
        assert!(v == 1 || v == 11, "{v}");
    });
}
