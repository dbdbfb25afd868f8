//! Zero heap allocations through channel sends, receives, waits, wake-ups,
//! cancellations and close, on bitwake's executor.
//!
//! A counting global allocator; the measured section runs on one thread with
//! a spinning park, and this binary has a single test.
use bitwake::executor::{Executor, SpinPark, select, yield_now};
use bitwake::sync::{Channel, RecvError};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, SeqCst);
        // SAFETY: forwarded.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: forwarded.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, SeqCst);
        // SAFETY: forwarded.
        unsafe { System.realloc(p, l, n) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

static PARK: SpinPark = SpinPark;
static EXEC: Executor = Executor::new(&PARK);
static PING: Channel<u32, 1> = Channel::new();
static PONG: Channel<u32, 1> = Channel::new();

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
    let before = ALLOCS.load(SeqCst);
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
        (sum, echoed, PONG.recv().await)
    });
    let after = ALLOCS.load(SeqCst);
    assert_eq!(echoed, 100);
    assert_eq!(closed, Err(RecvError::Closed));
    assert_eq!(sum, (1..=100).sum::<u32>());
    assert_eq!(after - before, 0, "the channel allocated");
    let v = vec![1u8; 16];
    assert!(ALLOCS.load(SeqCst) > after);
    drop(v);
}
