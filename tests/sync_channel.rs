//! `bitwake::sync::Channel`: order, errors, close, cancellation (dropped
//! send/recv futures lose nothing and leave no stale waiter), and exact
//! totals under multi-thread stress.
mod executor_common;
mod sync_common;

use bitwake::executor::{Executor, yield_now};
use bitwake::sync::{Channel, RecvError, SendError, TryRecvError, TrySendError};
use executor_common::TestPark;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::Poll;
use sync_common::{block_on, counter, poll, wakes};

static PARK: TestPark = TestPark::new();
static EXEC: Executor = Executor::new(&PARK);

/// Scaled down under Miri, which is slow.
const fn scaled(n: u64) -> u64 {
    if cfg!(miri) { n / 100 } else { n }
}

static PIPE: Channel<u64, 4> = Channel::new();
// The ping-pong test runs beside the others (libtest threads): its own
// executor and channels.
static PING_PARK: TestPark = TestPark::new();
static PING_EXEC: Executor = Executor::new(&PING_PARK);
static PING: Channel<u64, 1> = Channel::new();
static PONG: Channel<u64, 1> = Channel::new();

bitwake::task! {
    pool_size = 2;
    async fn producer(base: u64, n: u64) {
        for i in 0..n {
            PIPE.send(base + i).await.unwrap();
            if i.is_multiple_of(7) {
                yield_now().await;
            }
        }
    }
}

bitwake::task! {
    pool_size = 1;
    async fn consumer(n: u64) -> (u64, u64) {
        let (mut sum, mut count) = (0, 0);
        let (mut last_a, mut last_b) = (None, None);
        for _ in 0..n {
            let v = PIPE.recv().await.unwrap();
            // Per producer, values arrive in the order they were sent.
            let last = if v < 1_000_000 { &mut last_a } else { &mut last_b };
            assert!(last.is_none_or(|l| l < v), "{v} after {last:?}");
            *last = Some(v);
            sum += v;
            count += 1;
        }
        (sum, count)
    }
}

#[test]
fn tasks_exchange_every_value_in_order() {
    let n = scaled(2_000);
    let (sum, count) = EXEC.block_on(async {
        let c = EXEC.spawn(consumer(2 * n)).unwrap();
        let a = EXEC.spawn(producer(0, n)).unwrap();
        let b = EXEC.spawn(producer(1_000_000, n)).unwrap();
        a.await.unwrap();
        b.await.unwrap();
        c.await.unwrap()
    });
    assert_eq!(count, 2 * n);
    assert_eq!(
        sum,
        (0..n).sum::<u64>() + (1_000_000..1_000_000 + n).sum::<u64>()
    );
    assert!(PIPE.is_empty());
}

bitwake::task! {
    pool_size = 1;
    async fn echo(n: u64) {
        for _ in 0..n {
            let v = PING.recv().await.unwrap();
            PONG.send(v + 1).await.unwrap();
        }
    }
}

#[test]
fn ping_pong_between_tasks() {
    let n = scaled(1_000);
    let total = PING_EXEC.block_on(async {
        let e = PING_EXEC.spawn(echo(n)).unwrap();
        let mut total = 0;
        for i in 0..n {
            PING.send(i).await.unwrap();
            total += PONG.recv().await.unwrap();
        }
        e.await.unwrap();
        total
    });
    assert_eq!(total, (1..=n).sum::<u64>());
}

#[test]
fn try_send_and_try_recv_report_full_empty_and_closed() {
    let ch: Channel<String, 2> = Channel::new();
    assert_eq!(ch.capacity(), 2);
    assert_eq!(ch.try_recv(), Err(TryRecvError::Empty));
    ch.try_send("a".into()).unwrap();
    ch.try_send("b".into()).unwrap();
    assert!(ch.is_full());
    match ch.try_send("c".into()) {
        Err(TrySendError::Full(v)) => assert_eq!(v, "c"),
        other => panic!("{other:?}"),
    }
    assert_eq!(ch.try_recv().unwrap(), "a");
    ch.close();
    assert!(ch.is_closed());
    assert_eq!(ch.try_send("d".into()).unwrap_err().into_inner(), "d");
    // Queued values survive the close; then the error is Closed.
    assert_eq!(ch.try_recv().unwrap(), "b");
    assert_eq!(ch.try_recv(), Err(TryRecvError::Closed));
    let (_, w) = counter();
    assert_eq!(
        poll(pin!(ch.recv()), &w),
        Poll::Ready(Err(RecvError::Closed))
    );
    match poll(pin!(ch.send("e".into())), &w) {
        Poll::Ready(Err(SendError(v))) => assert_eq!(v, "e"),
        other => panic!("{other:?}"),
    }
    ch.close();
}

