//! bitwake::actor on the microcontroller, one QEMU boot per test: tell and
//! ask, a supervised worker restarted in order with fresh state at the same
//! address, a ring. The default executor parks in `WFI`; no heap exists.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {}

#[cfg(target_os = "none")]
mod common;

#[cfg(target_os = "none")]
mod support {
    pub use crate::common::bump;
    use bitwake::actor::{Actor, Addr, Ctx, Mailbox, ReplyTo, Stop};
    use core::sync::atomic::{AtomicU32, Ordering};

    /// A log of event codes: 10+id started, 20+id failed, 30+id killed.
    pub static LOG: [AtomicU32; 16] = [const { AtomicU32::new(0) }; 16];
    pub static LOG_LEN: AtomicU32 = AtomicU32::new(0);
    pub fn log(code: u32) {
        let i = bump(&LOG_LEN) - 1;
        if let Some(s) = LOG.get(i as usize) {
            s.store(code, Ordering::Relaxed);
        }
    }
    pub fn logged(n: usize) -> [u32; 16] {
        let mut out = [0; 16];
        for (o, l) in out.iter_mut().zip(LOG.iter()).take(n) {
            *o = l.load(Ordering::Relaxed);
        }
        out
    }

    pub struct Worker {
        id: u32,
        handled: u32,
    }
    pub enum Msg {
        Fail,
        Count(ReplyTo<u32>),
    }
    impl Actor for Worker {
        type Msg = Msg;
        type Mailbox = Mailbox<Self, 2>;
        type Args = u32;
        type Error = ();
        fn create(id: &u32) -> Self {
            Worker {
                id: *id,
                handled: 0,
            }
        }
        async fn started(&mut self, _: Ctx<Self>) -> Result<(), ()> {
            log(10 + self.id);
            Ok(())
        }
        async fn handle(&mut self, msg: Msg, _: Ctx<Self>) -> Result<(), ()> {
            self.handled += 1;
            match msg {
                Msg::Fail => Err(()),
                Msg::Count(r) => {
                    let _ = r.send(self.handled);
                    Ok(())
                }
            }
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
        pool_size = 3;
        pub static WORKERS: Worker;
    }

    pub const NODES: usize = 8;
    pub const LAPS: u32 = 50;
    pub static RECEIVED: AtomicU32 = AtomicU32::new(0);
    pub static LAST: AtomicU32 = AtomicU32::new(0);

    pub struct Node {
        next: Option<Addr<Node>>,
    }
    pub enum NodeMsg {
        Link(Addr<Node>),
        Token(u32),
    }
    impl Actor for Node {
        type Msg = NodeMsg;
        type Mailbox = Mailbox<Self, 2>;
        type Args = ();
        type Error = ();
        fn create(_: &()) -> Self {
            Node { next: None }
        }
        async fn handle(&mut self, msg: NodeMsg, _: Ctx<Self>) -> Result<(), ()> {
            match msg {
                NodeMsg::Link(n) => self.next = Some(n),
                NodeMsg::Token(left) => {
                    bump(&RECEIVED);
                    LAST.store(left, Ordering::Relaxed);
                    if left > 0
                        && let Some(n) = self.next
                    {
                        let _ = n.tell(NodeMsg::Token(left - 1)).await;
                    }
                }
            }
            Ok(())
        }
    }
    bitwake::actors! {
        pool_size = NODES;
        pub static RING: Node;
    }
}

#[cfg(target_os = "none")]
#[embedded_test::tests(default_timeout = 20)]
mod tests {
    use crate::support::*;
    use bitwake::actor::{AskError, Intensity, Restart, Strategy, Supervisor};
    use bitwake::block_on;
    use bitwake::executor::{join, yield_now};
    use bitwake::time::Duration;
    use core::sync::atomic::Ordering;

    #[init]
    fn init() {
        bitwake_mcu::init();
    }

    async fn settle() {
        for _ in 0..100 {
            yield_now().await;
        }
    }

    #[test]
    fn tell_ask_and_stop() {
        block_on(async {
            let w = WORKERS.spawn(0).unwrap();
            assert_eq!(w.ask(Msg::Count).await, Ok(1));
            assert_eq!(w.ask(Msg::Count).await, Ok(2));
            w.stop();
            settle().await;
            assert!(!w.is_alive());
            assert_eq!(w.ask(Msg::Count).await, Err(AskError::Stopped));
        });
    }

    #[test]
    fn rest_for_one_restarts_in_order() {
        static SUP: Supervisor<3> = Supervisor::new(
            Strategy::RestForOne,
            Intensity::new(2, Duration::from_secs(10)),
        );
        block_on(async {
            let a = [1, 2, 3].map(|i| WORKERS.spawn_under(&SUP, Restart::Permanent, i).unwrap());
            let drive = async {
                settle().await;
                a[0].tell(Msg::Fail).await.unwrap();
                settle().await;
                let n = a[0].ask(Msg::Count).await;
                SUP.shutdown();
                n
            };
            let (run, n) = join(SUP.run(), drive).await;
            assert_eq!(run, Ok(()));
            assert_eq!(n, Ok(1));
        });
        let n = LOG_LEN.load(Ordering::Relaxed) as usize;
        assert_eq!(
            logged(n)[..n],
            [11, 12, 13, 21, 33, 32, 11, 12, 13, 33, 32, 31]
        );
    }

    #[test]
    fn ring_passes_the_token() {
        block_on(async {
            let mut nodes = [None; NODES];
            for n in nodes.iter_mut() {
                *n = Some(RING.spawn(()).unwrap());
            }
            let nodes = nodes.map(|n| n.unwrap());
            for (i, n) in nodes.iter().enumerate() {
                n.tell(NodeMsg::Link(nodes[(i + 1) % NODES])).await.unwrap();
            }
            let msgs = NODES as u32 * LAPS;
            nodes[0].tell(NodeMsg::Token(msgs - 1)).await.unwrap();
            while RECEIVED.load(Ordering::Relaxed) < msgs {
                yield_now().await;
            }
            assert_eq!(LAST.load(Ordering::Relaxed), 0);
            for n in &nodes {
                n.stop();
            }
            while !RING.is_empty() {
                yield_now().await;
            }
        });
    }
}
