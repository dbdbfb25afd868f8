//! Actors in a freestanding program (bin `test-actor` in `programs/`), run
//! natively and under QEMU by `cargo xtask test`: tell/ask, back-pressure,
//! supervision order and restarts, ask timeouts on the reactor's timers, a
//! 1000-actor ring, an actor on its own fiber asking in blocking style. No
//! allocator exists here, so all of it is heap-free.
#![no_std]
#![no_main]
#![allow(clippy::result_large_err)]

use bitwake::actor::{
    Actor, Addr, AskError, Ctx, Intensity, Mailbox, ReplyTo, Restart, Stop, Strategy, Supervisor,
    TryTellError,
};
use bitwake::executor::{Executor, SpinPark, join, yield_now};
use bitwake::rt::testing::{self, Outcome};
use bitwake::time::Duration;
use bitwake::{cases, check, check_eq};
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering::SeqCst};

bitwake::main!(main);

fn main() -> i32 {
    testing::run(cases![
        tell_ask_and_backpressure,
        one_for_all_restarts_in_order,
        rest_for_one_and_intensity,
        ask_timeout_on_the_reactor,
        ring_of_1000_in_order,
        fiber_actor_asks_in_blocking_style,
    ])
}

static PARK: SpinPark = SpinPark;
static EXEC: Executor = Executor::new(&PARK);

// A log of (event, child) codes: 1 start, 2 stop failed, 3 stop killed.
static LOG: [AtomicU32; 64] = [const { AtomicU32::new(0) }; 64];
static LOG_LEN: AtomicUsize = AtomicUsize::new(0);

fn log(code: u32) {
    let i = LOG_LEN.fetch_add(1, SeqCst);
    if let Some(slot) = LOG.get(i) {
        slot.store(code, SeqCst);
    }
}

fn take_log(out: &mut [u32; 64]) -> usize {
    let n = LOG_LEN.swap(0, SeqCst).min(64);
    for (o, l) in out.iter_mut().zip(LOG.iter()).take(n) {
        *o = l.load(SeqCst);
    }
    n
}

fn check_log(expected: &[u32]) -> Outcome {
    let mut got = [0u32; 64];
    let n = take_log(&mut got);
    check_eq!(&got[..n], expected);
    Ok(())
}

struct Worker {
    id: u32,
    handled: u32,
    gate: u32,
}

enum Msg {
    Fail,
    Count(ReplyTo<u32>),
    /// Waits until the gate has let this many `Slow`s through.
    Slow,
}

static GATE: AtomicU32 = AtomicU32::new(0);

impl Actor for Worker {
    type Msg = Msg;
    type Mailbox = Mailbox<Self, 2>;
    type Args = u32;
    type Error = ();
    fn create(id: &u32) -> Self {
        Worker {
            id: *id,
            handled: 0,
            gate: 0,
        }
    }
    async fn started(&mut self, _: Ctx<Self>) -> Result<(), ()> {
        log(10 + self.id);
        Ok(())
    }
    async fn handle(&mut self, msg: Msg, _: Ctx<Self>) -> Result<(), ()> {
        self.handled += 1;
        match msg {
            Msg::Fail => return Err(()),
            Msg::Count(r) => {
                let _ = r.send(self.handled);
            }
            Msg::Slow => {
                self.gate += 1;
                while GATE.load(SeqCst) < self.gate {
                    yield_now().await;
                }
            }
        }
        Ok(())
    }
    async fn stopping(&mut self, why: Stop<'_, ()>, _: Ctx<Self>) {
        match why {
            Stop::Failed(_) => log(20 + self.id),
            Stop::Killed => log(30 + self.id),
            Stop::Normal => log(40 + self.id),
        }
    }
}

bitwake::actors! {
    pool_size = 4;
    static WORKERS: Worker;
}

async fn settle() {
    for _ in 0..200 {
        yield_now().await;
    }
}

