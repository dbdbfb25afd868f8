//! A panicking task (host tests unwind): the executor stays consistent.
mod executor_common;
use bitwake::executor::{Executor, JoinError, yield_now};
use executor_common::TestPark;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

static PARK: TestPark = TestPark::new();
static EXEC: Executor = Executor::new(&PARK);
static DROPS: AtomicUsize = AtomicUsize::new(0);

struct D;
impl Drop for D {
    fn drop(&mut self) {
        DROPS.fetch_add(1, SeqCst);
    }
}

bitwake::task! {
    pool_size = 2;
    async fn boom(after: u32) -> u32 {
        let _d = D;
        for _ in 0..after {
            yield_now().await;
        }
        panic!("boom");
    }
}

bitwake::task! {
    pool_size = 2;
    async fn calm(n: u32) -> u32 {
        let _d = D;
        for _ in 0..n {
            yield_now().await;
        }
        n
    }
}

#[test]
fn panicking_task_leaves_executor_consistent() {
    let hb = EXEC.spawn(boom(2)).unwrap();
    let hc = EXEC.spawn(calm(1000)).unwrap();
    let r = catch_unwind(AssertUnwindSafe(|| {
        EXEC.block_on(async { std::future::pending::<()>().await })
    }));
    assert!(r.is_err(), "the task's panic propagates out of block_on");
    // The panicking task's future was dropped (its local `D`), and the other
    // running task was shut down (dropped) too.
    assert_eq!(DROPS.load(SeqCst), 2);
    assert!(hb.is_finished() && hc.is_finished());
    // The executor can run again; the handles report what happened.
    let (rb, rc) = EXEC.block_on(async { (hb.await, hc.await) });
    assert_eq!(rb, Err(JoinError::Panicked));
    assert_eq!(rc, Err(JoinError::Cancelled));
    // Every slot is free again and tasks run normally.
    let out = EXEC.block_on(async {
        let a = EXEC.spawn(calm(3)).unwrap();
        let b = EXEC.spawn(calm(4)).unwrap();
        let c = EXEC.spawn(boom(0)).unwrap();
        let d = EXEC.spawn(boom(5)).unwrap();
        c.abort();
        d.abort();
        (a.await, b.await, c.await, d.await)
    });
    assert_eq!(
        out,
        (
            Ok(3),
            Ok(4),
            Err(JoinError::Cancelled),
            Err(JoinError::Cancelled)
        )
    );
}

#[test]
fn panicking_main_future_shuts_down_and_allows_reuse() {
    static PARK2: TestPark = TestPark::new();
    static EXEC2: Executor = Executor::new(&PARK2);
    bitwake::task! {
        pool_size = 1;
        async fn idle() { std::future::pending::<()>().await }
    }
    let r = catch_unwind(AssertUnwindSafe(|| {
        EXEC2.block_on(async {
            let _h = EXEC2.spawn(idle()).unwrap();
            yield_now().await;
            panic!("main");
        })
    }));
    assert!(r.is_err());
    // Not "already running", and the pool slot was freed by the shutdown.
    let ok = EXEC2.block_on(async { EXEC2.spawn(idle()).map(|h| h.abort()).is_ok() });
    assert!(ok);
}
