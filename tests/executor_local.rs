//! Tasks that are not `Send`, started through the `LocalSpawner` that
//! `Executor::block_on_local` hands to its future.
mod executor_common;
use bitwake::executor::{Executor, JoinError, LocalSpawner, SpawnError, yield_now};
use executor_common::TestPark;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Mutex;

/// Records its id in `LOG` when dropped, and on which thread.
struct Noisy(u32);
static LOG: Mutex<Vec<(u32, std::thread::ThreadId)>> = Mutex::new(Vec::new());
impl Drop for Noisy {
    fn drop(&mut self) {
        LOG.lock()
            .unwrap()
            .push((self.0, std::thread::current().id()));
    }
}

// --- an Rc held across .await, output not Send either --------------------------

static PARK1: TestPark = TestPark::new();
static EXEC1: Executor = Executor::new(&PARK1);

bitwake::task! {
    pool_size = 4;
    async fn bump(counter: Rc<Cell<u32>>, yields: u32) -> Rc<Cell<u32>> {
        for _ in 0..yields {
            yield_now().await;
            counter.set(counter.get() + 1);
        }
        counter
    }
}

#[test]
fn a_task_holding_an_rc_runs_through_the_local_spawner() {
    let total = EXEC1.block_on_local(|spawner: LocalSpawner| async move {
        let c = Rc::new(Cell::new(0));
        let a = spawner.spawn(bump(c.clone(), 3)).unwrap();
        let b = spawner.spawn(bump(c.clone(), 5)).unwrap();
        let ra = a.await.unwrap();
        let rb = b.await.unwrap();
        assert!(Rc::ptr_eq(&ra, &rb));
        assert_eq!(Rc::strong_count(&c), 3);
        c.get()
    });
    assert_eq!(total, 8);
}

// --- local tasks start more local tasks; Send tasks mix in ---------------------

static PARK2: TestPark = TestPark::new();
static EXEC2: Executor = Executor::new(&PARK2);

bitwake::task! {
    pool_size = 4;
    async fn child(log: Rc<RefCell<Vec<u32>>>, n: u32) {
        yield_now().await;
        log.borrow_mut().push(n);
    }
}

bitwake::task! {
    pool_size = 1;
    async fn parent(spawner: LocalSpawner, log: Rc<RefCell<Vec<u32>>>) -> usize {
        let hs = [1, 2, 3].map(|n| spawner.spawn(child(log.clone(), n)).unwrap());
        for h in hs {
            h.await.unwrap();
        }
        log.borrow().len()
    }
}

bitwake::task! {
    pool_size = 1;
    async fn plain(x: u32) -> u32 {
        yield_now().await;
        x + 1
    }
}

#[test]
fn local_tasks_spawn_local_tasks_and_send_tasks_still_go_anywhere() {
    let (n, log, p) = EXEC2.block_on_local(|spawner: LocalSpawner| async move {
        let log = Rc::new(RefCell::new(Vec::new()));
        let p = EXEC2.spawn(plain(1)).unwrap(); // a Send task, the usual way
        let n = spawner.spawn(parent(spawner, log.clone())).unwrap().await;
        let p = spawner.spawn(plain(p.await.unwrap())).unwrap().await; // Send through local: fine
        (n, Rc::try_unwrap(log).unwrap().into_inner(), p)
    });
    assert_eq!(n, Ok(3));
    assert_eq!(log, vec![1, 2, 3]);
    assert_eq!(p, Ok(3));
}

// --- a spawner that outlives its run refuses, and drops the task here ------------

static PARK3: TestPark = TestPark::new();
static EXEC3: Executor = Executor::new(&PARK3);

bitwake::task! {
    pool_size = 1;
    async fn holds_noisy(n: Rc<Noisy>) {
        yield_now().await;
        drop(n);
    }
}

