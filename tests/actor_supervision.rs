//! Supervision: each strategy restarts exactly the children it should, in
//! order (stops in reverse); restarted children keep their address and
//! mailbox; intensity exceeded escalates to the parent; monitors.
mod actor_common;
use bitwake::actor::{
    Actor, Addr, AskError, Ctx, Down, Intensity, Mailbox, ReplyTo, Restart, Stop, Strategy,
    SuperviseError, Supervisor,
};
use bitwake::executor::{Executor, SpinPark, join, yield_now};
use bitwake::time::Duration;
use std::sync::Mutex;

static PARK: SpinPark = SpinPark;

type Log = Mutex<Vec<String>>;

struct Worker {
    id: &'static str,
    log: &'static Log,
    handled: u32,
}

enum Msg {
    Fail,
    Count(ReplyTo<u32>),
    Down(Down),
}

#[derive(Debug)]
struct Boom;

impl Actor for Worker {
    type Msg = Msg;
    type Mailbox = Mailbox<Self, 4>;
    type Args = (&'static str, &'static Log);
    type Error = Boom;
    fn create(&(id, log): &Self::Args) -> Self {
        Worker {
            id,
            log,
            handled: 0,
        }
    }
    async fn started(&mut self, _: Ctx<Self>) -> Result<(), Boom> {
        self.log.lock().unwrap().push(format!("start {}", self.id));
        Ok(())
    }
    async fn handle(&mut self, msg: Msg, _: Ctx<Self>) -> Result<(), Boom> {
        self.handled += 1;
        match msg {
            Msg::Fail => return Err(Boom),
            Msg::Count(r) => {
                let _ = r.send(self.handled);
            }
            Msg::Down(d) => self
                .log
                .lock()
                .unwrap()
                .push(format!("{} saw down {:?}", self.id, d.exit)),
        }
        Ok(())
    }
    async fn stopping(&mut self, why: Stop<'_, Boom>, _: Ctx<Self>) {
        let why = match why {
            Stop::Normal => "normal",
            Stop::Failed(_) => "failed",
            Stop::Killed => "killed",
        };
        self.log
            .lock()
            .unwrap()
            .push(format!("stop {} {why}", self.id));
    }
}

fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

async fn settle() {
    for _ in 0..200 {
        yield_now().await;
    }
}

const NAMES: [&str; 4] = ["a", "b", "c", "d"];

/// Runs `strategy` over four workers, fails "b", and returns the log of
/// the restart.
fn restart_log(
    exec: &'static Executor,
    sup: &'static Supervisor<4>,
    pool: &'static bitwake::actor::ActorPool<Worker, 4>,
    log: &'static Log,
) -> Vec<String> {
    exec.block_on(async {
        let addrs: Vec<Addr<Worker>> = NAMES
            .iter()
            .map(|n| {
                pool.spawn_under_on(exec, sup, Restart::Permanent, (n, log))
                    .unwrap()
            })
            .collect();
        let drive = async {
            settle().await;
            assert_eq!(take(log), ["start a", "start b", "start c", "start d"]);
            addrs[1].tell(Msg::Fail).await.unwrap();
            settle().await;
            let restart = take(log);
            // Every child still answers at its old address.
            for a in &addrs {
                assert_eq!(a.ask(Msg::Count).await, Ok(1));
            }
            sup.shutdown();
            restart
        };
        let (run, restart) = join(sup.run(), drive).await;
        assert_eq!(run, Ok(()));
        assert_eq!(
            take(log),
            [
                "stop d killed",
                "stop c killed",
                "stop b killed",
                "stop a killed"
            ]
        );
        for a in &addrs {
            assert!(!a.is_alive());
        }
        restart
    })
}

macro_rules! setup {
    ($strategy:expr) => {{
        static EXEC: Executor = Executor::new(&PARK);
        static SUP: Supervisor<4> =
            Supervisor::new($strategy, Intensity::new(3, Duration::from_secs(60)));
        static LOG: Log = Mutex::new(Vec::new());
        bitwake::actors! {
            pool_size = 4;
            static POOL: Worker;
        }
        restart_log(&EXEC, &SUP, &POOL, &LOG)
    }};
}

#[test]
fn one_for_one_restarts_only_the_failed_child() {
    assert_eq!(setup!(Strategy::OneForOne), ["stop b failed", "start b"]);
}

#[test]
fn one_for_all_stops_the_others_in_reverse_and_restarts_all_in_order() {
    assert_eq!(
        setup!(Strategy::OneForAll),
        [
            "stop b failed",
            "stop d killed",
            "stop c killed",
            "stop a killed",
            "start a",
            "start b",
            "start c",
            "start d"
        ]
    );
}

#[test]
fn rest_for_one_restarts_the_failed_child_and_those_after_it() {
    assert_eq!(
        setup!(Strategy::RestForOne),
        [
            "stop b failed",
            "stop d killed",
            "stop c killed",
            "start b",
            "start c",
            "start d"
        ]
    );
}

