//! `bitwake::sync::broadcast`: every subscriber gets every message, exact
//! lag counts, publishers never wait, close, cancellation (a dropped receive
//! loses nothing and leaves no waiter), drops, and threads that lag.
mod executor_common;
mod sync_common;

use bitwake::executor::{Executor, yield_now};
use bitwake::sync::broadcast::{Broadcast, RecvError, SendError, TryRecvError};
use executor_common::TestPark;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::Poll;
use sync_common::{block_on, counter, poll, wakes};

static PARK: TestPark = TestPark::new();
static EXEC: Executor = Executor::new(&PARK);

/// Scaled down under Miri, which is slow.
const fn scaled(n: u64) -> u64 {
    if cfg!(miri) { n / 100 } else { n }
}

/// `{:?}` of a broadcast shows how many receive futures wait in it.
fn waiting<T, const N: usize>(b: &Broadcast<T, N>) -> usize {
    let s = format!("{b:?}");
    let n = s.split("waiting: ").nth(1).unwrap();
    n.trim_end_matches(" }").parse().unwrap()
}

static TOPIC: Broadcast<u32, 4> = Broadcast::new();

bitwake::task! {
    pool_size = 3;
    async fn listener(n: u32) -> Vec<u32> {
        let mut sub = TOPIC.subscribe();
        let mut got = Vec::new();
        // Tell the publisher this one is subscribed.
        READY.fetch_add(1, SeqCst);
        for _ in 0..n {
            got.push(sub.recv().await.unwrap());
        }
        got
    }
}
static READY: AtomicUsize = AtomicUsize::new(0);

#[test]
fn every_subscriber_gets_every_message_in_order() {
    let lists = EXEC.block_on(async {
        let hs = [
            EXEC.spawn(listener(20)).unwrap(),
            EXEC.spawn(listener(20)).unwrap(),
            EXEC.spawn(listener(20)).unwrap(),
        ];
        while READY.load(SeqCst) < 3 {
            yield_now().await;
        }
        for v in 0..20 {
            // Never more than 4 ahead of the slowest: no lag.
            assert_eq!(TOPIC.send(v), Ok(3));
            yield_now().await;
        }
        let mut out = Vec::new();
        for h in hs {
            out.push(h.await.unwrap());
        }
        out
    });
    let want: Vec<u32> = (0..20).collect();
    for l in lists {
        assert_eq!(l, want);
    }
    assert_eq!(TOPIC.subscriber_count(), 0);
}

#[test]
fn a_slow_subscriber_learns_exactly_how_many_it_missed() {
    let b: Broadcast<u64, 3> = Broadcast::new();
    let mut sub = b.subscribe();
    let (mut sent, mut want, mut missed) = (0u64, 0u64, 0u64);
    // Bursts of every length around the capacity, many times around the
    // ring: each message is its own number.
    for burst in [1u64, 2, 3, 4, 5, 7, 3, 10, 1, 6, 3, 100, 2] {
        for _ in 0..burst {
            b.send(sent).unwrap();
            sent += 1;
        }
        let mut first = true;
        loop {
            match sub.try_recv() {
                Ok(v) => {
                    assert_eq!(v, want);
                    want += 1;
                }
                Err(TryRecvError::Lagged(n)) => {
                    assert!(first, "lag reported after a message");
                    assert_eq!(n, burst.saturating_sub(3));
                    missed += n;
                    want += n;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Closed) => unreachable!(),
            }
            first = false;
        }
    }
    assert_eq!(want, sent);
    assert_eq!(missed, 1 + 2 + 4 + 7 + 3 + 97);
}

#[test]
fn lag_skips_to_the_oldest_kept_message() {
    let b: Broadcast<u32, 3> = Broadcast::new();
    let mut sub = b.subscribe();
    for v in 0..10 {
        b.send(v).unwrap();
    }
    assert_eq!(sub.len(), 3);
    assert_eq!(sub.try_recv(), Err(TryRecvError::Lagged(7)));
    assert_eq!(sub.try_recv(), Ok(7));
    assert_eq!(EXEC.block_on(sub.recv()), Ok(8));
    b.send(10).unwrap();
    assert_eq!(sub.try_recv(), Ok(9));
    assert_eq!(sub.try_recv(), Ok(10));
    assert_eq!(sub.try_recv(), Err(TryRecvError::Empty));
    // The async receive reports lag the same way.
    for v in 11..20 {
        b.send(v).unwrap();
    }
    assert_eq!(EXEC.block_on(sub.recv()), Err(RecvError::Lagged(6)));
    assert_eq!(EXEC.block_on(sub.recv()), Ok(17));
}