#[test]
fn a_spawner_kept_past_its_run_returns_not_running() {
    let kept = EXEC3.block_on_local(|spawner: LocalSpawner| async move { spawner });
    let me = std::thread::current().id();
    let r = kept.spawn(holds_noisy(Rc::new(Noisy(1))));
    assert_eq!(r.unwrap_err(), SpawnError::NotRunning);
    // The refused task was dropped at once, on this thread, unpolled; the
    // slot is free again.
    assert_eq!(LOG.lock().unwrap().as_slice(), &[(1, me)]);
    // A new run does not revive the old spawner, and its own works.
    EXEC3.block_on_local(|fresh: LocalSpawner| async move {
        let r = kept.spawn(holds_noisy(Rc::new(Noisy(2))));
        assert_eq!(r.unwrap_err(), SpawnError::NotRunning);
        fresh
            .spawn(holds_noisy(Rc::new(Noisy(3))))
            .unwrap()
            .await
            .unwrap();
    });
    let ids: Vec<u32> = LOG.lock().unwrap().iter().map(|e| e.0).collect();
    assert_eq!(ids, vec![1, 2, 3]);
    assert!(LOG.lock().unwrap().iter().all(|e| e.1 == me));
}

// --- a task dropped at shutdown cannot start a local task that would outlive it ---

static PARK4: TestPark = TestPark::new();
static EXEC4: Executor = Executor::new(&PARK4);
static SEEN: Mutex<Vec<Result<(), SpawnError>>> = Mutex::new(Vec::new());

struct SpawnOnDrop(LocalSpawner);
impl Drop for SpawnOnDrop {
    fn drop(&mut self) {
        let r = self.0.spawn(never(Rc::new(()))).map(drop);
        SEEN.lock().unwrap().push(r);
    }
}

bitwake::task! {
    pool_size = 1;
    async fn never(_rc: Rc<()>) {
        core::future::pending::<()>().await
    }
}

bitwake::task! {
    pool_size = 1;
    async fn spawns_when_dropped(guard: SpawnOnDrop) {
        let _g = guard;
        core::future::pending::<()>().await
    }
}

#[test]
fn shutdown_refuses_local_spawns_from_dropped_tasks() {
    EXEC4.block_on_local(|spawner: LocalSpawner| async move {
        let h = spawner
            .spawn(spawns_when_dropped(SpawnOnDrop(spawner)))
            .unwrap();
        yield_now().await;
        drop(h); // detached: dropped at shutdown
    });
    assert_eq!(*SEEN.lock().unwrap(), vec![Err(SpawnError::NotRunning)]);
    // Nothing survived into the next run: the pool of `never` is free.
    let r = EXEC4.block_on_local(|spawner: LocalSpawner| async move {
        let h = spawner.spawn(never(Rc::new(()))).unwrap();
        h.abort();
        h.await
    });
    assert_eq!(r, Err(JoinError::Cancelled));
}

// --- a local task's Send output and handle may leave the thread ----------------------

static PARK5: TestPark = TestPark::new();
static EXEC5: Executor = Executor::new(&PARK5);

bitwake::task! {
    pool_size = 2;
    async fn local_with_send_output(rc: Rc<u32>, yields: u32) -> String {
        for _ in 0..yields {
            yield_now().await;
        }
        format!("{rc}")
    }
}

#[test]
fn a_local_tasks_handle_can_be_awaited_from_another_thread() {
    EXEC5.block_on_local(|spawner: LocalSpawner| async move {
        let h = spawner
            .spawn(local_with_send_output(Rc::new(7), 3))
            .unwrap();
        // The handle (output `String`: Send) goes to another thread, which
        // blocks on it with its own (foreign) waker while this executor runs
        // the task.
        let t = std::thread::spawn(move || futures_block_on(h));
        while !t.is_finished() {
            yield_now().await;
        }
        assert_eq!(t.join().unwrap(), Ok("7".to_owned()));
        // Aborting from another thread drops the future here.
        let h = spawner
            .spawn(local_with_send_output(Rc::new(8), u32::MAX))
            .unwrap();
        yield_now().await;
        let t = std::thread::spawn(move || {
            h.abort();
            futures_block_on(h)
        });
        while !t.is_finished() {
            yield_now().await;
        }
        assert_eq!(t.join().unwrap(), Err(JoinError::Cancelled));
    });
}

/// A minimal thread-parking `block_on` (a foreign executor).
fn futures_block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park_timeout(std::time::Duration::from_millis(100));
    }
}
