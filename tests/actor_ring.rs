//! A ring of 1000 actors: 10 tokens go round 100 laps (10⁶ deliveries);
//! every node sees the tokens in order, none is lost. Scaled down under
//! Miri.
use bitwake::actor::{Actor, Addr, Ctx, Mailbox, Stop};
use bitwake::executor::{Executor, SpinPark, yield_now};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

const NODES: usize = if cfg!(miri) { 8 } else { 1000 };
const TOKENS: u32 = if cfg!(miri) { 2 } else { 10 };
const LAPS: u32 = if cfg!(miri) { 3 } else { 100 };

static DELIVERED: AtomicU64 = AtomicU64::new(0);
static DONE: AtomicU64 = AtomicU64::new(0);
static FAILURE: Mutex<Option<String>> = Mutex::new(None);

struct Node {
    next: Option<Addr<Node>>,
    expect: u32,
}

enum Msg {
    Link(Addr<Node>),
    Token { seq: u32, left: u32 },
}

#[derive(Debug)]
enum RingError {
    OutOfOrder { got: u32, expected: u32 },
    Unlinked,
}

impl Actor for Node {
    type Msg = Msg;
    type Mailbox = Mailbox<Self, 16>;
    type Args = ();
    type Error = RingError;
    fn create(_: &()) -> Self {
        Node {
            next: None,
            expect: 0,
        }
    }
    async fn handle(&mut self, msg: Msg, _: Ctx<Self>) -> Result<(), RingError> {
        match msg {
            Msg::Link(a) => self.next = Some(a),
            Msg::Token { seq, left } => {
                DELIVERED.fetch_add(1, Relaxed);
                if seq != self.expect {
                    return Err(RingError::OutOfOrder {
                        got: seq,
                        expected: self.expect,
                    });
                }
                self.expect = (seq + 1) % TOKENS;
                if left == 0 {
                    DONE.fetch_add(1, Relaxed);
                } else {
                    let next = self.next.ok_or(RingError::Unlinked)?;
                    if next
                        .tell(Msg::Token {
                            seq,
                            left: left - 1,
                        })
                        .await
                        .is_err()
                    {
                        return Err(RingError::Unlinked);
                    }
                }
            }
        }
        Ok(())
    }
    async fn stopping(&mut self, why: Stop<'_, RingError>, _: Ctx<Self>) {
        if let Stop::Failed(e) = why {
            *FAILURE.lock().unwrap() = Some(match e {
                RingError::OutOfOrder { got, expected } => {
                    format!("token {got} arrived where {expected} was due")
                }
                RingError::Unlinked => "no next node".to_owned(),
            });
        }
    }
}

bitwake::actors! {
    pool_size = NODES;
    static RING: Node;
}

#[test]
fn tokens_go_round_in_order_and_none_is_lost() {
    static PARK: SpinPark = SpinPark;
    static EXEC: Executor = Executor::new(&PARK);
    EXEC.block_on(async {
        let nodes: Vec<Addr<Node>> = (0..NODES)
            .map(|_| RING.spawn_on(&EXEC, ()).unwrap())
            .collect();
        assert!(RING.spawn_on(&EXEC, ()).is_err(), "the pool holds {NODES}");
        for (i, n) in nodes.iter().enumerate() {
            n.tell(Msg::Link(nodes[(i + 1) % NODES])).await.unwrap();
        }
        let hops = LAPS * NODES as u32;
        for seq in 0..TOKENS {
            nodes[0]
                .tell(Msg::Token {
                    seq,
                    left: hops - 1,
                })
                .await
                .unwrap();
        }
        while DONE.load(Relaxed) < TOKENS as u64 {
            // A node that saw a token out of order fails and stops.
            if let Some(e) = FAILURE.lock().unwrap().take() {
                panic!("a node failed: {e}");
            }
            yield_now().await;
        }
        assert_eq!(DELIVERED.load(Relaxed), TOKENS as u64 * hops as u64);
        for n in &nodes {
            n.stop();
        }
        while !RING.is_empty() {
            yield_now().await;
        }
    });
}
