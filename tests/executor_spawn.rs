//! Spawn, join, abort, full pools, outputs, drop order, tokens.
mod executor_common;
use bitwake::executor::{Executor, JoinError, SpawnError, yield_now};
use executor_common::TestPark;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll};

/// A future that never completes (without a wake source it never is polled again).
struct Never;
impl Future for Never {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// Records its id in `LOG` when dropped.
struct Noisy(&'static Mutex<Vec<u32>>, u32);
impl Drop for Noisy {
    fn drop(&mut self) {
        self.0.lock().unwrap().push(self.1);
    }
}

// --- spawn / join / full ---------------------------------------------------

static PARK1: TestPark = TestPark::new();
static EXEC1: Executor = Executor::new(&PARK1);

bitwake::task! {
    pool_size = 2;
    async fn double(x: u32) -> u32 {
        yield_now().await;
        x * 2
    }
}

#[test]
fn spawn_join_and_full_pool_recovers() {
    let r = EXEC1.block_on(async {
        let a = EXEC1.spawn(double(1)).unwrap();
        let b = EXEC1.spawn(double(2)).unwrap();
        // Pool of 2 is full: an error, not a panic, and nothing leaks.
        assert_eq!(EXEC1.spawn(double(3)).unwrap_err(), SpawnError::Full);
        assert!(!double(3).is_ok());
        assert!(!a.is_finished());
        let ra = a.await;
        // The slot freed when `a`'s output was taken.
        let c = EXEC1.spawn(double(4)).unwrap();
        (ra, b.await, c.await)
    });
    assert_eq!(r, (Ok(2), Ok(4), Ok(8)));
}

// --- abort -----------------------------------------------------------------

static PARK2: TestPark = TestPark::new();
static EXEC2: Executor = Executor::new(&PARK2);
static LOG2: Mutex<Vec<u32>> = Mutex::new(Vec::new());

bitwake::task! {
    pool_size = 1;
    async fn forever(id: u32) {
        let _n = Noisy(&LOG2, id);
        Never.await
    }
}

bitwake::task! {
    pool_size = 1;
    async fn forever_arg(n: Noisy) {
        let _n = n;
        Never.await
    }
}

#[test]
fn abort_drops_in_place_and_frees_slot() {
    EXEC2.block_on(async {
        let h = EXEC2.spawn(forever(7)).unwrap();
        yield_now().await; // let it start (and park on Never)
        assert!(!h.is_finished());
        assert_eq!(EXEC2.spawn(forever(8)).unwrap_err(), SpawnError::Full);
        h.abort();
        assert_eq!(h.await, Err(JoinError::Cancelled));
        assert_eq!(*LOG2.lock().unwrap(), vec![7]);
        // Slot is free again.
        let h2 = EXEC2.spawn(forever(9)).unwrap();
        yield_now().await;
        h2.abort();
        // Aborting twice, and after finishing, is harmless.
        h2.abort();
        assert_eq!(h2.await, Err(JoinError::Cancelled));
        assert_eq!(*LOG2.lock().unwrap(), vec![7, 9]);
        // Abort of a task that was never polled: dropped without a poll.
        let h3 = EXEC2.spawn(forever_arg(Noisy(&LOG2, 10))).unwrap();
        h3.abort();
        assert_eq!(h3.await, Err(JoinError::Cancelled));
        assert_eq!(*LOG2.lock().unwrap(), vec![7, 9, 10]);
        // Abort then drop the handle: the slot still frees.
        let h4 = EXEC2.spawn(forever(11)).unwrap();
        yield_now().await;
        h4.abort();
        drop(h4);
        yield_now().await;
        yield_now().await;
        assert_eq!(*LOG2.lock().unwrap(), vec![7, 9, 10, 11]);
        assert!(EXEC2.spawn(forever(12)).is_ok()); // detached, dropped at shutdown
        yield_now().await;
    });
    assert_eq!(*LOG2.lock().unwrap(), vec![7, 9, 10, 11, 12]);
}

// --- drop order at shutdown --------------------------------------------------

static PARK3: TestPark = TestPark::new();
static EXEC3: Executor = Executor::new(&PARK3);
static LOG3: Mutex<Vec<u32>> = Mutex::new(Vec::new());

bitwake::task! {
    pool_size = 4;
    async fn sleeper(id: u32) {
        let _n = Noisy(&LOG3, id);
        Never.await
    }
}
bitwake::task! {
    pool_size = 2;
    async fn sleeper_b(id: u32) {
        let _n = Noisy(&LOG3, id);
        Never.await
    }
}

#[test]
#[allow(clippy::async_yields_async)] // returns a handle out of block_on on purpose
fn shutdown_drops_running_tasks_in_pool_then_slot_order() {
    let outside = EXEC3.block_on(async {
        let _main_guard = Noisy(&LOG3, 0);
        let h1 = EXEC3.spawn(sleeper(1)).unwrap();
        let h2 = EXEC3.spawn(sleeper(2)).unwrap();
        drop(EXEC3.spawn(sleeper_b(10)).unwrap()); // detached
        drop(EXEC3.spawn(sleeper(3)).unwrap()); // detached
        yield_now().await;
        drop(h1); // detached while running
        assert!(LOG3.lock().unwrap().is_empty());
        h2
    });
    // The main future's state is dropped first, then the pools in the order
    // they were bound, slot by slot.
    assert_eq!(*LOG3.lock().unwrap(), vec![0, 1, 2, 3, 10]);
    // A handle that outlived the executor reports cancellation.
    assert!(outside.is_finished());
    let r = EXEC3.block_on(outside);
    assert_eq!(r, Err(JoinError::Cancelled));
    // And the executor runs again: every slot is free.
    EXEC3.block_on(async {
        let hs: Vec<_> = (20..24).map(|i| EXEC3.spawn(sleeper(i)).unwrap()).collect();
        for h in &hs {
            h.abort();
        }
        for h in hs {
            assert_eq!(h.await, Err(JoinError::Cancelled));
        }
    });
}

// --- outputs that are not Copy ----------------------------------------------

static PARK4: TestPark = TestPark::new();
static EXEC4: Executor = Executor::new(&PARK4);
static LIVE: AtomicUsize = AtomicUsize::new(0);

struct Counted(String);
impl Counted {
    fn new(s: &str) -> Self {
        LIVE.fetch_add(1, SeqCst);
        Counted(s.to_owned())
    }
}
impl Drop for Counted {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, SeqCst);
    }
}

