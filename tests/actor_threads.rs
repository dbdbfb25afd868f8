//! Asks across threads: the asker runs on one executor and thread, the
//! actor on another; many asks are dropped mid-flight (raced against a few
//! yields). Every answer that arrives must be the answer to its own
//! request — never a stale reply meant for a dropped ask — and nothing
//! panics, leaks a reply slot or hangs.
use bitwake::actor::{Actor, Addr, Ctx, Mailbox, ReplyTo};
use bitwake::executor::{Either, Executor, SpinPark, select, yield_now};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};

const ASKS: u64 = if cfg!(miri) { 50 } else { 5_000 };

static PARK_A: SpinPark = SpinPark;
static PARK_B: SpinPark = SpinPark;
static EXEC_A: Executor = Executor::new(&PARK_A);
static EXEC_B: Executor = Executor::new(&PARK_B);

struct Echo {
    served: u64,
}
enum Msg {
    Req(u64, ReplyTo<u64>),
}
impl Actor for Echo {
    type Msg = Msg;
    type Mailbox = Mailbox<Self, 4>;
    type Args = ();
    type Error = core::convert::Infallible;
    fn create(_: &()) -> Self {
        Echo { served: 0 }
    }
    async fn handle(&mut self, Msg::Req(id, reply): Msg, _: Ctx<Self>) -> Result<(), Self::Error> {
        self.served += 1;
        // A varying delay, so answers race with the askers' give-ups.
        for _ in 0..(self.served % 3) {
            yield_now().await;
        }
        let _ = reply.send(id);
        Ok(())
    }
}
bitwake::actors! {
    pool_size = 1;
    static ECHO: Echo;
}

#[test]
fn answers_across_threads_always_match_their_request() {
    static ADDR: OnceLock<Addr<Echo>> = OnceLock::new();
    static DONE: AtomicBool = AtomicBool::new(false);
    static ANSWERED: AtomicU64 = AtomicU64::new(0);
    static DROPPED: AtomicU64 = AtomicU64::new(0);

    let server = std::thread::spawn(|| {
        EXEC_B.block_on(async {
            let e = ECHO.spawn_on(&EXEC_B, ()).unwrap();
            ADDR.set(e).unwrap();
            while !DONE.load(SeqCst) {
                yield_now().await;
            }
            e.stop();
            while !ECHO.is_empty() {
                yield_now().await;
            }
        })
    });
    let e = loop {
        if let Some(a) = ADDR.get() {
            break *a;
        }
        std::thread::yield_now();
    };
    EXEC_A.block_on(async {
        for id in 0..ASKS {
            // Every fifth ask waits as long as it takes; the others give up
            // after 0 to 3 yields (the answer needs the other thread).
            let patient = id % 5 == 4;
            let patience = async {
                for _ in 0..(id % 5) {
                    yield_now().await;
                }
                if patient {
                    core::future::pending::<()>().await;
                }
            };
            match select(e.ask(|r| Msg::Req(id, r)), patience).await {
                Either::Left(Ok(got)) => {
                    assert_eq!(got, id, "a reply reached the wrong ask");
                    ANSWERED.fetch_add(1, SeqCst);
                }
                Either::Left(Err(err)) => panic!("ask {id}: {err:?}"),
                Either::Right(()) => {
                    DROPPED.fetch_add(1, SeqCst);
                }
            }
        }
        // Every slot came back: a last ask still gets through.
        let last = e.ask(|r| Msg::Req(u64::MAX, r)).await;
        assert_eq!(last, Ok(u64::MAX));
    });
    DONE.store(true, SeqCst);
    server.join().unwrap();
    let (a, d) = (ANSWERED.load(SeqCst), DROPPED.load(SeqCst));
    assert_eq!(a + d, ASKS);
    assert!(a > 0 && d > 0, "both answered ({a}) and dropped ({d}) asks");
}
