//! Interop with futures-util's no_std combinators, and bitwake's own.
mod executor_common;
use bitwake::executor::{Either, Executor, join, select, yield_now};
use executor_common::TestPark;
use futures_util::future::{self, FutureExt};
use std::pin::pin;

static PARK: TestPark = TestPark::new();
static EXEC: Executor = Executor::new(&PARK);
// Each test has its own executor: tests run in parallel, and one executor
// runs on one thread at a time.
static PARK2: TestPark = TestPark::new();
static EXEC2: Executor = Executor::new(&PARK2);

bitwake::task! {
    pool_size = 4;
    async fn after(n: u32) -> u32 {
        for _ in 0..n {
            yield_now().await;
        }
        n
    }
}

#[test]
fn futures_util_join_and_select_on_bitwake() {
    let r = EXEC.block_on(async {
        let (a, b) =
            future::join(EXEC.spawn(after(3)).unwrap(), EXEC.spawn(after(1)).unwrap()).await;
        let slow = pin!(EXEC.spawn(after(50)).unwrap());
        let fast = pin!(after_local(2));
        let first = match future::select(slow, fast).await {
            future::Either::Left((v, _)) => v.unwrap(),
            future::Either::Right((v, slow)) => {
                // The loser is still usable: await it to completion.
                assert_eq!(slow.await.unwrap(), 50);
                v
            }
        };
        let c = yield_now().then(|_| async { 7 }).await;
        (a.unwrap(), b.unwrap(), first, c)
    });
    assert_eq!(r, (3, 1, 2, 7));
}

async fn after_local(n: u32) -> u32 {
    for _ in 0..n {
        yield_now().await;
    }
    n
}

#[test]
fn bitwake_join_and_select() {
    let r = EXEC2.block_on(async {
        let (a, b) = join(after_local(3), after_local(5)).await;
        let s = select(after_local(10), after_local(1)).await;
        let t = select(async { 1 }, async { 2 }).await; // ties go left
        (a, b, s, t)
    });
    assert_eq!(r, (3, 5, Either::Right(1), Either::Left(1)));
}
