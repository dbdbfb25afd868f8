//! Zero heap allocations through spawn, wake, poll, join and abort.
//!
//! The counting allocator of `alloc_common`; the whole measured section
//! runs on one thread with a spinning park, and this binary has a single
//! test, so nothing else allocates meanwhile.
mod alloc_common;
use bitwake::executor::{Executor, JoinError, SpawnError, SpinPark, join, select, yield_now};
use std::task::{Poll, Waker};

static PARK: SpinPark = SpinPark;
static EXEC: Executor = Executor::new(&PARK);
static mut STORED: Option<Waker> = None;

bitwake::task! {
    pool_size = 4;
    async fn worker(n: u32) -> [u64; 4] {
        for _ in 0..n {
            yield_now().await;
        }
        [n as u64; 4]
    }
}

bitwake::task! {
    pool_size = 1;
    async fn sleeper() {
        // Park with a cloned (remote) waker stored aside, then get woken.
        let mut first = true;
        std::future::poll_fn(|cx| {
            if first {
                first = false;
                // SAFETY: single-threaded test; no other reference exists.
                unsafe { *std::ptr::addr_of_mut!(STORED) = Some(cx.waker().clone()) };
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
    }
}

#[test]
fn zero_allocations() {
    // Warm up anything lazy in std (thread handle, etc.) outside the window.
    EXEC.block_on(async {});
    let before = alloc_common::allocations();
    let result = EXEC.block_on(async {
        let a = EXEC.spawn(worker(3)).unwrap();
        let b = EXEC.spawn(worker(10)).unwrap();
        let c = EXEC.spawn(worker(1000)).unwrap();
        let d = EXEC.spawn(worker(1)).unwrap();
        let full = EXEC.spawn(worker(1)).unwrap_err();
        c.abort();
        let (ra, rb) = join(a, b).await;
        let rc = c.await;
        let rd = match select(d, yield_now()).await {
            bitwake::executor::Either::Left(r) => r,
            bitwake::executor::Either::Right(()) => Ok([0; 4]),
        };
        let s = EXEC.spawn(sleeper()).unwrap();
        yield_now().await;
        yield_now().await;
        // SAFETY: single-threaded test.
        let w = unsafe { (*std::ptr::addr_of_mut!(STORED)).take() }.unwrap();
        w.wake(); // remote wake path: fetch_or on the bitmap
        s.await.unwrap();
        (ra, rb, rc, full, rd.is_ok())
    });
    let after = alloc_common::allocations();
    assert_eq!(result.0, Ok([3; 4]));
    assert_eq!(result.1, Ok([10; 4]));
    assert_eq!(result.2, Err(JoinError::Cancelled));
    assert_eq!(result.3, SpawnError::Full);
    assert_eq!(after - before, 0, "the executor allocated");
    // The counter works (so the assertion above can fail).
    let v = vec![1u8; 16];
    assert!(alloc_common::allocations() > after);
    drop(v);
}