fn tell_ask_and_backpressure() -> Outcome {
    LOG_LEN.store(0, SeqCst);
    GATE.store(0, SeqCst);
    let r = EXEC.block_on(async {
        let w = WORKERS.spawn_on(&EXEC, 0).unwrap();
        w.tell(Msg::Slow).await.unwrap();
        settle().await;
        // The handler waits at the gate; two slots of mailbox.
        w.try_tell(Msg::Slow).unwrap();
        w.try_tell(Msg::Slow).unwrap();
        let full = matches!(w.try_tell(Msg::Fail), Err(TryTellError::Full(Msg::Fail)));
        let sent = AtomicU32::new(0);
        let (_, ()) = join(
            async {
                w.tell(Msg::Slow).await.unwrap();
                sent.store(1, SeqCst);
            },
            async {
                settle().await;
                let waited = sent.load(SeqCst) == 0;
                GATE.store(4, SeqCst);
                check_waited(waited);
            },
        )
        .await;
        let n = w.ask(Msg::Count).await;
        w.stop();
        settle().await;
        let stopped = w.ask(Msg::Count).await;
        (full, n, stopped, WAITED.load(SeqCst))
    });
    check!(r.0, "try_tell on a full mailbox gives the message back");
    check_eq!(r.1, Ok(5));
    check_eq!(r.2, Err(AskError::Stopped));
    // tell waited for room
    check_eq!(r.3, 1);
    check_log(&[10, 40])
}

static WAITED: AtomicU32 = AtomicU32::new(0);
fn check_waited(w: bool) {
    WAITED.store(w as u32, SeqCst);
}

fn one_for_all_restarts_in_order() -> Outcome {
    static SUP: Supervisor<3> = Supervisor::new(
        Strategy::OneForAll,
        Intensity::new(3, Duration::from_secs(60)),
    );
    LOG_LEN.store(0, SeqCst);
    let r = EXEC.block_on(async {
        let a: [Addr<Worker>; 3] = [1, 2, 3].map(|i| {
            WORKERS
                .spawn_under_on(&EXEC, &SUP, Restart::Permanent, i)
                .unwrap()
        });
        let drive = async {
            settle().await;
            a[1].tell(Msg::Fail).await.unwrap();
            settle().await;
            let n = a[1].ask(Msg::Count).await;
            SUP.shutdown();
            n
        };
        let (run, n) = join(SUP.run(), drive).await;
        (run, n)
    });
    check_eq!(r.0, Ok(()));
    // fresh state, same address
    check_eq!(r.1, Ok(1));
    check_log(&[11, 12, 13, 22, 33, 31, 11, 12, 13, 33, 32, 31])
}

fn rest_for_one_and_intensity() -> Outcome {
    static SUP: Supervisor<3> = Supervisor::new(
        Strategy::RestForOne,
        Intensity::new(1, Duration::from_secs(60)),
    );
    LOG_LEN.store(0, SeqCst);
    let r = EXEC.block_on(async {
        let a: [Addr<Worker>; 3] = [1, 2, 3].map(|i| {
            WORKERS
                .spawn_under_on(&EXEC, &SUP, Restart::Permanent, i)
                .unwrap()
        });
        let drive = async {
            settle().await;
            a[1].tell(Msg::Fail).await.unwrap();
            settle().await;
            // The second restart within the period is one too many.
            a[0].tell(Msg::Fail).await.unwrap();
        };
        let (run, ()) = join(SUP.run(), drive).await;
        (run, a.iter().any(|w| w.is_alive()))
    });
    check_eq!(r.0, Err(bitwake::actor::SuperviseError::Escalated));
    check!(!r.1, "every child is gone");
    check_log(&[11, 12, 13, 22, 33, 12, 13, 21, 33, 32])
}

fn ask_timeout_on_the_reactor() -> Outcome {
    // WORKERS' tasks are bound to EXEC: the default executor refuses them,
    // and the cell it took is free again.
    let other = bitwake::block_on(async { WORKERS.spawn(9).err() });
    check_eq!(other, Some(bitwake::executor::SpawnError::OtherExecutor));
    check!(WORKERS.is_empty());
    let r = bitwake::block_on(async {
        let s = SLEEPERS.spawn(()).unwrap();
        let late = s
            .ask_timeout(SleepMsg::Hold, Duration::from_millis(20))
            .await;
        let after = s.ask(SleepMsg::Ping).await;
        s.stop();
        (late, after)
    });
    check_eq!(r.0, Err(AskError::Timeout));
    // the late reply was handed back, not delivered
    check_eq!(r.1, Ok(7));
    Ok(())
}

struct Sleeper(Option<ReplyTo<u32>>);
enum SleepMsg {
    Hold(ReplyTo<u32>),
    Ping(ReplyTo<u32>),
}
impl Actor for Sleeper {
    type Msg = SleepMsg;
    type Mailbox = Mailbox<Self, 2>;
    type Args = ();
    type Error = ();
    fn create(_: &()) -> Self {
        Sleeper(None)
    }
    async fn handle(&mut self, msg: SleepMsg, _: Ctx<Self>) -> Result<(), ()> {
        match msg {
            SleepMsg::Hold(r) => self.0 = Some(r),
            SleepMsg::Ping(r) => {
                // The held reply's asker timed out: the value comes back.
                if let Some(h) = self.0.take()
                    && h.send(1).is_ok()
                {
                    return Err(());
                }
                let _ = r.send(7);
            }
        }
        Ok(())
    }
}
bitwake::actors! {
    pool_size = 1;
    static SLEEPERS: Sleeper;
}

