//! Actors on tasks: tell, ask, back-pressure, stopped actors, cancelled and
//! timed-out asks, counted addresses, stale addresses after a cell is reused.
use bitwake::actor::{Actor, AskError, Ctx, Mailbox, ReplyTo, TellError, TryTellError};
use bitwake::executor::{Either, Executor, SpinPark, join, select, yield_now};
use core::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};

static PARK: SpinPark = SpinPark;

/// A counter that can hold requests back.
struct Counter {
    total: u64,
    held: Vec<ReplyTo<u64>>,
    gate: Option<&'static AtomicU32>,
    seen: Vec<u64>,
}

enum Msg {
    Add(u64),
    Get(ReplyTo<u64>),
    /// Keep the reply for later.
    Hold(ReplyTo<u64>),
    /// Answer the held replies; count the ones that came back.
    Release(&'static AtomicU32),
    /// The values added, in order.
    Seen(ReplyTo<Vec<u64>>),
}

impl Actor for Counter {
    type Msg = Msg;
    type Mailbox = Mailbox<Self, 2>;
    type Args = Option<&'static AtomicU32>;
    type Error = Infallible;
    fn create(gate: &Self::Args) -> Self {
        Counter {
            total: 0,
            held: Vec::new(),
            gate: *gate,
            seen: Vec::new(),
        }
    }
    async fn handle(&mut self, msg: Msg, _: Ctx<Self>) -> Result<(), Infallible> {
        match msg {
            Msg::Add(n) => {
                if let Some(g) = self.gate {
                    // Wait for an allowance from the test.
                    while g.load(SeqCst) == 0 {
                        yield_now().await;
                    }
                    g.fetch_sub(1, SeqCst);
                }
                self.total += n;
                self.seen.push(n);
            }
            Msg::Get(r) => {
                let _ = r.send(self.total);
            }
            Msg::Hold(r) => self.held.push(r),
            Msg::Release(failed) => {
                // The i-th held request gets total * 10 + i: a reply that
                // reached the wrong ask would show.
                for (i, r) in self.held.drain(..).enumerate() {
                    if r.send(self.total * 10 + i as u64).is_err() {
                        failed.fetch_add(1, SeqCst);
                    }
                }
            }
            Msg::Seen(r) => {
                let _ = r.send(self.seen.clone());
            }
        }
        Ok(())
    }
}

/// Every test has its own executor, and a pool binds to the executor that
/// first spawns from it: one pool per test.
macro_rules! pool {
    ($name:ident) => {
        bitwake::actors! {
            pool_size = 2;
            static $name: Counter;
        }
    };
}

async fn until(mut f: impl FnMut() -> bool) {
    for _ in 0..100_000 {
        if f() {
            return;
        }
        yield_now().await;
    }
    panic!("condition never held");
}

#[test]
fn tell_then_ask() {
    static EXEC: Executor = Executor::new(&PARK);
    pool!(COUNTERS);
    EXEC.block_on(async {
        let c = COUNTERS.spawn_on(&EXEC, None).unwrap();
        for i in 1..=10 {
            c.tell(Msg::Add(i)).await.unwrap();
        }
        assert_eq!(c.ask(Msg::Get).await, Ok(55));
        assert_eq!(
            c.ask(Msg::Seen).await.unwrap(),
            (1..=10).collect::<Vec<_>>()
        );
        c.stop();
        until(|| !c.is_alive()).await;
    });
}

#[test]
fn full_mailbox_tell_waits_and_try_tell_returns_the_message() {
    static EXEC: Executor = Executor::new(&PARK);
    static GATE: AtomicU32 = AtomicU32::new(0);
    pool!(COUNTERS);
    EXEC.block_on(async {
        let c = COUNTERS.spawn_on(&EXEC, Some(&GATE)).unwrap();
        c.tell(Msg::Add(1)).await.unwrap();
        // The handler now waits at the gate with message 1; fill the mailbox.
        until(|| c.queued() == 0).await;
        c.try_tell(Msg::Add(2)).unwrap();
        c.try_tell(Msg::Add(3)).unwrap();
        match c.try_tell(Msg::Add(4)) {
            Err(TryTellError::Full(Msg::Add(4))) => {}
            other => panic!("expected Full(Add(4)), got {other:?}"),
        }
        // A tell waits (back-pressure) until the handler moves on.
        let sent = AtomicBool::new(false);
        let tell = async {
            c.tell(Msg::Add(4)).await.unwrap();
            sent.store(true, SeqCst);
        };
        let open = async {
            for _ in 0..100 {
                yield_now().await;
            }
            assert!(!sent.load(SeqCst), "tell did not wait for room");
            GATE.store(4, SeqCst);
        };
        join(tell, open).await;
        assert!(sent.load(SeqCst));
        assert_eq!(c.ask(Msg::Seen).await.unwrap(), vec![1, 2, 3, 4]);
        c.stop();
        until(|| !c.is_alive()).await;
    });
}

#[test]
fn stopped_actor_refuses_with_the_message_back() {
    static EXEC: Executor = Executor::new(&PARK);
    pool!(COUNTERS);
    EXEC.block_on(async {
        let c = COUNTERS.spawn_on(&EXEC, None).unwrap();
        c.stop();
        until(|| !c.is_alive()).await;
        assert_eq!(c.ask(Msg::Get).await, Err(AskError::Stopped));
        assert_eq!(c.try_ask(Msg::Get).await, Err(AskError::Stopped));
        match c.tell(Msg::Add(9)).await {
            Err(TellError::Stopped(Msg::Add(9))) => {}
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            c.try_tell(Msg::Add(8)),
            Err(TryTellError::Stopped(Msg::Add(8)))
        ));
    });
}

