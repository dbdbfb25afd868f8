//! Wake-ups: fairness, races with many waking threads, stale and foreign wakers.
mod executor_common;
use bitwake::executor::{Executor, JoinHandle, yield_now};
use executor_common::TestPark;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

// --- fairness under a yield storm --------------------------------------------

static PARK1: TestPark = TestPark::new();
static EXEC1: Executor = Executor::new(&PARK1);
static LOG1: Mutex<Vec<u32>> = Mutex::new(Vec::new());
const TASKS: u32 = 70; // more than one bitmap word on 64-bit
const YIELDS: u32 = 20;

bitwake::task! {
    pool_size = 80;
    async fn yielder(id: u32) {
        for _ in 0..YIELDS {
            LOG1.lock().unwrap().push(id);
            yield_now().await;
        }
    }
}

#[test]
fn yield_storm_polls_every_ready_task_once_per_pass() {
    EXEC1.block_on(async {
        let hs: Vec<JoinHandle<()>> = (0..TASKS)
            .map(|i| EXEC1.spawn(yielder(i)).unwrap())
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    let log = LOG1.lock().unwrap();
    assert_eq!(log.len(), (TASKS * YIELDS) as usize);
    // Every pass polls each ready task exactly once: the log is YIELDS rounds,
    // each a permutation of all tasks.
    for (r, round) in log.chunks(TASKS as usize).enumerate() {
        let mut seen = vec![false; TASKS as usize];
        for &id in round {
            assert!(
                !seen[id as usize],
                "task {id} polled twice in round {r}: {round:?}"
            );
            seen[id as usize] = true;
        }
    }
}

// --- no lost wake-up: many threads waking while the executor scans ------------

static PARK2: TestPark = TestPark::new();
static EXEC2: Executor = Executor::new(&PARK2);

/// A counter plus the waker of the task that consumes it.
struct Chan {
    count: AtomicUsize,
    waker: Mutex<Option<Waker>>,
}
impl Chan {
    const fn new() -> Self {
        Self {
            count: AtomicUsize::new(0),
            waker: Mutex::new(None),
        }
    }
    fn send(&self) {
        self.count.fetch_add(1, SeqCst);
        if let Some(w) = self.waker.lock().unwrap().as_ref() {
            w.wake_by_ref();
        }
    }
    fn wait_above(&'static self, seen: usize) -> impl Future<Output = usize> {
        std::future::poll_fn(move |cx| {
            let c = self.count.load(SeqCst);
            if c > seen {
                return Poll::Ready(c);
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            let c = self.count.load(SeqCst);
            if c > seen {
                Poll::Ready(c)
            } else {
                Poll::Pending
            }
        })
    }
}

const CONSUMERS: usize = 70;
#[cfg(not(miri))]
const PER_THREAD: usize = 2000;
#[cfg(miri)]
const PER_THREAD: usize = 20;
const THREADS: usize = 5;
const _: () = assert!(CONSUMERS.is_multiple_of(THREADS));
static CHANS: [Chan; CONSUMERS] = [const { Chan::new() }; CONSUMERS];

bitwake::task! {
    pool_size = 70;
    async fn consumer(i: usize, total: usize) -> usize {
        let mut seen = 0;
        let mut wakeups = 0;
        while seen < total {
            seen = CHANS[i].wait_above(seen).await;
            wakeups += 1;
        }
        wakeups
    }
}

#[test]
fn no_lost_wakeup_with_many_waking_threads() {
    static DONE: AtomicBool = AtomicBool::new(false);
    // Watchdog: a lost wake-up would hang the executor forever; fail instead.
    // (Not under Miri, whose clock is virtual and slow code takes "long".)
    #[cfg(not(miri))]
    std::thread::spawn(|| {
        for _ in 0..600 {
            std::thread::sleep(std::time::Duration::from_millis(100));
            if DONE.load(SeqCst) {
                return;
            }
        }
        eprintln!("no_lost_wakeup: executor stuck for 60 s: a wake-up was lost");
        std::process::abort();
    });
    let per_consumer = (THREADS * PER_THREAD / CONSUMERS).max(1);
    // Thread t sends to consumers (k * THREADS + t) % CONSUMERS: with
    // CONSUMERS a multiple of THREADS every consumer gets `per_consumer`.
    let sends_per_thread = per_consumer * CONSUMERS / THREADS;
    let wakeups = EXEC2.block_on(async {
        let hs: Vec<_> = (0..CONSUMERS)
            .map(|i| EXEC2.spawn(consumer(i, per_consumer)).unwrap())
            .collect();
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                std::thread::spawn(move || {
                    for k in 0..sends_per_thread {
                        CHANS[(k * THREADS + t) % CONSUMERS].send();
                        if k % 64 == 0 {
                            std::thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        let mut w = 0;
        for h in hs {
            w += h.await.unwrap();
        }
        for t in threads {
            t.join().unwrap();
        }
        w
    });
    DONE.store(true, SeqCst);
    assert_eq!(
        PARK2.timeouts.load(SeqCst),
        0,
        "a park timed out: a wake-up was lost"
    );
    for c in &CHANS {
        assert_eq!(c.count.load(SeqCst), per_consumer);
    }
    // Duplicate wakes coalesce: never more wake-ups than sends.
    assert!(wakeups <= per_consumer * CONSUMERS);
}

// --- stale wakers ------------------------------------------------------------

static PARK3: TestPark = TestPark::new();
static EXEC3: Executor = Executor::new(&PARK3);
static STALE: Mutex<Option<Waker>> = Mutex::new(None);
static POLLS3: AtomicUsize = AtomicUsize::new(0);

bitwake::task! {
    pool_size = 1;
    async fn leaves_waker(record: bool) -> u32 {
        std::future::poll_fn(|cx| {
            POLLS3.fetch_add(1, SeqCst);
            if record {
                *STALE.lock().unwrap() = Some(cx.waker().clone());
            }
            Poll::Ready(())
        })
        .await;
        yield_now().await;
        1
    }
}

#[test]
fn stale_wakers_are_harmless() {
    EXEC3.block_on(async {
        assert_eq!(EXEC3.spawn(leaves_waker(true)).unwrap().await, Ok(1));
        let stale = STALE.lock().unwrap().take().unwrap();
        let before = POLLS3.load(SeqCst);
        // The slot is free: waking it polls nothing.
        stale.wake_by_ref();
        yield_now().await;
        yield_now().await;
        assert_eq!(POLLS3.load(SeqCst), before);
        // The slot is reused: the stale waker may cause one spurious poll,
        // which the task tolerates.
        let h = EXEC3.spawn(leaves_waker(false)).unwrap();
        stale.wake_by_ref();
        #[allow(clippy::waker_clone_wake)] // the by-value path on purpose
        stale.clone().wake();
        assert_eq!(h.await, Ok(1));
        drop(stale);
    });
}

// --- foreign wakers and foreign executors -------------------------------------

/// A minimal foreign executor: `Arc<Wake>` + thread park, nothing from bitwake.
fn foreign_block_on<F: Future>(fut: F) -> F::Output {
    struct T(std::thread::Thread, AtomicBool);
    impl Wake for T {
        fn wake(self: Arc<Self>) {
            self.1.store(true, SeqCst);
            self.0.unpark();
        }
    }
    let t = Arc::new(T(std::thread::current(), AtomicBool::new(false)));
    let waker = Waker::from(t.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        while !t.1.swap(false, SeqCst) {
            std::thread::park_timeout(std::time::Duration::from_secs(5));
        }
    }
}

static PARK4: TestPark = TestPark::new();
static EXEC4: Executor = Executor::new(&PARK4);
static GATE4: Chan = Chan::new();

bitwake::task! {
    pool_size = 2;
    async fn gated(x: u32) -> u32 {
        GATE4.wait_above(0).await;
        yield_now().await;
        x * 3
    }
}

bitwake::task! {
    pool_size = 1;
    async fn gated_other(x: u32) -> u32 {
        GATE4.wait_above(0).await;
        x * 5
    }
}

/// Runs `EXEC4` until both foreign joiner threads are done.
fn run_exec4_until(
    t1: &std::thread::JoinHandle<impl Sized>,
    t2: &std::thread::JoinHandle<impl Sized>,
) {
    EXEC4.block_on(async {
        std::thread::sleep(std::time::Duration::from_millis(20));
        GATE4.send();
        // Keep the executor alive until the foreign joiners have their output.
        while !(t1.is_finished() && t2.is_finished()) {
            yield_now().await;
        }
    });
}

#[test]
fn bitwake_futures_under_a_foreign_executor() {
    // yield_now, join and select run on a foreign executor.
    foreign_block_on(async {
        yield_now().await;
        let (a, b) = bitwake::executor::join(async { 1 }, async {
            yield_now().await;
            2
        })
        .await;
        assert_eq!((a, b), (1, 2));
        let s = bitwake::executor::select(std::future::pending::<()>(), yield_now()).await;
        assert_eq!(s, bitwake::executor::Either::Right(()));
    });
}

/// Serialises the tests that use `EXEC4` / `GATE4`.
static EXEC4_LOCK: Mutex<()> = Mutex::new(());

#[test]
fn join_handles_awaited_by_foreign_executors() {
    let _g = EXEC4_LOCK.lock().unwrap();
    // JoinHandles awaited by a foreign executor on other threads, while the
    // bitwake executor runs the tasks here: the foreign wakers are stored
    // and woken, never rejected.
    let h = EXEC4.spawn(gated(5)).unwrap();
    let h2 = EXEC4.spawn(gated_other(7)).unwrap();
    let t1 = std::thread::spawn(move || foreign_block_on(h));
    let t2 = std::thread::spawn(move || foreign_block_on(h2));
    run_exec4_until(&t1, &t2);
    assert_eq!(t1.join().unwrap(), Ok(15));
    assert_eq!(t2.join().unwrap(), Ok(35));
    GATE4.count.store(0, SeqCst);
}

/// Two foreign joiners of one pool share its one foreign-waker cell: each
/// replacement wakes the replaced joiner, so neither is lost (they re-poll
/// each other until the tasks finish, which is slow under Miri).
#[test]
#[cfg_attr(miri, ignore)]
fn two_foreign_joiners_of_one_pool() {
    let _g = EXEC4_LOCK.lock().unwrap();
    let h = EXEC4.spawn(gated(5)).unwrap();
    let h2 = EXEC4.spawn(gated(7)).unwrap();
    let t1 = std::thread::spawn(move || foreign_block_on(h));
    let t2 = std::thread::spawn(move || foreign_block_on(h2));
    run_exec4_until(&t1, &t2);
    assert_eq!(t1.join().unwrap(), Ok(15));
    assert_eq!(t2.join().unwrap(), Ok(21));
    GATE4.count.store(0, SeqCst);
}

#[test]
fn foreign_waker_never_panics() {
    // Polling a handle with a no-op waker (the most foreign of wakers).
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    static PARK5: TestPark = TestPark::new();
    static EXEC5: Executor = Executor::new(&PARK5);
    bitwake::task! {
        pool_size = 1;
        async fn quick() -> u8 { 9 }
    }
    let mut h = EXEC5.spawn(quick()).unwrap();
    assert!(Pin::new(&mut h).poll(&mut cx).is_pending());
    EXEC5.block_on(async { yield_now().await });
    assert_eq!(Pin::new(&mut h).poll(&mut cx), Poll::Ready(Ok(9)));
}
