//! `bitwake::executor::JoinSet`: results in completion order, a full set
//! gives the handle back, abort on drop frees the slots, `abort_all`,
//! `shutdown`, `try_join_next`, and a dropped `join_next` loses nothing.
mod executor_common;

use bitwake::executor::{Executor, JoinError, JoinSet, SpawnError, yield_now};
use executor_common::TestPark;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::task::{Context, Poll};

/// Pending forever.
struct Never;
impl Future for Never {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// Counts drops in a counter.
struct CountDrop(&'static AtomicU32);
impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

static PARK1: TestPark = TestPark::new();
static EXEC1: Executor = Executor::new(&PARK1);

bitwake::task! {
    pool_size = 5;
    async fn after(yields: u32) -> u32 {
        for _ in 0..yields {
            yield_now().await;
        }
        yields
    }
}

#[test]
fn results_come_in_completion_order_and_a_full_set_gives_the_handle_back() {
    let (order, extra, empty) = EXEC1.block_on(async {
        let mut set: JoinSet<u32, 4> = JoinSet::new();
        assert!(set.join_next().await.is_none());
        for n in [40, 10, 30, 20] {
            set.push(EXEC1.spawn(after(n)).unwrap()).unwrap();
        }
        assert!(set.is_full());
        assert_eq!(set.len(), 4);
        let back = set.push(EXEC1.spawn(after(1)).unwrap()).unwrap_err();
        // The handle that came back still works.
        let extra = back.await;
        let mut order = Vec::new();
        while let Some(r) = set.join_next().await {
            order.push(r.unwrap());
        }
        (order, extra, set.is_empty())
    });
    assert_eq!(order, [10, 20, 30, 40]);
    assert_eq!(extra, Ok(1));
    assert!(empty);
}

static PARK2: TestPark = TestPark::new();
static EXEC2: Executor = Executor::new(&PARK2);
static DROPS2: AtomicU32 = AtomicU32::new(0);

bitwake::task! {
    pool_size = 3;
    async fn stuck2() -> u32 {
        let _d = CountDrop(&DROPS2);
        Never.await;
        0
    }
}

#[test]
fn dropping_the_set_aborts_every_task_and_frees_the_slots() {
    EXEC2.block_on(async {
        for round in 0..3 {
            {
                let mut set: JoinSet<u32, 3> = JoinSet::new();
                for _ in 0..3 {
                    set.push(EXEC2.spawn(stuck2()).unwrap()).unwrap();
                }
                // The pool is full while the set lives.
                assert_eq!(EXEC2.spawn(stuck2()).err(), Some(SpawnError::Full));
                yield_now().await;
            }
            // Let the executor drop the aborted tasks.
            yield_now().await;
            yield_now().await;
            assert_eq!(DROPS2.load(SeqCst), 3 * (round + 1));
        }
    });
}

static PARK3: TestPark = TestPark::new();
static EXEC3: Executor = Executor::new(&PARK3);
static DROPS3: AtomicU32 = AtomicU32::new(0);

bitwake::task! {
    pool_size = 4;
    async fn maybe_stuck(finish: bool) -> u32 {
        let _d = CountDrop(&DROPS3);
        if finish {
            yield_now().await;
            return 7;
        }
        Never.await;
        0
    }
}

#[test]
fn abort_all_then_join_next_reports_each_and_shutdown_empties() {
    EXEC3.block_on(async {
        let mut set: JoinSet<u32, 4> = JoinSet::new();
        set.push(EXEC3.spawn(maybe_stuck(true)).unwrap()).unwrap();
        set.push(EXEC3.spawn(maybe_stuck(false)).unwrap()).unwrap();
        set.push(EXEC3.spawn(maybe_stuck(false)).unwrap()).unwrap();
        // The finishing one finishes first.
        assert_eq!(set.join_next().await, Some(Ok(7)));
        set.abort_all();
        assert_eq!(set.join_next().await, Some(Err(JoinError::Cancelled)));
        assert_eq!(set.join_next().await, Some(Err(JoinError::Cancelled)));
        assert_eq!(set.join_next().await, None);
        assert_eq!(DROPS3.load(SeqCst), 3);

        for _ in 0..4 {
            set.push(EXEC3.spawn(maybe_stuck(false)).unwrap()).unwrap();
        }
        // Let them start (an unstarted task has no `CountDrop` yet).
        yield_now().await;
        set.shutdown().await;
        assert!(set.is_empty());
        assert_eq!(DROPS3.load(SeqCst), 7);
        // Every slot is free again.
        for _ in 0..4 {
            set.push(EXEC3.spawn(maybe_stuck(true)).unwrap()).unwrap();
        }
        set.shutdown().await;
    });
}

static PARK4: TestPark = TestPark::new();
static EXEC4: Executor = Executor::new(&PARK4);

bitwake::task! {
    pool_size = 3;
    async fn after4(yields: u32) -> u32 {
        for _ in 0..yields {
            yield_now().await;
        }
        yields
    }
}

#[test]
fn try_join_next_and_a_dropped_join_next_lose_nothing() {
    EXEC4.block_on(async {
        let mut set: JoinSet<u32, 3> = JoinSet::new();
        set.push(EXEC4.spawn(after4(1000)).unwrap()).unwrap();
        assert_eq!(set.try_join_next(), None);
        // join_next futures that lose a race against a yield, dropped.
        for _ in 0..5 {
            bitwake::select! {
                biased;
                r = set.join_next() => panic!("finished early: {r:?}"),
                () = yield_now() => {}
            }
        }
        set.push(EXEC4.spawn(after4(0)).unwrap()).unwrap();
        // The quick one finishes while nobody waits; try_join_next finds it.
        let mut quick = None;
        for _ in 0..10 {
            yield_now().await;
            quick = set.try_join_next();
            if quick.is_some() {
                break;
            }
        }
        assert_eq!(quick, Some(Ok(0)));
        assert_eq!(set.len(), 1);
        assert_eq!(set.join_next().await, Some(Ok(1000)));
        assert_eq!(set.try_join_next(), None);
    });
}

static PARK5: TestPark = TestPark::new();
static EXEC5: Executor = Executor::new(&PARK5);
static DROPS5: AtomicU32 = AtomicU32::new(0);

bitwake::task! {
    pool_size = 2;
    async fn stuck5() {
        let _d = CountDrop(&DROPS5);
        Never.await;
    }
}

#[test]
fn detach_all_keeps_the_tasks_running() {
    EXEC5.block_on(async {
        let mut set: JoinSet<(), 2> = JoinSet::new();
        let h = EXEC5.spawn(stuck5()).unwrap();
        let keep = EXEC5.spawn(stuck5()).unwrap();
        set.push(h).unwrap();
        set.detach_all();
        drop(set);
        yield_now().await;
        yield_now().await;
        assert_eq!(DROPS5.load(SeqCst), 0);
        keep.abort();
        assert_eq!(keep.await, Err(JoinError::Cancelled));
        assert_eq!(DROPS5.load(SeqCst), 1);
    });
}
