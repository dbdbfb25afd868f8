//! ractor 0.16 on tokio current_thread: unbounded mailboxes, `cast` in the
//! ring, `call` for ask, a supervising actor that respawns a linked child
//! for restart (a new child, a new address: clients ask the supervisor).

use bench_actors::{self as b, CountingAlloc};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use std::sync::Arc;
use tokio::sync::Notify;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

struct Node;

enum NodeMsg {
    Link(ActorRef<NodeMsg>),
    Token(u32),
}

struct NodeState {
    next: Option<ActorRef<NodeMsg>>,
    done: Arc<Notify>,
}

impl Actor for Node {
    type Msg = NodeMsg;
    type State = NodeState;
    type Arguments = Arc<Notify>;
    async fn pre_start(
        &self,
        _: ActorRef<NodeMsg>,
        done: Arc<Notify>,
    ) -> Result<NodeState, ActorProcessingErr> {
        Ok(NodeState { next: None, done })
    }
    async fn handle(
        &self,
        _: ActorRef<NodeMsg>,
        msg: NodeMsg,
        s: &mut NodeState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            NodeMsg::Link(a) => s.next = Some(a),
            NodeMsg::Token(0) => s.done.notify_one(),
            NodeMsg::Token(n) => {
                if let Some(next) = &s.next {
                    next.cast(NodeMsg::Token(n - 1))?;
                }
            }
        }
        Ok(())
    }
}

struct Server;

enum ServerMsg {
    Ping(RpcReplyPort<u64>),
    Fail,
}

impl Actor for Server {
    type Msg = ServerMsg;
    type State = u64;
    type Arguments = ();
    async fn pre_start(&self, _: ActorRef<ServerMsg>, _: ()) -> Result<u64, ActorProcessingErr> {
        Ok(0)
    }
    async fn handle(
        &self,
        _: ActorRef<ServerMsg>,
        msg: ServerMsg,
        n: &mut u64,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            ServerMsg::Ping(r) => {
                *n += 1;
                let _ = r.send(*n);
            }
            ServerMsg::Fail => return Err("fail".into()),
        }
        Ok(())
    }
}

/// ractor's supervision is the supervisor's own code: on a child's
/// failure it spawns a new linked child (a new address), which clients ask
/// it for.
struct Sup;

enum SupMsg {
    Child(RpcReplyPort<ActorRef<ServerMsg>>),
}

impl Actor for Sup {
    type Msg = SupMsg;
    type State = ActorRef<ServerMsg>;
    type Arguments = ();
    async fn pre_start(
        &self,
        me: ActorRef<SupMsg>,
        _: (),
    ) -> Result<Self::State, ActorProcessingErr> {
        let (child, _) = Actor::spawn_linked(None, Server, (), me.get_cell()).await?;
        Ok(child)
    }
    async fn handle(
        &self,
        _: ActorRef<SupMsg>,
        msg: SupMsg,
        child: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            SupMsg::Child(r) => {
                let _ = r.send(child.clone());
            }
        }
        Ok(())
    }
    async fn handle_supervisor_evt(
        &self,
        me: ActorRef<SupMsg>,
        evt: SupervisionEvent,
        child: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        if let SupervisionEvent::ActorFailed(..) = evt {
            let (c, _) = Actor::spawn_linked(None, Server, (), me.get_cell()).await?;
            *child = c;
        }
        Ok(())
    }
}

async fn ring(nodes: u32, laps: u32) -> u64 {
    let done = Arc::new(Notify::new());
    let mut addrs = Vec::new();
    let mut handles = Vec::new();
    for _ in 0..nodes {
        let (a, h) = Actor::spawn(None, Node, done.clone()).await.unwrap();
        addrs.push(a);
        handles.push(h);
    }
    for (i, a) in addrs.iter().enumerate() {
        a.cast(NodeMsg::Link(addrs[(i + 1) % addrs.len()].clone()))
            .unwrap();
    }
    let msgs = nodes * laps;
    addrs[0].cast(NodeMsg::Token(msgs - 1)).unwrap();
    done.notified().await;
    for a in &addrs {
        a.stop(None);
    }
    for h in handles {
        let _ = h.await;
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
                let (s, _h) = Actor::spawn(None, Server, ()).await.unwrap();
                b::measure_async("actor_ask", p.reps, async || {
                    for _ in 0..p.asks {
                        ractor::call!(s, ServerMsg::Ping).unwrap();
                    }
                    u64::from(p.asks)
                })
                .await;
            }
            "restart" => {
                let (sup, _h) = Actor::spawn(None, Sup, ()).await.unwrap();
                b::measure_async("actor_restart", p.reps, async || {
                    for _ in 0..p.restarts {
                        let child = ractor::call!(sup, SupMsg::Child).unwrap();
                        child.cast(ServerMsg::Fail).unwrap();
                        // Until the supervisor has the new child.
                        let n = loop {
                            let c = ractor::call!(sup, SupMsg::Child).unwrap();
                            if c.get_id() != child.get_id() {
                                break ractor::call!(c, ServerMsg::Ping).unwrap();
                            }
                            tokio::task::yield_now().await;
                        };
                        assert_eq!(n, 1, "fresh state");
                    }
                    u64::from(p.restarts)
                })
                .await;
            }
            "bytes" => {
                let done = Arc::new(Notify::new());
                let mut keep = Vec::new();
                b::heap_per_async("actor", 1000, async {
                    for _ in 0..1000 {
                        keep.push(Actor::spawn(None, Node, done.clone()).await.unwrap());
                    }
                })
                .await;
                for (a, h) in keep {
                    a.stop(None);
                    let _ = h.await;
                }
                ring(100, 10).await;
                b::heap_per_async("ring_msg", 100_000, ring(100, 1000)).await;
            }
            _ => eprintln!("{}", b::USAGE),
        }
    });
}
