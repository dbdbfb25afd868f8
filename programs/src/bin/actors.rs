//! Actors on bitwake, freestanding: a supervision tree with a worker that
//! fails every third job and is restarted (same address, fresh state), an
//! ask/tell pipeline, an actor on its own fiber whose handler is plain
//! blocking code, and a ring of 100 actors. `cargo xtask run actors`.
//!
//! Everything lives in statics: no heap, no libc.
#![no_std]
#![no_main]

use bitwake::actor::{
    Actor, Addr, Ctx, Intensity, Mailbox, ReplyTo, Restart, Stop, Strategy, Supervisor,
};
use bitwake::executor::join;
use bitwake::println;
use bitwake::sync::Notify;
use bitwake::time::{Duration, Instant};
use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

bitwake::main!(main);

/// The worker fails on every `FAIL_EVERY`-th job of an incarnation.
const FAIL_EVERY: u32 = 3;
const JOBS: u32 = 10;
const RING: usize = 100;
const LAPS: u32 = 1000;

// ---- the supervised worker -------------------------------------------

static INCARNATIONS: AtomicU32 = AtomicU32::new(0);

struct Worker {
    incarnation: u32,
    done: u32,
}

enum Job {
    Work(u32),
    /// How many jobs this incarnation finished.
    Done(ReplyTo<u32>),
}

#[derive(Debug)]
struct Overheated(u32);

impl Actor for Worker {
    type Msg = Job;
    type Mailbox = Mailbox<Self, 16>;
    type Args = ();
    type Error = Overheated;
    fn create(_: &()) -> Self {
        Worker {
            incarnation: INCARNATIONS.fetch_add(1, Relaxed) + 1,
            done: 0,
        }
    }
    async fn started(&mut self, _: Ctx<Self>) -> Result<(), Overheated> {
        println!("worker: incarnation {} started", self.incarnation);
        Ok(())
    }
    async fn handle(&mut self, job: Job, _: Ctx<Self>) -> Result<(), Overheated> {
        match job {
            Job::Work(n) => {
                if (self.done + 1).is_multiple_of(FAIL_EVERY) {
                    return Err(Overheated(n));
                }
                self.done += 1;
                println!("worker: job {n} done by incarnation {}", self.incarnation);
            }
            Job::Done(r) => {
                let _ = r.send(self.done);
            }
        }
        Ok(())
    }
    async fn stopping(&mut self, why: Stop<'_, Overheated>, _: Ctx<Self>) {
        match why {
            Stop::Failed(Overheated(n)) => println!(
                "worker: incarnation {} failed at job {n} (job lost); the supervisor restarts it",
                self.incarnation
            ),
            Stop::Killed => println!(
                "worker: incarnation {} stopped by its supervisor",
                self.incarnation
            ),
            Stop::Normal => println!("worker: incarnation {} stopped", self.incarnation),
        }
    }
}

bitwake::actors! {
    pool_size = 1;
    static WORKERS: Worker;
}

// ---- the pipeline: square -> sum, the total asked through both ---------

struct Square {
    next: Addr<Sum>,
}
struct Sum {
    total: u64,
}

enum SquareMsg {
    Value(u64),
    /// The sum so far: Square asks Sum in turn, so it comes after every
    /// value Square has forwarded (mailboxes are FIFO).
    Total(ReplyTo<u64>),
}
enum SumMsg {
    Add(u64),
    Total(ReplyTo<u64>),
}

impl Actor for Square {
    type Msg = SquareMsg;
    type Mailbox = Mailbox<Self, 4>;
    type Args = Addr<Sum>;
    type Error = core::convert::Infallible;
    fn create(next: &Addr<Sum>) -> Self {
        Square { next: *next }
    }
    async fn handle(&mut self, msg: SquareMsg, _: Ctx<Self>) -> Result<(), Self::Error> {
        match msg {
            // Back-pressure: waits when Sum's mailbox is full.
            SquareMsg::Value(v) => {
                let _ = self.next.tell(SumMsg::Add(v * v)).await;
            }
            SquareMsg::Total(r) => {
                if let Ok(total) = self.next.ask(SumMsg::Total).await {
                    let _ = r.send(total);
                }
            }
        }
        Ok(())
    }
}

impl Actor for Sum {
    type Msg = SumMsg;
    type Mailbox = Mailbox<Self, 4>;
    type Args = ();
    type Error = core::convert::Infallible;
    fn create(_: &()) -> Self {
        Sum { total: 0 }
    }
    async fn handle(&mut self, msg: SumMsg, _: Ctx<Self>) -> Result<(), Self::Error> {
        match msg {
            SumMsg::Add(v) => self.total += v,
            SumMsg::Total(r) => {
                let _ = r.send(self.total);
            }
        }
        Ok(())
    }
}

bitwake::actors! {
    pool_size = 1;
    static SQUARES: Square;
}
bitwake::actors! {
    pool_size = 1;
    static SUMS: Sum;
}

// ---- an actor on its own fiber: blocking code ---------------------------

struct Auditor {
    square: Addr<Square>,
}

enum Audit {
    /// Checks the pipeline's total and answers whether it is right.
    Check(u64, ReplyTo<bool>),
}