#[test]
fn ask_dropped_mid_flight_gets_no_stale_reply() {
    static EXEC: Executor = Executor::new(&PARK);
    static FAILED: AtomicU32 = AtomicU32::new(0);
    pool!(COUNTERS);
    EXEC.block_on(async {
        let c = COUNTERS.spawn_on(&EXEC, None).unwrap();
        c.tell(Msg::Add(5)).await.unwrap();
        // The actor keeps the ReplyTo; the asker gives up.
        let r = select(c.ask(Msg::Hold), async {
            until(|| c.queued() == 0).await;
            for _ in 0..10 {
                yield_now().await;
            }
        })
        .await;
        assert!(matches!(r, Either::Right(())));
        // A new ask may take the very same slot; the stale reply must not
        // reach it.
        let (second, ()) = join(c.ask(Msg::Hold), async {
            until(|| c.queued() == 0).await;
            c.tell(Msg::Add(1)).await.unwrap();
            c.tell(Msg::Release(&FAILED)).await.unwrap();
        })
        .await;
        assert_eq!(second, Ok(61), "the second held request's own answer");
        assert_eq!(FAILED.load(SeqCst), 1, "the dropped ask's reply came back");
        // Held and dropped unanswered: NoReply.
        let (third, ()) = join(c.ask(Msg::Hold), async {
            until(|| c.queued() == 0).await;
            c.stop();
        })
        .await;
        assert_eq!(third, Err(AskError::NoReply));
        until(|| !c.is_alive()).await;
    });
}

#[test]
fn try_ask_on_a_full_mailbox() {
    static EXEC: Executor = Executor::new(&PARK);
    static GATE: AtomicU32 = AtomicU32::new(0);
    pool!(COUNTERS);
    EXEC.block_on(async {
        let c = COUNTERS.spawn_on(&EXEC, Some(&GATE)).unwrap();
        c.tell(Msg::Add(1)).await.unwrap();
        until(|| c.queued() == 0).await;
        c.try_tell(Msg::Add(2)).unwrap();
        c.try_tell(Msg::Add(3)).unwrap();
        assert_eq!(c.try_ask(Msg::Get).await, Err(AskError::Full));
        GATE.store(3, SeqCst);
        assert_eq!(c.ask(Msg::Get).await, Ok(6));
        c.stop();
        until(|| !c.is_alive()).await;
    });
}

#[test]
fn last_owned_address_stops_the_actor_and_the_cell_is_reused() {
    static EXEC: Executor = Executor::new(&PARK);
    bitwake::actors! {
        pool_size = 1;
        static ONE: Counter;
    }
    EXEC.block_on(async {
        let a = ONE.spawn_on(&EXEC, None).unwrap();
        let owned = a.owned().unwrap();
        let twin = owned.clone();
        drop(owned);
        yield_now().await;
        assert!(a.is_alive(), "one OwnedAddr is left");
        twin.tell(Msg::Add(3)).await.unwrap();
        drop(twin);
        until(|| ONE.is_empty()).await;
        assert!(!a.is_alive());
        assert!(a.owned().is_none());
        // The cell hosts a new actor; the old address stays stale.
        let b = ONE.spawn_on(&EXEC, None).unwrap();
        assert!(ONE.spawn_on(&EXEC, None).is_err(), "pool of one");
        assert_ne!(a, b);
        assert!(matches!(
            a.try_tell(Msg::Add(1)),
            Err(TryTellError::Stopped(_))
        ));
        b.tell(Msg::Add(2)).await.unwrap();
        assert_eq!(b.ask(Msg::Get).await, Ok(2));
        b.stop();
        until(|| ONE.is_empty()).await;
    });
}

#[test]
fn an_executor_that_shuts_down_frees_its_actors() {
    static EXEC: Executor = Executor::new(&PARK);
    pool!(COUNTERS);
    let (c, pending) = EXEC.block_on(async {
        let c = COUNTERS.spawn_on(&EXEC, None).unwrap();
        c.tell(Msg::Add(1)).await.unwrap();
        (c, c.owned())
    });
    // The loop was dropped with the run: the actor is gone, its cell free.
    assert!(!c.is_alive());
    assert!(COUNTERS.is_empty());
    drop(pending);
    EXEC.block_on(async {
        assert_eq!(c.ask(Msg::Get).await, Err(AskError::Stopped));
        let d = COUNTERS.spawn_on(&EXEC, None).unwrap();
        assert_eq!(d.ask(Msg::Get).await, Ok(0));
    });
}
