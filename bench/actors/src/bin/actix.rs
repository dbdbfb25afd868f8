//! actix 0.13 on actix-rt (one thread): bounded mailboxes (default 16),
//! `do_send` in the ring, `send().await` for ask, `Supervisor` for restart.

use actix::prelude::*;
use bench_actors::{self as b, CountingAlloc};
use std::rc::Rc;
use tokio::sync::Notify;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

struct Node {
    next: Option<Addr<Node>>,
    done: Rc<Notify>,
}
impl Actor for Node {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct Link(Addr<Node>);

#[derive(Message)]
#[rtype(result = "()")]
struct Token(u32);

impl Handler<Link> for Node {
    type Result = ();
    fn handle(&mut self, m: Link, _: &mut Context<Self>) {
        self.next = Some(m.0);
    }
}
impl Handler<Token> for Node {
    type Result = ();
    fn handle(&mut self, m: Token, _: &mut Context<Self>) {
        if m.0 == 0 {
            self.done.notify_one();
        } else if let Some(n) = &self.next {
            n.do_send(Token(m.0 - 1));
        }
    }
}

#[derive(Default)]
struct Server {
    n: u64,
}
impl Actor for Server {
    type Context = Context<Self>;
}
impl Supervised for Server {
    // actix restarts the same value: fresh state is the actor's job.
    fn restarting(&mut self, _: &mut Context<Self>) {
        *self = Server::default();
    }
}

#[derive(Message)]
#[rtype(result = "u64")]
struct Ping;

#[derive(Message)]
#[rtype(result = "()")]
struct Fail;

impl Handler<Ping> for Server {
    type Result = u64;
    fn handle(&mut self, _: Ping, _: &mut Context<Self>) -> u64 {
        self.n += 1;
        self.n
    }
}
impl Handler<Fail> for Server {
    type Result = ();
    fn handle(&mut self, _: Fail, ctx: &mut Context<Self>) {
        // actix's failure: the actor stops; its Supervisor restarts it
        // (fresh state, same address, mailbox kept).
        ctx.stop();
    }
}

async fn ring(nodes: u32, laps: u32) -> u64 {
    let done = Rc::new(Notify::new());
    let addrs: Vec<Addr<Node>> = (0..nodes)
        .map(|_| {
            Node {
                next: None,
                done: done.clone(),
            }
            .start()
        })
        .collect();
    for (i, a) in addrs.iter().enumerate() {
        a.send(Link(addrs[(i + 1) % addrs.len()].clone()))
            .await
            .unwrap();
    }
    let msgs = nodes * laps;
    addrs[0].do_send(Token(msgs - 1));
    done.notified().await;
    msgs as u64
}

fn main() {
    let (scenario, p) = b::args();
    let sys = System::new();
    sys.block_on(async move {
        match scenario.as_str() {
            "ring" => {
                b::measure_async("actor_ring", p.reps, async || ring(p.nodes, p.laps).await).await;
            }
            "ask" => {
                let s = Server::default().start();
                b::measure_async("actor_ask", p.reps, async || {
                    for _ in 0..p.asks {
                        s.send(Ping).await.unwrap();
                    }
                    u64::from(p.asks)
                })
                .await;
            }
            "restart" => {
                let s = actix::Supervisor::start(|_| Server::default());
                b::measure_async("actor_restart", p.reps, async || {
                    for _ in 0..p.restarts {
                        s.do_send(Fail);
                        assert_eq!(s.send(Ping).await.unwrap(), 1, "fresh state");
                    }
                    u64::from(p.restarts)
                })
                .await;
            }
            "bytes" => {
                let done = Rc::new(Notify::new());
                let keep: Vec<Addr<Node>> = b::heap_per("actor", 1000, || {
                    (0..1000)
                        .map(|_| {
                            Node {
                                next: None,
                                done: done.clone(),
                            }
                            .start()
                        })
                        .collect()
                });
                drop(keep);
                ring(100, 10).await;
                b::heap_per_async("ring_msg", 100_000, ring(100, 1000)).await;
            }
            _ => eprintln!("{}", b::USAGE),
        }
        System::current().stop();
    });
}