#[test]
fn send_never_waits_and_counts_subscribers() {
    let b: Broadcast<u8, 1> = Broadcast::new();
    // No subscriber: kept anyway, not an error.
    assert_eq!(b.send(1), Ok(0));
    let mut a = b.subscribe();
    let c = a.clone();
    assert_eq!(b.subscriber_count(), 2);
    // Far more than the ring holds, nobody reading: never blocks.
    for v in 0..=255 {
        assert_eq!(b.send(v), Ok(2));
    }
    drop(c);
    assert_eq!(b.subscriber_count(), 1);
    assert_eq!(a.try_recv(), Err(TryRecvError::Lagged(255)));
    assert_eq!(a.try_recv(), Ok(255));
    // A subscriber sees only what is sent after it subscribed.
    let mut late = b.subscribe();
    assert_eq!(late.try_recv(), Err(TryRecvError::Empty));
    b.send(7).unwrap();
    assert_eq!(late.try_recv(), Ok(7));
    assert_eq!(a.skip_all(), 1);
    assert!(a.is_empty());
}

#[test]
fn clones_start_where_the_original_is() {
    let b: Broadcast<u8, 4> = Broadcast::new();
    let mut a = b.subscribe();
    b.send(1).unwrap();
    b.send(2).unwrap();
    assert_eq!(a.try_recv(), Ok(1));
    let mut c = a.clone();
    assert_eq!(a.try_recv(), Ok(2));
    assert_eq!(c.try_recv(), Ok(2));
}

#[test]
fn close_fails_sends_drains_then_reports_closed() {
    let b: Broadcast<String, 4> = Broadcast::new();
    let mut sub = b.subscribe();
    b.send("kept".into()).unwrap();
    b.close();
    b.close();
    assert!(b.is_closed() && sub.is_closed());
    assert_eq!(b.send("late".into()), Err(SendError("late".to_string())));
    assert_eq!(EXEC.block_on(sub.recv()), Ok("kept".to_string()));
    assert_eq!(EXEC.block_on(sub.recv()), Err(RecvError::Closed));
    assert_eq!(sub.try_recv(), Err(TryRecvError::Closed));
    // Subscribing after the close works and says closed at once.
    assert_eq!(b.subscribe().try_recv(), Err(TryRecvError::Closed));
    assert_eq!(b.publisher().send("x".into()), Err(SendError("x".into())));
}

#[test]
fn close_wakes_every_waiting_subscriber() {
    let b: Broadcast<u8, 2> = Broadcast::new();
    let mut s1 = b.subscribe();
    let mut s2 = b.subscribe();
    let (c1, w1) = counter();
    let (c2, w2) = counter();
    let mut f1 = pin!(s1.recv());
    let mut f2 = pin!(s2.recv());
    assert!(poll(f1.as_mut(), &w1).is_pending());
    assert!(poll(f2.as_mut(), &w2).is_pending());
    assert_eq!(waiting(&b), 2);
    b.close();
    assert_eq!((wakes(&c1), wakes(&c2)), (1, 1));
    assert_eq!(poll(f1.as_mut(), &w1), Poll::Ready(Err(RecvError::Closed)));
    assert_eq!(poll(f2.as_mut(), &w2), Poll::Ready(Err(RecvError::Closed)));
    assert_eq!(waiting(&b), 0);
}

#[test]
fn a_send_wakes_every_waiter_once() {
    let b: Broadcast<u8, 2> = Broadcast::new();
    let mut subs: Vec<_> = (0..20).map(|_| b.subscribe()).collect();
    let wakers: Vec<_> = (0..20).map(|_| counter()).collect();
    let mut futs: Vec<_> = subs.iter_mut().map(|s| Box::pin(s.recv())).collect();
    for (f, (_, w)) in futs.iter_mut().zip(&wakers) {
        assert!(poll(f.as_mut(), w).is_pending());
        // Polling again keeps one place in the set.
        assert!(poll(f.as_mut(), w).is_pending());
    }
    assert_eq!(waiting(&b), 20);
    b.send(9).unwrap();
    assert!(wakers.iter().all(|(c, _)| wakes(c) == 1));
    assert_eq!(waiting(&b), 0);
    for (f, (_, w)) in futs.iter_mut().zip(&wakers) {
        assert_eq!(poll(f.as_mut(), w), Poll::Ready(Ok(9)));
    }
    // A second send finds nobody waiting and wakes nobody.
    b.send(10).unwrap();
    assert!(wakers.iter().all(|(c, _)| wakes(c) == 1));
}