#[test]
fn messages_sent_while_restarting_reach_the_new_incarnation() {
    static EXEC: Executor = Executor::new(&PARK);
    static SUP: Supervisor<1> = Supervisor::new(
        Strategy::OneForOne,
        Intensity::new(5, Duration::from_secs(60)),
    );
    static LOG: Log = Mutex::new(Vec::new());
    bitwake::actors! {
        pool_size = 1;
        static POOL: Worker;
    }
    EXEC.block_on(async {
        let w = POOL
            .spawn_under_on(&EXEC, &SUP, Restart::Transient, ("w", &LOG))
            .unwrap();
        let drive = async {
            // Queued before the supervisor even started it, and behind a failure.
            w.tell(Msg::Fail).await.unwrap();
            let n = w.ask(Msg::Count).await;
            SUP.shutdown();
            n
        };
        let (run, n) = join(SUP.run(), drive).await;
        assert_eq!(run, Ok(()));
        // The new incarnation handled the ask as its first message.
        assert_eq!(n, Ok(1));
        assert_eq!(
            take(&LOG),
            ["start w", "stop w failed", "start w", "stop w killed"]
        );
        assert_eq!(w.ask(Msg::Count).await, Err(AskError::Stopped));
    });
}

#[test]
fn intensity_exceeded_stops_everything_and_escalates() {
    static EXEC: Executor = Executor::new(&PARK);
    static SUP: Supervisor<2> = Supervisor::new(
        Strategy::OneForOne,
        Intensity::new(2, Duration::from_secs(60)),
    );
    static LOG: Log = Mutex::new(Vec::new());
    bitwake::actors! {
        pool_size = 2;
        static POOL: Worker;
    }
    EXEC.block_on(async {
        let a = POOL
            .spawn_under_on(&EXEC, &SUP, Restart::Permanent, ("a", &LOG))
            .unwrap();
        let b = POOL
            .spawn_under_on(&EXEC, &SUP, Restart::Permanent, ("b", &LOG))
            .unwrap();
        let drive = async {
            for _ in 0..3 {
                settle().await;
                let _ = a.tell(Msg::Fail).await;
            }
        };
        let (run, ()) = join(SUP.run(), drive).await;
        assert_eq!(run, Err(SuperviseError::Escalated));
        assert_eq!(
            take(&LOG),
            [
                "start a",
                "start b",
                "stop a failed",
                "start a",
                "stop a failed",
                "start a",
                "stop a failed",
                "stop b killed"
            ]
        );
        assert!(!a.is_alive() && !b.is_alive());
        assert!(POOL.is_empty());
    });
}

#[test]
fn a_failing_child_supervisor_is_restarted_by_its_parent() {
    static EXEC: Executor = Executor::new(&PARK);
    static ROOT: Supervisor<2> = Supervisor::new(
        Strategy::OneForOne,
        Intensity::new(3, Duration::from_secs(60)),
    );
    // Gives up at the first failure.
    static INNER: Supervisor<2> = Supervisor::new(
        Strategy::OneForOne,
        Intensity::new(0, Duration::from_secs(60)),
    );
    static LOG: Log = Mutex::new(Vec::new());
    bitwake::actors! {
        pool_size = 3;
        static POOL: Worker;
    }
    EXEC.block_on(async {
        let top = POOL
            .spawn_under_on(&EXEC, &ROOT, Restart::Permanent, ("top", &LOG))
            .unwrap();
        INNER.supervise_under(&ROOT, Restart::Permanent).unwrap();
        let x = POOL
            .spawn_under_on(&EXEC, &INNER, Restart::Permanent, ("x", &LOG))
            .unwrap();
        let y = POOL
            .spawn_under_on(&EXEC, &INNER, Restart::Permanent, ("y", &LOG))
            .unwrap();
        let drive = async {
            settle().await;
            assert_eq!(take(&LOG), ["start top", "start x", "start y"]);
            x.tell(Msg::Fail).await.unwrap();
            settle().await;
            assert_eq!(
                take(&LOG),
                ["stop x failed", "stop y killed", "start x", "start y"],
                "INNER escalated; ROOT restarted it, which restarted both"
            );
            assert_eq!(y.ask(Msg::Count).await, Ok(1));
            assert_eq!(top.ask(Msg::Count).await, Ok(1), "top untouched");
            ROOT.shutdown();
        };
        let (root, inner, ()) = {
            let ((r, i), ()) = join(join(ROOT.run(), INNER.run()), drive).await;
            (r, i, ())
        };
        assert_eq!(root, Ok(()));
        assert_eq!(inner, Ok(()));
        assert_eq!(
            take(&LOG),
            ["stop y killed", "stop x killed", "stop top killed"]
        );
    });
}

#[test]
fn a_monitor_tells_the_watcher_when_the_target_stops() {
    static EXEC: Executor = Executor::new(&PARK);
    static LOG: Log = Mutex::new(Vec::new());
    bitwake::actors! {
        pool_size = 2;
        static POOL: Worker;
    }
    // The watcher is any actor; here a Worker that logs the Down message.
    EXEC.block_on(async {
        let target = POOL.spawn_on(&EXEC, ("t", &LOG)).unwrap();
        let watcher = POOL.spawn_on(&EXEC, ("w", &LOG)).unwrap();
        settle().await;
        bitwake::actor::monitor(target, watcher, Msg::Down).unwrap();
        target.tell(Msg::Fail).await.unwrap();
        settle().await;
        assert_eq!(
            take(&LOG),
            [
                "start t",
                "start w",
                "stop t failed",
                "w saw down Some(Failed)"
            ]
        );
        // Monitoring an actor that is gone reports at once.
        bitwake::actor::monitor(target, watcher, Msg::Down).unwrap();
        settle().await;
        assert_eq!(take(&LOG), ["w saw down None"]);
        watcher.stop();
        settle().await;
    });
}