impl Actor for Auditor {
    type Msg = Audit;
    type Mailbox = Mailbox<Self, 2>;
    type Args = Addr<Square>;
    type Error = bitwake::actor::AskError;
    fn create(square: &Addr<Square>) -> Self {
        Auditor { square: *square }
    }
    async fn handle(
        &mut self,
        Audit::Check(expected, reply): Audit,
        _: Ctx<Self>,
    ) -> Result<(), Self::Error> {
        // Runs on the auditor's fiber: each call blocks it (only it) until
        // the answer is there, and returns the answer.
        bitwake::fiber::sleep(Duration::from_millis(1));
        let total = self.square.ask_blocking(SquareMsg::Total)?;
        println!("auditor (on its fiber): asked the pipeline, got {total} back as a value");
        let _ = reply.send(total == expected);
        Ok(())
    }
}

bitwake::fiber_actors! {
    pool_size = 1;
    stack_size = 16 * 1024;
    static AUDITORS: Auditor;
}

// ---- the ring -------------------------------------------------------------

static LAPPED: Notify = Notify::new();

struct Node {
    next: Option<Addr<Node>>,
}
enum NodeMsg {
    Link(Addr<Node>),
    Token(u32),
}

impl Actor for Node {
    type Msg = NodeMsg;
    type Mailbox = Mailbox<Self, 2>;
    type Args = ();
    type Error = core::convert::Infallible;
    fn create(_: &()) -> Self {
        Node { next: None }
    }
    async fn handle(&mut self, msg: NodeMsg, _: Ctx<Self>) -> Result<(), Self::Error> {
        match msg {
            NodeMsg::Link(n) => self.next = Some(n),
            NodeMsg::Token(0) => LAPPED.notify_one(),
            NodeMsg::Token(left) => {
                if let Some(n) = self.next {
                    let _ = n.tell(NodeMsg::Token(left - 1)).await;
                }
            }
        }
        Ok(())
    }
}

bitwake::actors! {
    pool_size = RING;
    static NODES: Node;
}

// ---- the tree -----------------------------------------------------------

/// The root: the worker and the pipeline's supervisor, one for one.
static ROOT: Supervisor<2> = Supervisor::new(
    Strategy::OneForOne,
    Intensity::new(5, Duration::from_secs(1)),
);
/// The pipeline: Sum then Square; if Sum fails, Square restarts too.
static PIPELINE: Supervisor<2> = Supervisor::new(
    Strategy::RestForOne,
    Intensity::new(3, Duration::from_secs(1)),
);

fn main() -> i32 {
    bitwake::block_on(async {
        let worker = WORKERS.spawn_under(&ROOT, Restart::Permanent, ()).unwrap();
        if PIPELINE.supervise_under(&ROOT, Restart::Permanent).is_err() {
            return 1;
        }
        let sum = SUMS.spawn_under(&PIPELINE, Restart::Permanent, ()).unwrap();
        let square = SQUARES
            .spawn_under(&PIPELINE, Restart::Permanent, sum)
            .unwrap();
        println!("tree: root(one_for_one) -> [worker, pipeline(rest_for_one) -> [sum, square]]");

        let program = async {
            // Jobs sent back to back: the ones that arrive while the worker
            // restarts wait in its mailbox and go to the next incarnation.
            for n in 1..=JOBS {
                worker.tell(Job::Work(n)).await.unwrap();
            }
            let done = worker.ask(Job::Done).await;
            println!(
                "worker: {} incarnations, the last finished {:?} jobs; same address throughout",
                INCARNATIONS.load(Relaxed),
                done
            );

            for v in 1..=10 {
                square.tell(SquareMsg::Value(v)).await.unwrap();
            }
            let total = square.ask(SquareMsg::Total).await;
            println!("pipeline: 1..=10 squared and summed = {total:?} (expected 385)");
            let audited = match AUDITORS.spawn(square) {
                Ok(auditor) => {
                    let ok = auditor.ask(|r| Audit::Check(385, r)).await;
                    auditor.stop();
                    ok == Ok(true)
                }
                Err(_) => false,
            };
            println!(
                "auditor: {}",
                if audited {
                    "the total checks out"
                } else {
                    "FAILED"
                }
            );

            let nodes: heapless::Vec<Addr<Node>, RING> =
                (0..RING).map(|_| NODES.spawn(()).unwrap()).collect();
            for (i, n) in nodes.iter().enumerate() {
                n.tell(NodeMsg::Link(nodes[(i + 1) % RING])).await.unwrap();
            }
            let msgs = RING as u32 * LAPS;
            let lapped = LAPPED.notified();
            let t = Instant::now();
            nodes[0].tell(NodeMsg::Token(msgs - 1)).await.unwrap();
            lapped.await;
            let ns = t.elapsed().as_nanos() as u64;
            println!(
                "ring: {RING} actors x {LAPS} laps = {msgs} messages in {} ms ({} ns/message)",
                ns / 1_000_000,
                ns / msgs as u64
            );
            for n in &nodes {
                n.stop();
            }
            ROOT.shutdown();
            total == Ok(385) && done.is_ok() && audited
        };
        let ((root, pipeline), ok) = join(join(ROOT.run(), PIPELINE.run()), program).await;
        println!("tree: root {root:?}, pipeline {pipeline:?}");
        if ok && root.is_ok() && pipeline.is_ok() {
            println!("actors: ok");
            0
        } else {
            1
        }
    })
}
