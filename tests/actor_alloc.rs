//! Zero heap allocations through actors: spawn, tell, try_tell on a full
//! mailbox, ask, a dropped ask, a failure and its restart under a
//! supervisor, a monitor, and the stop of everything.
//!
//! The counting global allocator of `alloc_common`, read for the test's own
//! thread only (the harness's main thread may allocate meanwhile); one test
//! in this binary.
mod actor_common;
mod alloc_common;
use bitwake::actor::{
    Actor, AskError, Ctx, Down, Intensity, Mailbox, ReplyTo, Restart, Strategy, Supervisor,
};
use bitwake::executor::{Either, Executor, SpinPark, join, select, yield_now};
use bitwake::time::Duration;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

static STARTS: AtomicU32 = AtomicU32::new(0);
static DOWNS: AtomicU32 = AtomicU32::new(0);

struct Worker {
    held: Option<ReplyTo<u32>>,
    sum: u32,
}

enum Msg {
    Add(u32),
    Get(ReplyTo<u32>),
    Hold(ReplyTo<u32>),
    Fail,
    Down(Down),
}

impl Actor for Worker {
    type Msg = Msg;
    type Mailbox = Mailbox<Self, 2>;
    type Args = ();
    type Error = ();
    fn create(_: &()) -> Self {
        Worker { held: None, sum: 0 }
    }
    async fn started(&mut self, _: Ctx<Self>) -> Result<(), ()> {
        STARTS.fetch_add(1, SeqCst);
        Ok(())
    }
    async fn handle(&mut self, msg: Msg, _: Ctx<Self>) -> Result<(), ()> {
        match msg {
            Msg::Add(n) => {
                yield_now().await;
                self.sum += n;
            }
            Msg::Get(r) => {
                let _ = r.send(self.sum);
            }
            Msg::Hold(r) => self.held = Some(r),
            Msg::Fail => return Err(()),
            Msg::Down(d) => {
                assert_eq!(d.exit, Some(bitwake::actor::Exit::Normal));
                DOWNS.fetch_add(1, SeqCst);
            }
        }
        Ok(())
    }
}

bitwake::actors! {
    pool_size = 3;
    static POOL: Worker;
}

static PARK: SpinPark = SpinPark;
static EXEC: Executor = Executor::new(&PARK);
static SUP: Supervisor<1> = Supervisor::new(
    Strategy::OneForOne,
    Intensity::new(3, Duration::from_secs(60)),
);

async fn settle() {
    for _ in 0..100 {
        yield_now().await;
    }
}

#[test]
fn actors_never_allocate() {
    let before = alloc_common::allocations_on_this_thread();
    EXEC.block_on(async {
        let w = POOL
            .spawn_under_on(&EXEC, &SUP, Restart::Permanent, ())
            .unwrap();
        let watcher = POOL.spawn_on(&EXEC, ()).unwrap();
        let plain = POOL.spawn_on(&EXEC, ()).unwrap();
        let drive = async {
            for i in 0..100 {
                w.tell(Msg::Add(i)).await.unwrap();
            }
            assert_eq!(w.ask(Msg::Get).await, Ok(4950));
            // Fill the mailbox: try_tell hands the message back.
            let mut full = 0;
            for _ in 0..10 {
                if w.try_tell(Msg::Add(1)).is_err() {
                    full += 1;
                }
            }
            assert!(full > 0);
            // A dropped ask.
            let r = select(w.ask(Msg::Hold), settle()).await;
            assert!(matches!(r, Either::Right(())));
            // Failure and restart: fresh state, same address.
            w.tell(Msg::Fail).await.unwrap();
            assert_eq!(w.ask(Msg::Get).await, Ok(0));
            bitwake::actor::monitor(plain, watcher, Msg::Down).unwrap();
            plain.stop();
            settle().await;
            assert_eq!(plain.ask(Msg::Get).await, Err(AskError::Stopped));
            SUP.shutdown();
        };
        let (r, ()) = join(SUP.run(), drive).await;
        r.unwrap();
        watcher.stop();
        while !POOL.is_empty() {
            yield_now().await;
        }
    });
    let allocs = alloc_common::allocations_on_this_thread() - before;
    // The counter works: this allocates.
    let probe = std::hint::black_box(Box::new(1u8));
    drop(probe);
    assert!(
        alloc_common::allocations_on_this_thread() > before + allocs,
        "the counter counts"
    );
    assert_eq!(allocs, 0, "heap allocations");
    assert_eq!(STARTS.load(SeqCst), 4, "w twice, watcher, plain");
    assert_eq!(DOWNS.load(SeqCst), 1);
}