const NODES: usize = 1000;
const TOKENS: u32 = 10;
const LAPS: u32 = 10;
static DELIVERED: AtomicU32 = AtomicU32::new(0);
static DONE: AtomicU32 = AtomicU32::new(0);
static DISORDER: AtomicU32 = AtomicU32::new(0);

struct Node {
    next: Option<Addr<Node>>,
    expect: u32,
}
enum NodeMsg {
    Link(Addr<Node>),
    Token(u32, u32),
}
impl Actor for Node {
    type Msg = NodeMsg;
    type Mailbox = Mailbox<Self, 16>;
    type Args = ();
    type Error = ();
    fn create(_: &()) -> Self {
        Node {
            next: None,
            expect: 0,
        }
    }
    async fn handle(&mut self, msg: NodeMsg, _: Ctx<Self>) -> Result<(), ()> {
        match msg {
            NodeMsg::Link(n) => self.next = Some(n),
            NodeMsg::Token(seq, left) => {
                DELIVERED.fetch_add(1, SeqCst);
                if seq != self.expect {
                    DISORDER.fetch_add(1, SeqCst);
                }
                self.expect = (seq + 1) % TOKENS;
                if left == 0 {
                    DONE.fetch_add(1, SeqCst);
                } else if let Some(n) = self.next {
                    let _ = n.tell(NodeMsg::Token(seq, left - 1)).await;
                }
            }
        }
        Ok(())
    }
}
bitwake::actors! {
    pool_size = NODES;
    static RING: Node;
}

fn ring_of_1000_in_order() -> Outcome {
    let ok = EXEC.block_on(async {
        let mut nodes: heapless::Vec<Addr<Node>, NODES> = heapless::Vec::new();
        for _ in 0..NODES {
            let _ = nodes.push(RING.spawn_on(&EXEC, ()).unwrap());
        }
        for (i, n) in nodes.iter().enumerate() {
            n.tell(NodeMsg::Link(nodes[(i + 1) % NODES])).await.unwrap();
        }
        let hops = LAPS * NODES as u32;
        for seq in 0..TOKENS {
            nodes[0].tell(NodeMsg::Token(seq, hops - 1)).await.unwrap();
        }
        while DONE.load(SeqCst) < TOKENS {
            yield_now().await;
        }
        for n in &nodes {
            n.stop();
        }
        while !RING.is_empty() {
            yield_now().await;
        }
        true
    });
    check!(ok);
    check_eq!(DISORDER.load(SeqCst), 0);
    check_eq!(DELIVERED.load(SeqCst), TOKENS * LAPS * NODES as u32);
    Ok(())
}

/// An actor on its own fiber: its handler asks a Worker (an actor on a
/// task) in blocking style and gets each count as a value.
struct Asker {
    worker: Addr<Worker>,
}
enum AskerMsg {
    Relay(ReplyTo<u32>),
}
impl Actor for Asker {
    type Msg = AskerMsg;
    type Mailbox = Mailbox<Self, 2>;
    type Args = Addr<Worker>;
    type Error = AskError;
    fn create(worker: &Addr<Worker>) -> Self {
        Asker { worker: *worker }
    }
    async fn handle(&mut self, AskerMsg::Relay(r): AskerMsg, _: Ctx<Self>) -> Result<(), AskError> {
        let first = self.worker.ask_blocking(Msg::Count)?;
        let second = self.worker.ask_blocking(Msg::Count)?;
        let _ = r.send(first * 10 + second);
        Ok(())
    }
}
bitwake::fiber_actors! {
    pool_size = 1;
    stack_size = 16 * 1024;
    static ASKERS: Asker;
}

fn fiber_actor_asks_in_blocking_style() -> Outcome {
    LOG_LEN.store(0, SeqCst);
    let r = EXEC.block_on(async {
        let w = WORKERS.spawn_on(&EXEC, 5).unwrap();
        let a = ASKERS.spawn_on(&EXEC, w).unwrap();
        let r = a.ask(AskerMsg::Relay).await;
        a.stop();
        w.stop();
        while !(ASKERS.is_empty() && WORKERS.is_empty()) {
            yield_now().await;
        }
        r
    });
    check_eq!(r, Ok(12));
    Ok(())
}