#[test]
fn a_dropped_receive_loses_nothing_and_leaves_no_waiter() {
    let b: Broadcast<u8, 2> = Broadcast::new();
    let mut sub = b.subscribe();
    let (c, w) = counter();
    {
        let mut f = pin!(sub.recv());
        assert!(poll(f.as_mut(), &w).is_pending());
        assert_eq!(waiting(&b), 1);
    }
    assert_eq!(waiting(&b), 0);
    // Woken, then dropped before it ran: the message is still there.
    {
        let mut f = pin!(sub.recv());
        assert!(poll(f.as_mut(), &w).is_pending());
        b.send(1).unwrap();
        assert_eq!(wakes(&c), 1);
    }
    assert_eq!(waiting(&b), 0);
    assert_eq!(sub.try_recv(), Ok(1));
    // A receive that finds a message while still linked leaves the set.
    {
        let mut f = pin!(sub.recv());
        assert!(poll(f.as_mut(), &w).is_pending());
        b.send(2).unwrap();
        assert_eq!(poll(f.as_mut(), &w), Poll::Ready(Ok(2)));
    }
    assert_eq!(waiting(&b), 0);
}

#[test]
fn overwritten_and_kept_messages_are_dropped_exactly_once() {
    let token = Arc::new(());
    {
        let b: Broadcast<Arc<()>, 3> = Broadcast::new();
        let mut sub = b.subscribe();
        for _ in 0..10 {
            b.send(token.clone()).unwrap();
        }
        // 3 kept in the ring.
        assert_eq!(Arc::strong_count(&token), 4);
        let got = sub.try_recv();
        assert!(matches!(got, Err(TryRecvError::Lagged(7))));
        let v = sub.try_recv().unwrap();
        assert_eq!(Arc::strong_count(&token), 5);
        drop(v);
    }
    assert_eq!(Arc::strong_count(&token), 1);
    // A ring that never filled drops only what it holds.
    {
        let b: Broadcast<Arc<()>, 8> = Broadcast::new();
        b.send(token.clone()).unwrap();
        b.send(token.clone()).unwrap();
        assert_eq!(Arc::strong_count(&token), 3);
    }
    assert_eq!(Arc::strong_count(&token), 1);
}

/// Publisher threads and subscriber threads, some subscribers slow, some
/// giving up half-finished receives: each sees an increasing sequence per
/// publisher, and what it got plus what it was told it missed is
/// everything.
#[test]
fn threads_account_for_every_message_as_received_or_missed() {
    const SUBSCRIBERS: usize = 4;
    let per = scaled(20_000);
    static B: Broadcast<u64, 8> = Broadcast::new();
    static DONE: AtomicUsize = AtomicUsize::new(0);
    let subs: Vec<_> = (0..SUBSCRIBERS).map(|_| B.subscribe()).collect();
    let readers: Vec<_> = subs
        .into_iter()
        .enumerate()
        .map(|(k, mut sub)| {
            std::thread::spawn(move || {
                let (_, noop) = counter();
                let (mut got, mut missed, mut last) = (0u64, 0u64, [0u64; 2]);
                let mut i = 0u64;
                loop {
                    i += 1;
                    let r = if (i + k as u64).is_multiple_of(3) {
                        let mut f = pin!(sub.recv());
                        match poll(f.as_mut(), &noop) {
                            Poll::Ready(r) => r,
                            Poll::Pending => continue,
                        }
                    } else {
                        block_on(sub.recv())
                    };
                    match r {
                        Ok(v) => {
                            let (p, n) = ((v >> 32) as usize, v & 0xffff_ffff);
                            assert!(n > last[p], "out of order: {n} after {}", last[p]);
                            last[p] = n;
                            got += 1;
                        }
                        Err(RecvError::Lagged(n)) => missed += n,
                        Err(RecvError::Closed) => return (got, missed),
                    }
                    if k == 0 && i.is_multiple_of(64) {
                        // A slow one.
                        std::thread::yield_now();
                    }
                }
            })
        })
        .collect();
    let publishers: Vec<_> = (0..2u64)
        .map(|p| {
            std::thread::spawn(move || {
                for n in 1..=per {
                    B.send(p << 32 | n).unwrap();
                }
                DONE.fetch_add(1, SeqCst);
            })
        })
        .collect();
    for t in publishers {
        t.join().unwrap();
    }
    B.close();
    for t in readers {
        let (got, missed) = t.join().unwrap();
        assert_eq!(got + missed, 2 * per, "got {got}, missed {missed}");
        assert!(got > 0);
    }
    assert_eq!(B.subscriber_count(), 0);
}

#[test]
fn size_of_a_broadcast() {
    let size = std::mem::size_of::<Broadcast<u32, 64>>();
    println!("size_of::<Broadcast<u32, 64>>() = {size}");
    // The ring, plus: lock, sent, write index, closed, subscribers, waiter set.
    assert!(size <= 64 * 4 + 64, "{size}");
}
