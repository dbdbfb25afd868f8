//! bitwake::actor: static pools, one `Executor` with a spinning park.

use bench_actors::{self as b, CountingAlloc};
use bitwake::actor::{
    Actor, Addr, Ctx, Intensity, Mailbox, ReplyTo, Restart, Strategy, Supervisor,
};
use bitwake::executor::{Executor, SpinPark, join};
use bitwake::sync::Notify;
use bitwake::time::Duration;
use core::convert::Infallible;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

static PARK: SpinPark = SpinPark;
static EXEC: Executor = Executor::new(&PARK);
static DONE: Notify = Notify::new();

struct Node {
    next: Option<Addr<Node>>,
}

enum NodeMsg {
    Link(Addr<Node>),
    /// The token, with the number of hops still to go.
    Token(u32),
}

impl Actor for Node {
    type Msg = NodeMsg;
    type Mailbox = Mailbox<Self, 4>;
    type Args = ();
    type Error = Infallible;
    fn create(_: &()) -> Self {
        Node { next: None }
    }
    async fn handle(&mut self, msg: NodeMsg, _: Ctx<Self>) -> Result<(), Infallible> {
        match msg {
            NodeMsg::Link(a) => self.next = Some(a),
            NodeMsg::Token(0) => DONE.notify_one(),
            NodeMsg::Token(n) => {
                if let Some(next) = self.next {
                    let _ = next.tell(NodeMsg::Token(n - 1)).await;
                }
            }
        }
        Ok(())
    }
}

bitwake::actors! {
    pool_size = 1000;
    static RING: Node;
}

struct Server {
    n: u64,
}

enum ServerMsg {
    Ping(ReplyTo<u64>),
    Fail,
}

impl Actor for Server {
    type Msg = ServerMsg;
    type Mailbox = Mailbox<Self, 4>;
    type Args = ();
    type Error = ();
    fn create(_: &()) -> Self {
        Server { n: 0 }
    }
    async fn handle(&mut self, msg: ServerMsg, _: Ctx<Self>) -> Result<(), ()> {
        match msg {
            ServerMsg::Ping(r) => {
                self.n += 1;
                let _ = r.send(self.n);
                Ok(())
            }
            ServerMsg::Fail => Err(()),
        }
    }
}

bitwake::actors! {
    pool_size = 2;
    static SERVERS: Server;
}

// Restarts as fast as they come: the window is one nanosecond.
static SUP: Supervisor<1> = Supervisor::new(
    Strategy::OneForOne,
    Intensity::new(15, Duration::from_nanos(1)),
);

fn ring(nodes: u32, laps: u32) -> u64 {
    EXEC.block_on(async {
        // On the stack, so that the heap count sees only the actors.
        let mut slots: [Option<Addr<Node>>; 1000] = [None; 1000];
        let n = (nodes as usize).clamp(1, slots.len());
        for a in slots.iter_mut().take(n) {
            *a = Some(RING.spawn_on(&EXEC, ()).unwrap());
        }
        let addrs = &slots[..n];
        for (i, a) in addrs.iter().flatten().enumerate() {
            let next = addrs[(i + 1) % n].unwrap();
            a.tell(NodeMsg::Link(next)).await.unwrap();
        }
        let msgs = n as u32 * laps;
        let done = DONE.notified();
        let Some(first) = addrs[0] else { return 0 };
        first.tell(NodeMsg::Token(msgs - 1)).await.unwrap();
        done.await;
        for a in addrs.iter().flatten() {
            a.stop();
        }
        while !RING.is_empty() {
            bitwake::executor::yield_now().await;
        }
        msgs as u64
    })
}

fn main() {
    let (scenario, p) = b::args();
    match scenario.as_str() {
        "ring" => b::measure("actor_ring", p.reps, || ring(p.nodes, p.laps)),
        "ask" => EXEC.block_on(async {
            // One run: the executor drops its tasks when `block_on` returns.
            let s = SERVERS.spawn_on(&EXEC, ()).unwrap();
            b::measure_async("actor_ask", p.reps, async || {
                for _ in 0..p.asks {
                    s.ask(ServerMsg::Ping).await.unwrap();
                }
                u64::from(p.asks)
            })
            .await;
        }),
        "restart" => {
            let s = SERVERS
                .spawn_under_on(&EXEC, &SUP, Restart::Permanent, ())
                .unwrap();
            EXEC.block_on(async {
                let timed = async {
                    // Warm-up, then the timed rounds.
                    b::measure_async("actor_restart", p.reps, async || {
                        for _ in 0..p.restarts {
                            s.tell(ServerMsg::Fail).await.unwrap();
                            s.ask(ServerMsg::Ping).await.unwrap();
                        }
                        u64::from(p.restarts)
                    })
                    .await;
                    SUP.shutdown();
                };
                let (r, ()) = join(SUP.run(), timed).await;
                r.unwrap();
            });
        }
        "bytes" => {
            // The cell (mailbox + control) and the loop's task: the future
            // of the actor's loop (state, Args, receive and handler
            // futures) plus the task slot's 4-byte word.
            static SPARE: bitwake::actor::ActorCell<Node> = bitwake::actor::ActorCell::new();
            let task = core::mem::size_of_val(&bitwake::actor::__private::run(
                bitwake::actor::__private::Abandon::new(&SPARE),
                (),
            )) + 4;
            b::report(
                "actor_static_bytes",
                (RING.cell_bytes() + task) as f64,
                "B/actor",
            );
            b::report("actor_cell_bytes", RING.cell_bytes() as f64, "B/actor");
            b::report("actor_task_bytes", task as f64, "B/actor");
            // Spawning actors takes no heap (reported like the peers').
            b::heap_per("actor", 1000, || ring(1000, 1));
            b::heap_per("ring_msg", 100_000, || ring(100, 1000));
        }
        _ => eprintln!("{}", b::USAGE),
    }
}
