//! kameo 0.22 on tokio current_thread: bounded mailboxes (default 64),
//! `tell` in the ring, `ask` for ask.

use bench_actors::{self as b, CountingAlloc};
use kameo::Actor;
use kameo::actor::{ActorRef, Spawn};
use kameo::message::{Context, Message};
use std::sync::Arc;
use tokio::sync::Notify;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[derive(Actor)]
struct Node {
    next: Option<ActorRef<Node>>,
    done: Arc<Notify>,
}

struct Link(ActorRef<Node>);
struct Token(u32);

impl Message<Link> for Node {
    type Reply = ();
    async fn handle(&mut self, m: Link, _: &mut Context<Self, ()>) {
        self.next = Some(m.0);
    }
}
impl Message<Token> for Node {
    type Reply = ();
    async fn handle(&mut self, m: Token, _: &mut Context<Self, ()>) {
        if m.0 == 0 {
            self.done.notify_one();
        } else if let Some(n) = &self.next {
            let _ = n.tell(Token(m.0 - 1)).await;
        }
    }
}

#[derive(Actor, Default, Clone)]
struct Server {
    n: u64,
}

/// Fails the server: a handler error on a tell stops it abnormally.
struct Fail;
impl Message<Fail> for Server {
    type Reply = Result<(), std::io::Error>;
    async fn handle(&mut self, _: Fail, _: &mut Context<Self, Self::Reply>) -> Self::Reply {
        Err(std::io::Error::other("fail"))
    }
}

/// The supervisor: one_for_one over the server.
struct Sup;
impl kameo::Actor for Sup {
    type Args = ();
    type Error = kameo::error::Infallible;
    async fn on_start(_: (), _: ActorRef<Self>) -> Result<Self, Self::Error> {
        Ok(Sup)
    }
}
struct Ping;
impl Message<Ping> for Server {
    type Reply = u64;
    async fn handle(&mut self, _: Ping, _: &mut Context<Self, u64>) -> u64 {
        self.n += 1;
        self.n
    }
}

fn spawn_node(done: &Arc<Notify>) -> ActorRef<Node> {
    Node::spawn(Node {
        next: None,
        done: done.clone(),
    })
}

async fn ring(nodes: u32, laps: u32) -> u64 {
    let done = Arc::new(Notify::new());
    let addrs: Vec<ActorRef<Node>> = (0..nodes).map(|_| spawn_node(&done)).collect();
    for (i, a) in addrs.iter().enumerate() {
        a.tell(Link(addrs[(i + 1) % addrs.len()].clone()))
            .await
            .unwrap();
    }
    let msgs = nodes * laps;
    addrs[0].tell(Token(msgs - 1)).await.unwrap();
    done.notified().await;
    for a in &addrs {
        let _ = a.stop_gracefully().await;
    }
    for a in &addrs {
        a.wait_for_shutdown().await;
    }
    msgs as u64
}

fn main() {
    let (scenario, p) = b::args();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        match scenario.as_str() {
            "ring" => {
                b::measure_async("actor_ring", p.reps, async || ring(p.nodes, p.laps).await).await;
            }
            "ask" => {
                let s = Server::spawn(Server::default());
                b::measure_async("actor_ask", p.reps, async || {
                    for _ in 0..p.asks {
                        s.ask(Ping).await.unwrap();
                    }
                    u64::from(p.asks)
                })
                .await;
            }
            "restart" => {
                let sup = Sup::spawn(());
                let s = Server::supervise(&sup, Server::default())
                    .restart_policy(kameo::supervision::RestartPolicy::Permanent)
                    .restart_limit(u32::MAX, std::time::Duration::from_secs(3600))
                    .spawn()
                    .await;
                b::measure_async("actor_restart", p.reps, async || {
                    for _ in 0..p.restarts {
                        s.tell(Fail).await.unwrap();
                        // kameo refuses messages while the child restarts
                        // (ActorStopped): ask again until the new one answers.
                        let n = loop {
                            match s.ask(Ping).await {
                                Ok(n) => break n,
                                Err(_) => tokio::task::yield_now().await,
                            }
                        };
                        assert_eq!(n, 1, "fresh state");
                    }
                    u64::from(p.restarts)
                })
                .await;
            }
            "bytes" => {
                let done = Arc::new(Notify::new());
                let keep: Vec<ActorRef<Node>> = b::heap_per("actor", 1000, || {
                    (0..1000).map(|_| spawn_node(&done)).collect()
                });
                for a in &keep {
                    let _ = a.stop_gracefully().await;
                }
                drop(keep);
                ring(100, 10).await;
                b::heap_per_async("ring_msg", 100_000, ring(100, 1000)).await;
            }
            _ => eprintln!("{}", b::USAGE),
        }
    });
}
