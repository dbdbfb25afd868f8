//! `Channel::reopen` after `close`: a sender that was woken with a reserved
//! slot before the close must not use that (cleared) reservation on a full
//! reopened channel — it waits like a newcomer, and nothing is overwritten.
use bitwake::sync::Channel;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

#[test]
fn a_sender_woken_before_close_waits_after_reopen() {
    static CH: Channel<u32, 1> = Channel::new();
    let mut cx = Context::from_waker(Waker::noop());
    CH.try_send(1).unwrap();
    let mut a = pin!(CH.send(2));
    assert!(a.as_mut().poll(&mut cx).is_pending(), "full: A waits");
    assert_eq!(CH.try_recv(), Ok(1)); // the freed slot is reserved for A
    CH.close();
    CH.reopen();
    assert!(!CH.is_closed());
    CH.try_send(3).unwrap(); // the close cleared A's reservation
    assert!(a.as_mut().poll(&mut cx).is_pending(), "full again: A waits");
    assert_eq!(CH.len(), 1);
    assert_eq!(CH.try_recv(), Ok(3));
    assert_eq!(a.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(CH.try_recv(), Ok(2));
}

#[test]
fn reopen_keeps_queued_values_and_accepts_sends() {
    static CH: Channel<u32, 2> = Channel::new();
    CH.try_send(1).unwrap();
    CH.close();
    assert!(CH.try_send(2).is_err());
    CH.reopen();
    CH.try_send(2).unwrap();
    assert_eq!(CH.try_recv(), Ok(1));
    assert_eq!(CH.try_recv(), Ok(2));
}
