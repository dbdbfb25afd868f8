//! Actors on fibers: a handler written as plain blocking code asks another
//! actor and gets the answer as a return value, waits on a future, and
//! meanwhile the executor keeps running the other actors.
use bitwake::actor::{Actor, Addr, AskError, Ctx, Mailbox, ReplyTo};
use bitwake::executor::{Executor, SpinPark, yield_now};
use bitwake::fiber;
use bitwake::sync::Channel;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

static PARK: SpinPark = SpinPark;
static EXEC: Executor = Executor::new(&PARK);
/// Fibers run on the executor that first ran one: the tests share EXEC and
/// take turns with it.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// An async actor on a task: doubles.
struct Doubler;
enum DMsg {
    Double(u64, ReplyTo<u64>),
}
impl Actor for Doubler {
    type Msg = DMsg;
    type Mailbox = Mailbox<Self, 2>;
    type Args = ();
    type Error = core::convert::Infallible;
    fn create(_: &()) -> Self {
        Doubler
    }
    async fn handle(&mut self, DMsg::Double(n, r): DMsg, _: Ctx<Self>) -> Result<(), Self::Error> {
        yield_now().await;
        let _ = r.send(2 * n);
        Ok(())
    }
}
bitwake::actors! {
    pool_size = 1;
    static DOUBLERS: Doubler;
}

static TICKS: AtomicU32 = AtomicU32::new(0);
static GO: Channel<u32, 1> = Channel::new();

/// A blocking actor on a fiber: sums doubled values.
struct Summer {
    doubler: Addr<Doubler>,
    total: u64,
}
enum SMsg {
    Add(u64),
    /// Blocks on a channel until the test sends, then answers.
    WaitForGo(ReplyTo<u32>),
    Total(ReplyTo<u64>),
}
impl Actor for Summer {
    type Msg = SMsg;
    type Mailbox = Mailbox<Self, 2>;
    type Args = Addr<Doubler>;
    type Error = AskError;
    fn create(doubler: &Addr<Doubler>) -> Self {
        Summer {
            doubler: *doubler,
            total: 0,
        }
    }
    async fn handle(&mut self, msg: SMsg, _: Ctx<Self>) -> Result<(), AskError> {
        // Plain blocking code from here on: this runs on the actor's fiber.
        assert!(fiber::in_fiber());
        match msg {
            SMsg::Add(n) => {
                let doubled = self.doubler.ask_blocking(|r| DMsg::Double(n, r))?;
                self.total += doubled;
            }
            SMsg::WaitForGo(r) => {
                let before = TICKS.load(SeqCst);
                let v = fiber::wait(GO.recv()).unwrap_or(0);
                // Other tasks ran while this handler was blocked.
                assert!(TICKS.load(SeqCst) > before);
                let _ = r.send(v);
            }
            SMsg::Total(r) => {
                let _ = r.send(self.total);
            }
        }
        Ok(())
    }
}
bitwake::fiber_actors! {
    pool_size = 2;
    stack_size = 32 * 1024;
    static SUMMERS: Summer;
}

#[test]
fn a_blocking_handler_asks_and_gets_the_answer_as_a_value() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    EXEC.block_on(async {
        let d = DOUBLERS.spawn_on(&EXEC, ()).unwrap();
        let s = SUMMERS.spawn_on(&EXEC, d).unwrap();
        for n in 1..=10 {
            s.tell(SMsg::Add(n)).await.unwrap();
        }
        assert_eq!(s.ask(SMsg::Total).await, Ok(110));
        // The fiber blocks in its handler; this task keeps running.
        let ticker = async {
            for _ in 0..50 {
                TICKS.fetch_add(1, SeqCst);
                yield_now().await;
            }
            GO.send(7).await.unwrap();
        };
        let (answer, ()) = bitwake::executor::join(s.ask(SMsg::WaitForGo), ticker).await;
        assert_eq!(answer, Ok(7));
        // Outside a fiber the blocking forms refuse instead of blocking.
        assert_eq!(
            d.ask_blocking(|r| DMsg::Double(1, r)),
            Err(AskError::NotOnFiber)
        );
        s.stop();
        d.stop();
        while !(SUMMERS.is_empty() && DOUBLERS.is_empty()) {
            yield_now().await;
        }
    });
}

/// A fiber actor that fails on request, supervised.
struct Flaky {
    handled: u32,
}
enum FMsg {
    Fail,
    Count(ReplyTo<u32>),
}
impl Actor for Flaky {
    type Msg = FMsg;
    type Mailbox = Mailbox<Self, 2>;
    type Args = ();
    type Error = ();
    fn create(_: &()) -> Self {
        Flaky { handled: 0 }
    }
    async fn handle(&mut self, msg: FMsg, _: Ctx<Self>) -> Result<(), ()> {
        fiber::yield_now(); // blocking style: lets others run, then goes on
        self.handled += 1;
        match msg {
            FMsg::Fail => Err(()),
            FMsg::Count(r) => {
                let _ = r.send(self.handled);
                Ok(())
            }
        }
    }
}
bitwake::fiber_actors! {
    pool_size = 1;
    stack_size = 32 * 1024;
    static FLAKY: Flaky;
}

#[test]
fn a_supervised_fiber_actor_restarts_with_fresh_state_at_the_same_address() {
    use bitwake::actor::{Intensity, Restart, Strategy, Supervisor};
    use bitwake::time::Duration;
    static SUP: Supervisor<1> = Supervisor::new(
        Strategy::OneForOne,
        Intensity::new(3, Duration::from_secs(60)),
    );
    static STACK: fiber::FiberStack<{ 32 * 1024 }> = fiber::FiberStack::new();
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    EXEC.block_on(async {
        let f = FLAKY
            .spawn_under_on(&EXEC, &SUP, Restart::Permanent, ())
            .unwrap();
        let drive = async {
            assert_eq!(f.ask(FMsg::Count).await, Ok(1));
            f.tell(FMsg::Fail).await.unwrap();
            // A plain fiber asks in blocking style, across the restart.
            let h = fiber::spawn_on(&EXEC, &STACK, move || f.ask_blocking(FMsg::Count)).unwrap();
            let n = h.await.unwrap();
            SUP.shutdown();
            n
        };
        let (run, n) = bitwake::executor::join(SUP.run(), drive).await;
        assert_eq!(run, Ok(()));
        assert_eq!(n, Ok(1), "fresh state after the restart, same address");
        while !FLAKY.is_empty() {
            yield_now().await;
        }
    });
}
