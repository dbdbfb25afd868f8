//! Per-core task functions (`task!` with `cores = C`): one function, one
//! pool per executor; executors on their own threads, `Full` exact per
//! executor, the executor beyond `C` refused with its arguments.
mod executor_common;
use bitwake::executor::{Executor, LocalSpawner, Rejected, SpawnError, yield_now};
use bitwake::sync::Signal;
use executor_common::TestPark;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::thread::{self, ThreadId};

// --- one function on two executors, each on its own thread -----------------

static PARK_A: TestPark = TestPark::new();
static PARK_B: TestPark = TestPark::new();
static EXEC_A: Executor = Executor::new(&PARK_A);
static EXEC_B: Executor = Executor::new(&PARK_B);

const SLOTS: usize = 3;

bitwake::task! {
    pool_size = SLOTS;
    cores = 2;
    /// Spawned by `worker` on the executor that runs `worker`.
    async fn handle(k: u32) -> (u32, ThreadId) {
        yield_now().await;
        (k * 10, thread::current().id())
    }
}

bitwake::task! {
    pool_size = SLOTS;
    cores = 2;
    /// The one worker function, on every executor: starts a `handle` on its
    /// own executor and reports which threads polled both.
    async fn worker(exec: &'static Executor, k: u32) -> (u32, ThreadId, ThreadId) {
        yield_now().await;
        let h = exec.spawn(handle(k)).expect("handle's pool on this executor has room");
        let (v, handled_on) = h.await.expect("handle finished");
        (v + 1, thread::current().id(), handled_on)
    }
}

/// On the calling thread: fills `exec`'s worker pool, checks the next one
/// is refused with its arguments, runs them all, and then fills it again.
fn run_workers(
    exec: &'static Executor,
    base: u32,
    start: &Barrier,
) -> Vec<(u32, ThreadId, ThreadId)> {
    start.wait();
    exec.block_on(async move {
        let mut hs = Vec::new();
        for i in 0..SLOTS as u32 {
            hs.push(
                exec.spawn(worker(exec, base + i))
                    .expect("room in this executor's pool"),
            );
        }
        // Full is this executor's pool, not the other's: the other thread
        // fills its own pool at the same time.
        match exec.try_spawn(worker(exec, 99)) {
            Err(Rejected {
                error: SpawnError::Full,
                args: Some((e, 99)),
            }) => assert!(core::ptr::eq(e, exec)),
            other => panic!(
                "expected Full with the arguments, got {:?}",
                other.map(|_| ()).map_err(|r| r.error)
            ),
        }
        let mut out = Vec::new();
        for h in hs {
            out.push(h.await.expect("worker finished"));
        }
        // Finished and joined: the slots are free again.
        let again = exec
            .spawn(worker(exec, base + 50))
            .expect("slots were freed");
        out.push(again.await.expect("worker finished"));
        out
    })
}

#[test]
fn one_task_function_runs_on_two_executors_on_two_threads() {
    let start = Arc::new(Barrier::new(2));
    let s = start.clone();
    let b = thread::spawn(move || (thread::current().id(), run_workers(&EXEC_B, 100, &s)));
    let a_thread = thread::current().id();
    let a = run_workers(&EXEC_A, 0, &start);
    let (b_thread, b) = b.join().expect("thread B");
    assert_ne!(a_thread, b_thread);
    let expect = |base: u32| -> Vec<u32> {
        (0..SLOTS as u32)
            .chain([50])
            .map(|i| (base + i) * 10 + 1)
            .collect()
    };
    assert_eq!(a.iter().map(|r| r.0).collect::<Vec<_>>(), expect(0));
    assert_eq!(b.iter().map(|r| r.0).collect::<Vec<_>>(), expect(100));
    // Every worker and every handle ran on the thread of the executor that
    // started it.
    assert!(
        a.iter().all(|r| r.1 == a_thread && r.2 == a_thread),
        "{a:?}"
    );
    assert!(
        b.iter().all(|r| r.1 == b_thread && r.2 == b_thread),
        "{b:?}"
    );
    assert_eq!(
        PARK_A.timeouts.load(SeqCst) + PARK_B.timeouts.load(SeqCst),
        0
    );
}

// --- a spawn from another thread lands on the executor it names ------------

static PARK_C: TestPark = TestPark::new();
static PARK_D: TestPark = TestPark::new();
static EXEC_C: Executor = Executor::new(&PARK_C);
static EXEC_D: Executor = Executor::new(&PARK_D);

bitwake::task! {
    pool_size = 1;
    cores = 2;
    async fn polled_on() -> ThreadId {
        yield_now().await;
        thread::current().id()
    }
}

#[test]
fn spawns_from_other_threads_land_on_the_named_executor() {
    // The main thread starts tasks on two executors that run elsewhere.
    let started = Arc::new(Barrier::new(3));
    let mut runners = Vec::new();
    for (exec, stop) in [(&EXEC_C, &STOP_C), (&EXEC_D, &STOP_D)] {
        let s = started.clone();
        runners.push(thread::spawn(move || {
            exec.block_on(async {
                s.wait();
                stop.wait().await;
            });
            thread::current().id()
        }));
    }
    started.wait();
    let hc = EXEC_C.spawn(polled_on()).expect("C's pool");
    let hd = EXEC_D.spawn(polled_on()).expect("D's pool");
    let on_c = foreign_block_on(hc);
    let on_d = foreign_block_on(hd);
    STOP_C.signal(());
    STOP_D.signal(());
    let c = runners.remove(0).join().expect("runner C");
    let d = runners.remove(0).join().expect("runner D");
    assert_ne!(c, d);
    assert_eq!((on_c, on_d), (Ok(c), Ok(d)));
}