bitwake::task! {
    pool_size = 4;
    async fn make(s: &'static str, yields: u32) -> Counted {
        for _ in 0..yields {
            yield_now().await;
        }
        Counted::new(s)
    }
}

#[test]
fn non_copy_outputs_are_moved_out_or_dropped_exactly_once() {
    EXEC4.block_on(async {
        // Joined: moved out to us.
        let v = EXEC4.spawn(make("hello", 2)).unwrap().await.unwrap();
        assert_eq!(v.0, "hello");
        assert_eq!(LIVE.load(SeqCst), 1);
        drop(v);
        assert_eq!(LIVE.load(SeqCst), 0);
        // Detached before finishing: the executor drops the output.
        drop(EXEC4.spawn(make("a", 3)).unwrap());
        // Finished, then the handle is dropped unawaited: the handle drops it.
        let h = EXEC4.spawn(make("b", 0)).unwrap();
        for _ in 0..5 {
            yield_now().await;
        }
        assert!(h.is_finished());
        assert_eq!(LIVE.load(SeqCst), 1); // "b" waits in its slot; "a" is gone
        drop(h);
        assert_eq!(LIVE.load(SeqCst), 0);
        // All 4 slots are free again.
        let hs: Vec<_> = (0..4).map(|_| EXEC4.spawn(make("x", 1)).unwrap()).collect();
        assert_eq!(EXEC4.spawn(make("y", 0)).unwrap_err(), SpawnError::Full);
        for h in hs {
            assert_eq!(h.await.unwrap().0, "x");
        }
    });
    assert_eq!(LIVE.load(SeqCst), 0);
}

// --- tokens -----------------------------------------------------------------

static PARK5: TestPark = TestPark::new();
static EXEC5: Executor = Executor::new(&PARK5);
static OTHER5: Executor = Executor::new(&PARK5);
static LOG5: Mutex<Vec<u32>> = Mutex::new(Vec::new());

bitwake::task! {
    pool_size = 1;
    async fn held(id: u32) -> u32 {
        let _n = Noisy(&LOG5, id);
        id
    }
}

#[test]
fn unspawned_token_drops_future_and_frees_slot() {
    let t = held(1);
    assert!(t.is_ok());
    assert!(!held(2).is_ok()); // pool of 1 is taken by the token
    drop(t); // future (never polled) dropped; no Noisy was created yet
    assert!(LOG5.lock().unwrap().is_empty());
    let r = EXEC5.block_on(async { EXEC5.spawn(held(3)).unwrap().await });
    assert_eq!(r, Ok(3));
    assert_eq!(*LOG5.lock().unwrap(), vec![3]);
    // The pool is bound to EXEC5 now.
    assert_eq!(
        OTHER5.spawn(held(4)).unwrap_err(),
        SpawnError::OtherExecutor
    );
    // ... and that did not leak the slot.
    assert!(held(5).is_ok());
}

// --- spawning from another thread wakes a parked executor ---------------------

static PARK6: TestPark = TestPark::new();
static EXEC6: Executor = Executor::new(&PARK6);
static SPAWNED6: Mutex<Option<bitwake::executor::JoinHandle<u32>>> = Mutex::new(None);

bitwake::task! {
    pool_size = 1;
    async fn remote_task(x: u32) -> u32 { x + 1 }
}

#[test]
fn spawn_from_another_thread_unparks() {
    static WAKER: Mutex<Option<std::task::Waker>> = Mutex::new(None);
    let r = EXEC6.block_on(async {
        let t = std::thread::spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            let h = EXEC6.spawn(remote_task(41)).unwrap();
            *SPAWNED6.lock().unwrap() = Some(h);
            if let Some(w) = WAKER.lock().unwrap().take() {
                w.wake();
            }
        });
        let h = std::future::poll_fn(|cx| {
            *WAKER.lock().unwrap() = Some(cx.waker().clone());
            match SPAWNED6.lock().unwrap().take() {
                Some(h) => Poll::Ready(h),
                None => Poll::Pending,
            }
        })
        .await;
        t.join().unwrap();
        h.await
    });
    assert_eq!(r, Ok(42));
    assert!(
        PARK6.parks.load(SeqCst) >= 1,
        "the executor should have parked while waiting"
    );
    assert_eq!(
        PARK6.timeouts.load(SeqCst),
        0,
        "a wake-up was lost (park timed out)"
    );
}

// --- the default executor ----------------------------------------------------

bitwake::task! {
    pool_size = 1;
    async fn default_task() -> &'static str { "ok" }
}

#[test]
fn default_block_on_and_spawn() {
    let r = bitwake::executor::DEFAULT.block_on(async {
        bitwake::executor::DEFAULT
            .spawn(default_task())
            .unwrap()
            .await
    });
    assert_eq!(r, Ok("ok"));
}
