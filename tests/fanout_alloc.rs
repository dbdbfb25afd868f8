//! Zero heap allocations through `join!`/`select!` and the array forms, a
//! `JoinSet`, and a broadcast and a watch with waiting, lagging,
//! cancelled and closing receivers, on bitwake's executor.
//!
//! The counting allocator of `alloc_common`; the measured section runs on
//! one thread with a spinning park, and this binary has a single test.
mod alloc_common;
use bitwake::executor::{Executor, JoinSet, SpinPark, yield_now};
use bitwake::future::{join_array, select_array};
use bitwake::sync::broadcast::{Broadcast, RecvError};
use bitwake::sync::watch::Watch;

static PARK: SpinPark = SpinPark;
static EXEC: Executor = Executor::new(&PARK);
static NEWS: Broadcast<u64, 4> = Broadcast::new();
static LEVEL: Watch<u64> = Watch::with_value(0);

bitwake::task! {
    pool_size = 3;
    async fn reader(slow: bool) -> (u64, u64) {
        let mut sub = NEWS.subscribe();
        let (mut got, mut missed) = (0, 0);
        loop {
            // Sometimes a receive that loses to a yield and is dropped.
            if got % 7 == 3 {
                bitwake::select! {
                    biased;
                    r = sub.recv() => match r {
                        Ok(_) => got += 1,
                        Err(RecvError::Lagged(n)) => missed += n,
                        Err(RecvError::Closed) => return (got, missed),
                    },
                    () = yield_now() => {}
                }
                continue;
            }
            match sub.recv().await {
                Ok(_) => got += 1,
                Err(RecvError::Lagged(n)) => missed += n,
                Err(RecvError::Closed) => return (got, missed),
            }
            if slow {
                for _ in 0..10 {
                    yield_now().await;
                }
            }
        }
    }
}

bitwake::task! {
    pool_size = 1;
    async fn watcher() -> u64 {
        let mut rx = LEVEL.receiver();
        let mut last = 0;
        while let Ok(v) = rx.changed().await {
            last = v;
        }
        last
    }
}

#[test]
fn zero_allocations() {
    EXEC.block_on(async {});
    let before = alloc_common::allocations();
    let (total, last, combined) = EXEC.block_on(async {
        let mut set: JoinSet<(u64, u64), 3> = JoinSet::new();
        set.push(EXEC.spawn(reader(false)).unwrap()).unwrap();
        set.push(EXEC.spawn(reader(true)).unwrap()).unwrap();
        let w = EXEC.spawn(watcher()).unwrap();
        yield_now().await;
        for v in 1..=200 {
            NEWS.send(v).unwrap();
            LEVEL.send(v).unwrap();
            yield_now().await;
        }
        NEWS.close();
        LEVEL.close();
        let mut total = 0;
        while let Some(r) = set.join_next().await {
            let (got, missed) = r.unwrap();
            total += got + missed;
        }
        let last = w.await.unwrap();
        let a = yield_now();
        let joined = bitwake::join!(
            async { 1 },
            async {
                yield_now().await;
                2
            },
            a
        );
        let arr = join_array([3, 4].map(core::future::ready)).await;
        let (first, _) = select_array([5, 6].map(core::future::ready)).await;
        let sel = bitwake::select! {
            v = async { 7 } => v,
            v = async { 8 } => v,
        };
        (total, last, (joined.0, joined.1, arr, first, sel))
    });
    let after = alloc_common::allocations();
    assert_eq!(total, 400);
    assert_eq!(last, 200);
    let (one, two, arr, first, sel) = combined;
    assert_eq!((one, two, arr), (1, 2, [3, 4]));
    assert!(first == 5 || first == 6);
    assert!(sel == 7 || sel == 8);
    assert_eq!(after - before, 0, "something allocated");
    let v = vec![1u8; 16];
    assert!(alloc_common::allocations() > after);
    drop(v);
}
