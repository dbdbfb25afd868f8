//! `Channel::reopen` after `close`: a sender whose value the channel took
//! before the close has sent it (nothing duplicated or lost), and a sender
//! that the close woke with its value still in hand, polled only after the
//! reopen, waits like a newcomer on a full channel.
use bitwake::sync::{Channel, TrySendError};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

#[test]
fn a_sender_admitted_before_close_has_sent() {
    static CH: Channel<u32, 1> = Channel::new();
    let mut cx = Context::from_waker(Waker::noop());
    CH.try_send(1).unwrap();
    let mut a = pin!(CH.send(2));
    assert!(a.as_mut().poll(&mut cx).is_pending(), "full: A waits");
    assert_eq!(CH.try_recv(), Ok(1)); // the freed slot takes A's value
    CH.close();
    CH.reopen();
    assert!(!CH.is_closed());
    assert!(matches!(CH.try_send(3), Err(TrySendError::Full(3))));
    assert_eq!(a.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(CH.try_recv(), Ok(2));
    assert!(CH.is_empty());
}

#[test]
fn a_sender_woken_by_close_waits_after_reopen() {
    static CH: Channel<u32, 1> = Channel::new();
    let mut cx = Context::from_waker(Waker::noop());
    CH.try_send(1).unwrap();
    let mut a = pin!(CH.send(2));
    assert!(a.as_mut().poll(&mut cx).is_pending(), "full: A waits");
    CH.close();
    CH.reopen();
    assert!(a.as_mut().poll(&mut cx).is_pending(), "full again: A waits");
    assert_eq!(CH.len(), 1);
    assert_eq!(CH.try_recv(), Ok(1));
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