static STOP_C: Signal<()> = Signal::new();
static STOP_D: Signal<()> = Signal::new();

/// Waits for a join handle on a thread that runs no executor (a foreign
/// joiner), with a thread-parking waker.
fn foreign_block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

// --- the executor beyond `cores` ------------------------------------------

static PARK_E: TestPark = TestPark::new();
static EXECS_E: [Executor; 3] = [const { Executor::new(&PARK_E) }; 3];

bitwake::task! {
    pool_size = 1;
    cores = 2;
    async fn tagged(tag: &'static str) -> &'static str {
        tag
    }
}

#[test]
fn an_executor_beyond_cores_gets_an_error_and_its_arguments() {
    let first = EXECS_E[0].spawn(tagged("zero")).expect("pool 0");
    let second = EXECS_E[1].spawn(tagged("one")).expect("pool 1");
    match EXECS_E[2].try_spawn(tagged("two")) {
        Err(Rejected {
            error: SpawnError::TooManyExecutors,
            args: Some(("two",)),
        }) => {}
        other => panic!("expected TooManyExecutors, got {:?}", other.map(|_| ())),
    }
    assert!(
        SpawnError::TooManyExecutors
            .to_string()
            .contains("raise its cores"),
        "{}",
        SpawnError::TooManyExecutors
    );
    // Refused for good on that executor; the others keep their pools.
    assert_eq!(
        EXECS_E[2].spawn(tagged("again")).unwrap_err(),
        SpawnError::TooManyExecutors
    );
    assert_eq!(EXECS_E[0].block_on(first), Ok("zero"));
    assert_eq!(EXECS_E[1].block_on(second), Ok("one"));
    let h = EXECS_E[1].spawn(tagged("reused")).expect("pool 1 again");
    assert_eq!(EXECS_E[1].block_on(h), Ok("reused"));
}

// --- tokens that are never started -----------------------------------------

static PARK_F: TestPark = TestPark::new();
static EXEC_F: Executor = Executor::new(&PARK_F);

struct Counted(&'static AtomicUsize);
impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

static DROPS: AtomicUsize = AtomicUsize::new(0);

bitwake::task! {
    pool_size = 1;
    cores = 1;
    async fn holds(c: Counted) -> usize {
        yield_now().await;
        drop(c);
        DROPS.load(SeqCst)
    }
}

#[test]
fn an_unstarted_token_drops_its_arguments_and_takes_no_slot() {
    let t = holds(Counted(&DROPS));
    assert!(t.is_ok(), "a per-core token is created when started");
    drop(t);
    assert_eq!(DROPS.load(SeqCst), 1);
    // Many unstarted tokens at once: none of them holds the only slot.
    let ts: Vec<_> = (0..4).map(|_| holds(Counted(&DROPS))).collect();
    let h = EXEC_F
        .spawn(holds(Counted(&DROPS)))
        .expect("the slot is free");
    drop(ts);
    assert_eq!(DROPS.load(SeqCst), 5);
    assert_eq!(EXEC_F.block_on(h), Ok(6));
}

// --- tasks that are not `Send`, through each executor's local spawner ------

static PARK_G: TestPark = TestPark::new();
static PARK_H: TestPark = TestPark::new();
static EXEC_G: Executor = Executor::new(&PARK_G);
static EXEC_H: Executor = Executor::new(&PARK_H);

bitwake::task! {
    pool_size = 2;
    cores = 2;
    async fn local_count(c: Rc<AtomicUsize>) -> usize {
        yield_now().await;
        c.fetch_add(1, SeqCst) + 1
    }
}

fn run_local(exec: &'static Executor) -> (usize, Option<Rejected<(Rc<AtomicUsize>,)>>) {
    let mut kept: Option<LocalSpawner> = None;
    let n = exec.block_on_local(|spawner: LocalSpawner| {
        kept = Some(spawner);
        async move {
            let c = Rc::new(AtomicUsize::new(0));
            let a = spawner.spawn(local_count(c.clone())).expect("room");
            let b = spawner.spawn(local_count(c.clone())).expect("room");
            a.await.expect("a") + b.await.expect("b")
        }
    });
    // The run is over: the stale spawner refuses, with the arguments.
    let stale = kept
        .expect("spawner")
        .try_spawn(local_count(Rc::new(AtomicUsize::new(7))))
        .err();
    (n, stale)
}

#[test]
fn local_per_core_tasks_run_on_each_executors_thread() {
    let other = thread::spawn(|| {
        let (n, stale) = run_local(&EXEC_H);
        (
            n,
            stale.map(|r| (r.error, r.args.map(|(c,)| c.load(SeqCst)))),
        )
    });
    let (n, stale) = run_local(&EXEC_G);
    assert_eq!(n, 3);
    let stale = stale.expect("refused");
    assert_eq!(stale.error, SpawnError::NotRunning);
    assert_eq!(stale.args.map(|(c,)| c.load(SeqCst)), Some(7));
    assert_eq!(
        other.join().expect("thread"),
        (3, Some((SpawnError::NotRunning, Some(7))))
    );
}