#[test]
fn close_wakes_every_waiter_with_an_error() {
    let full: Channel<u8, 1> = Channel::new();
    let empty: Channel<u8, 1> = Channel::new();
    full.try_send(1).unwrap();
    let (c, w) = counter();
    let mut s1 = pin!(full.send(2));
    let mut s2 = pin!(full.send(3));
    let mut r1 = pin!(empty.recv());
    let mut r2 = pin!(empty.recv());
    assert!(poll(s1.as_mut(), &w).is_pending());
    assert!(poll(s2.as_mut(), &w).is_pending());
    assert!(poll(r1.as_mut(), &w).is_pending());
    assert!(poll(r2.as_mut(), &w).is_pending());
    full.close();
    empty.close();
    assert_eq!(wakes(&c), 4);
    assert_eq!(poll(s1.as_mut(), &w), Poll::Ready(Err(SendError(2))));
    assert_eq!(poll(s2.as_mut(), &w), Poll::Ready(Err(SendError(3))));
    assert_eq!(poll(r1.as_mut(), &w), Poll::Ready(Err(RecvError::Closed)));
    assert_eq!(poll(r2.as_mut(), &w), Poll::Ready(Err(RecvError::Closed)));
    // The value queued before the close is still there.
    assert_eq!(full.try_recv(), Ok(1));
    assert_eq!(full.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn waiting_senders_are_served_in_arrival_order() {
    let ch: Channel<u32, 1> = Channel::new();
    ch.try_send(0).unwrap();
    let (c, w) = counter();
    let mut s: Vec<_> = (1..=3).map(|i| Box::pin(ch.send(i))).collect();
    for f in &mut s {
        assert!(poll(f.as_mut(), &w).is_pending());
    }
    let mut got = vec![];
    for i in 0..3 {
        got.push(ch.try_recv().unwrap());
        assert_eq!(wakes(&c), i + 1, "one sender woken per freed slot");
        // A newcomer cannot take the slot promised to the woken sender.
        assert!(matches!(ch.try_send(99), Err(TrySendError::Full(99))));
        // Only the first waiter can complete.
        for f in &mut s[i + 1..] {
            assert!(poll(f.as_mut(), &w).is_pending());
        }
        assert_eq!(poll(s[i].as_mut(), &w), Poll::Ready(Ok(())));
    }
    got.push(ch.try_recv().unwrap());
    assert_eq!(got, [0, 1, 2, 3]);
}

#[test]
fn waiting_receivers_are_served_in_arrival_order() {
    let ch: Channel<u32, 4> = Channel::new();
    let (c, w) = counter();
    let mut r: Vec<_> = (0..3).map(|_| Box::pin(ch.recv())).collect();
    for f in &mut r {
        assert!(poll(f.as_mut(), &w).is_pending());
    }
    for v in 10..13 {
        ch.try_send(v).unwrap();
    }
    assert_eq!(wakes(&c), 3);
    // Every value went to a waiting receiver: a newcomer gets nothing, and
    // the ring is empty.
    assert_eq!(ch.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(ch.len(), 0);
    // Values handed to receivers still count against the capacity.
    ch.try_send(13).unwrap();
    assert!(matches!(ch.try_send(14), Err(TrySendError::Full(14))));
    // Polled in reverse, each gets the value sent while it was first in
    // line.
    let got: Vec<_> = r
        .iter_mut()
        .rev()
        .map(|f| match poll(f.as_mut(), &w) {
            Poll::Ready(Ok(v)) => v,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, [12, 11, 10]);
    assert_eq!(ch.try_recv(), Ok(13));
}

#[test]
fn dropped_pending_send_leaves_no_stale_waiter() {
    let ch: Channel<u32, 1> = Channel::new();
    ch.try_send(0).unwrap();
    let (ca, wa) = counter();
    let (cb, wb) = counter();
    let mut a = Box::pin(ch.send(1));
    let mut b = Box::pin(ch.send(2));
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    drop(a);
    assert_eq!(ch.try_recv(), Ok(0));
    // The freed slot went to `b`, not to the dropped `a`.
    assert_eq!((wakes(&ca), wakes(&cb)), (0, 1));
    assert_eq!(poll(b.as_mut(), &wb), Poll::Ready(Ok(())));
    assert_eq!(ch.try_recv(), Ok(2));
    assert_eq!(ch.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn woken_then_dropped_send_has_sent_its_value() {
    let ch: Channel<u32, 1> = Channel::new();
    ch.try_send(0).unwrap();
    let (ca, wa) = counter();
    let (cb, wb) = counter();
    let mut a = Box::pin(ch.send(1));
    let mut b = Box::pin(ch.send(2));
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    assert_eq!(ch.try_recv(), Ok(0));
    // The freed slot took `a`'s value at once: dropping `a` now loses
    // nothing, and `b` still waits behind it.
    assert_eq!((wakes(&ca), wakes(&cb)), (1, 0));
    drop(a);
    assert_eq!(wakes(&cb), 0);
    assert!(ch.is_full());
    assert_eq!(ch.try_recv(), Ok(1));
    assert_eq!(wakes(&cb), 1);
    assert_eq!(poll(b.as_mut(), &wb), Poll::Ready(Ok(())));
    assert_eq!(ch.try_recv(), Ok(2));
}

#[test]
fn woken_then_dropped_recv_passes_its_value_on() {
    let ch: Channel<u32, 2> = Channel::new();
    let (ca, wa) = counter();
    let (cb, wb) = counter();
    let mut a = Box::pin(ch.recv());
    let mut b = Box::pin(ch.recv());
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    ch.try_send(7).unwrap();
    assert_eq!((wakes(&ca), wakes(&cb)), (1, 0));
    drop(a);
    assert_eq!(wakes(&cb), 1, "the wake-up was lost with the dropped recv");
    assert_eq!(poll(b.as_mut(), &wb), Poll::Ready(Ok(7)));
    // With nobody left waiting, a dropped woken recv leaves the value queued.
    let mut c = Box::pin(ch.recv());
    assert!(poll(c.as_mut(), &wa).is_pending());
    ch.try_send(8).unwrap();
    drop(c);
    assert_eq!(ch.try_recv(), Ok(8));
}

#[test]
fn dropped_pending_recv_leaves_no_stale_waiter() {
    let ch: Channel<u32, 2> = Channel::new();
    let (ca, wa) = counter();
    let (cb, wb) = counter();
    let mut a = Box::pin(ch.recv());
    let mut b = Box::pin(ch.recv());
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    drop(a);
    ch.try_send(5).unwrap();
    assert_eq!((wakes(&ca), wakes(&cb)), (0, 1));
    assert_eq!(poll(b.as_mut(), &wb), Poll::Ready(Ok(5)));
}

#[test]
fn dropping_the_channel_drops_queued_values() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct D;
    impl Drop for D {
        fn drop(&mut self) {
            DROPS.fetch_add(1, SeqCst);
        }
    }
    let ch: Channel<D, 4> = Channel::new();
    for _ in 0..3 {
        assert!(ch.try_send(D).is_ok());
    }
    drop(ch.try_recv());
    assert_eq!(DROPS.load(SeqCst), 1);
    // Wrap around the ring once.
    assert!(ch.try_send(D).is_ok());
    assert!(ch.try_send(D).is_ok());
    drop(ch);
    assert_eq!(DROPS.load(SeqCst), 5);
}

#[test]
fn halves_are_copy_and_static() {
    static CH: Channel<u8, 2> = Channel::new();
    let tx: bitwake::sync::Sender<'static, u8, 2> = CH.sender();
    let rx = CH.receiver();
    let tx2 = tx;
    tx.try_send(1).unwrap();
    tx2.try_send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(block_on(rx.recv()), Ok(2));
    rx.close();
    assert!(tx.is_closed());
}

/// Several producer and consumer threads, consumers that also give up
/// half-finished receives: every value arrives exactly once.
#[test]
fn threads_exchange_exact_totals_with_cancelled_receives() {
    const PRODUCERS: u64 = 3;
    const CONSUMERS: usize = 3;
    let per = scaled(20_000);
    static CH: Channel<u64, 4> = Channel::new();
    static SUM: AtomicUsize = AtomicUsize::new(0);
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|k| {
            std::thread::spawn(move || {
                let (_, noop) = counter();
                let mut i = 0u64;
                loop {
                    i += 1;
                    if (i + k as u64).is_multiple_of(3) {
                        // Start a receive and abandon it after one poll.
                        let mut f = pin!(CH.recv());
                        if let Poll::Ready(r) = poll(f.as_mut(), &noop) {
                            match r {
                                Ok(v) => {
                                    SUM.fetch_add(v as usize, SeqCst);
                                    COUNT.fetch_add(1, SeqCst);
                                }
                                Err(RecvError::Closed) => return,
                            }
                        }
                        continue;
                    }
                    match block_on(CH.recv()) {
                        Ok(v) => {
                            SUM.fetch_add(v as usize, SeqCst);
                            COUNT.fetch_add(1, SeqCst);
                        }
                        Err(RecvError::Closed) => return,
                    }
                }
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            std::thread::spawn(move || {
                for i in 0..per {
                    block_on(CH.send(p * per + i + 1)).unwrap();
                }
            })
        })
        .collect();
    for t in producers {
        t.join().unwrap();
    }
    CH.close();
    for t in consumers {
        t.join().unwrap();
    }
    let n = PRODUCERS * per;
    assert_eq!(COUNT.load(SeqCst) as u64, n);
    assert_eq!(SUM.load(SeqCst) as u64, n * (n + 1) / 2);
}

#[test]
fn size_of_a_channel() {
    let size = std::mem::size_of::<Channel<u32, 64>>();
    println!("size_of::<Channel<u32, 64>>() = {size}");
    assert_eq!(
        size,
        64 * 4 + 64,
        "the ring, two wait lists, three u32 counts, a flag, the lock"
    );
}

/// `close` sets its flag, then unlinks the waiting senders one per lock hold
/// and wakes each outside the lock. A waker that polls another waiting send
/// in between (still linked) must not leave its node dangling in the list:
/// that send ends there (closed) and is dropped at once. Under Miri a
/// dangling node is a use-after-free.
#[test]
fn a_send_polled_while_close_drains_unlinks_itself() {
    use bitwake::sync::Send as SendFuture;
    use std::cell::RefCell;
    use std::sync::Arc;
    use std::task::{Context, Wake, Waker};

    static CH: Channel<u32, 1> = Channel::new();
    type Parked = RefCell<Option<std::pin::Pin<Box<SendFuture<'static, u32, 1>>>>>;
    std::thread_local! {
        static OTHER: Parked = const { RefCell::new(None) };
        static OUTCOME: RefCell<Option<Result<(), SendError<u32>>>> = const { RefCell::new(None) };
    }
    struct PollOther;
    impl Wake for PollOther {
        fn wake(self: Arc<Self>) {
            if let Some(mut f) = OTHER.with(|o| o.borrow_mut().take()) {
                let r = f.as_mut().poll(&mut Context::from_waker(Waker::noop()));
                if let Poll::Ready(r) = r {
                    OUTCOME.with(|o| *o.borrow_mut() = Some(r));
                }
            }
        }
    }

    CH.try_send(1).unwrap();
    let first = Waker::from(Arc::new(PollOther));
    let mut s1 = pin!(CH.send(2));
    assert!(poll(s1.as_mut(), &first).is_pending());
    let mut s2 = Box::pin(CH.send(3));
    assert!(poll(s2.as_mut(), Waker::noop()).is_pending());
    OTHER.with(|o| *o.borrow_mut() = Some(s2));
    CH.close();
    assert_eq!(
        OUTCOME.with(|o| o.borrow_mut().take()),
        Some(Err(SendError(3)))
    );
    assert_eq!(
        poll(s1.as_mut(), Waker::noop()),
        Poll::Ready(Err(SendError(2)))
    );
    assert_eq!(CH.try_recv(), Ok(1));
    assert_eq!(CH.try_recv(), Err(TryRecvError::Closed));
}

/// A value handed to a receiver keeps its capacity until taken, so when
/// the receiver is dropped the value fits back in front of a queue that
/// filled up meanwhile, ahead of what came later.
#[test]
fn a_dropped_recv_puts_its_handed_value_back_in_front() {
    let ch: Channel<u32, 2> = Channel::new();
    let (cr, wr) = counter();
    let (cs, ws) = counter();
    let mut r = Box::pin(ch.recv());
    assert!(poll(r.as_mut(), &wr).is_pending());
    ch.try_send(1).unwrap();
    assert_eq!(wakes(&cr), 1);
    ch.try_send(2).unwrap();
    assert!(matches!(ch.try_send(3), Err(TrySendError::Full(3))));
    let mut s = Box::pin(ch.send(3));
    assert!(poll(s.as_mut(), &ws).is_pending());
    drop(r);
    assert!(ch.is_full());
    assert_eq!(wakes(&cs), 0);
    assert_eq!(ch.try_recv(), Ok(1));
    assert_eq!(wakes(&cs), 1);
    assert_eq!(poll(s.as_mut(), &ws), Poll::Ready(Ok(())));
    assert_eq!(ch.try_recv(), Ok(2));
    assert_eq!(ch.try_recv(), Ok(3));
    assert_eq!(ch.try_recv(), Err(TryRecvError::Empty));
}

/// Values held by woken receivers can fill the capacity while another
/// receiver and a sender both wait; the unit freed when one is taken moves
/// the sender's value straight to the waiting receiver, waking both.
#[test]
fn a_taken_hand_off_admits_a_sender_straight_to_a_receiver() {
    let ch: Channel<u32, 1> = Channel::new();
    let (ca, wa) = counter();
    let (cb, wb) = counter();
    let (cs, ws) = counter();
    let mut a = Box::pin(ch.recv());
    let mut b = Box::pin(ch.recv());
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    ch.try_send(1).unwrap();
    assert!(matches!(ch.try_send(2), Err(TrySendError::Full(2))));
    let mut s = Box::pin(ch.send(2));
    assert!(poll(s.as_mut(), &ws).is_pending());
    assert_eq!((wakes(&ca), wakes(&cb), wakes(&cs)), (1, 0, 0));
    assert_eq!(poll(a.as_mut(), &wa), Poll::Ready(Ok(1)));
    assert_eq!((wakes(&cb), wakes(&cs)), (1, 1));
    assert_eq!(poll(s.as_mut(), &ws), Poll::Ready(Ok(())));
    assert_eq!(poll(b.as_mut(), &wb), Poll::Ready(Ok(2)));
    assert!(ch.is_empty());
}

/// A value handed to a receiver survives `close`: the receiver still gets
/// it, and a receiver dropped with it leaves it queued for the next one.
#[test]
fn handed_values_survive_close() {
    let ch: Channel<String, 2> = Channel::new();
    let (ca, wa) = counter();
    let mut a = Box::pin(ch.recv());
    let mut b = Box::pin(ch.recv());
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wa).is_pending());
    ch.try_send("x".into()).unwrap();
    ch.try_send("y".into()).unwrap();
    ch.close();
    assert_eq!(wakes(&ca), 2);
    drop(a);
    assert_eq!(poll(b.as_mut(), &wa), Poll::Ready(Ok("y".into())));
    assert_eq!(ch.try_recv(), Ok("x".into()));
    assert_eq!(ch.try_recv(), Err(TryRecvError::Closed));
}
