//! Zero heap allocations through channel sends, receives, waits, wake-ups,
//! cancellations and close, on bitwake's executor.
//!
//! The counting allocator of `alloc_common`; the measured section runs on
//! one thread with a spinning park, and this binary has a single test.
mod alloc_common;
use bitwake::executor::{Executor, SpinPark, select, yield_now};
use bitwake::sync::{Channel, Mutex, Notify, OneShot, RecvError, Semaphore, Signal};

static PARK: SpinPark = SpinPark;
static EXEC: Executor = Executor::new(&PARK);
static PING: Channel<u32, 1> = Channel::new();
static PONG: Channel<u32, 1> = Channel::new();

static M: Mutex<u32> = Mutex::new(0);
static SEM: Semaphore = Semaphore::new(1);
static SIG: Signal<u32> = Signal::new();
static NOTE: Notify = Notify::new();
static ONE: OneShot<u32> = OneShot::new();

bitwake::task! {
    pool_size = 2;
    async fn contend(k: u32) -> u32 {
        for _ in 0..10 {
            let mut g = M.lock().await;
            let p = SEM.acquire(1).await;
            yield_now().await;
            *g += k;
            drop(p);
        }
        NOTE.notified().await;
        SIG.signal(k);
        k
    }
}

bitwake::task! {
    pool_size = 1;
    async fn echo() -> u32 {
        let mut n = 0;
        while let Ok(v) = PING.recv().await {
            PONG.send(v + 1).await.unwrap();
            n += 1;
        }
        n
    }
}

#[test]
fn zero_allocations() {
    EXEC.block_on(async {});
    let before = alloc_common::allocations();
    let (sum, echoed, closed) = EXEC.block_on(async {
        let e = EXEC.spawn(echo()).unwrap();
        let mut sum = 0;
        for i in 0..100 {
            PING.send(i).await.unwrap();
            // Sometimes start a receive and abandon it (cancellation path).
            let got = if i.is_multiple_of(10) {
                match select(PONG.recv(), yield_now()).await {
                    bitwake::executor::Either::Left(r) => Some(r),
                    bitwake::executor::Either::Right(()) => None,
                }
            } else {
                None
            };
            let got = match got {
                Some(r) => r,
                None => PONG.recv().await,
            };
            sum += got.unwrap();
        }
        PING.close();
        let echoed = e.await.unwrap();
        PONG.close();
        let closed = PONG.recv().await;
        // The other primitives, with contention and waiting.
        let a = EXEC.spawn(contend(1)).unwrap();
        let b = EXEC.spawn(contend(2)).unwrap();
        yield_now().await;
        NOTE.notify_waiters();
        // One notification at a time: each wakes a waiting task or is kept
        // as the permit, and is used before the next.
        let mut s1 = 0;
        for _ in 0..2 {
            NOTE.notify_one();
            s1 += SIG.wait().await;
        }
        let (ra, rb) = (a.await.unwrap(), b.await.unwrap());
        assert_eq!(s1, ra + rb);
        ONE.send(s1 + ra + rb).unwrap();
        let one = ONE.recv().await.unwrap();
        assert_eq!(one, 6);
        assert_eq!(*M.lock().await, 30);
        (sum, echoed, closed)
    });
    let after = alloc_common::allocations();
    assert_eq!(echoed, 100);
    assert_eq!(closed, Err(RecvError::Closed));
    assert_eq!(sum, (1..=100).sum::<u32>());
    assert_eq!(after - before, 0, "the channel allocated");
    let v = vec![1u8; 16];
    assert!(alloc_common::allocations() > after);
    drop(v);
}
