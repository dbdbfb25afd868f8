//! [`Supervisor`]: Erlang/OTP-style supervision of actors and of other
//! supervisors.

use super::control::{Command, Control, Event, Exit, KILL, Parent, STOP};
use crate::executor::SpawnError;
use crate::lock::Lock;
use crate::time::{Duration, Instant};
use core::fmt;
use core::future::poll_fn;
use core::task::{Poll, Waker};

/// Which children a failure restarts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Only the child that failed.
    OneForOne,
    /// Every child: the others are stopped (in reverse start order), then
    /// all are started again in order.
    OneForAll,
    /// The child that failed and those started after it: the later ones are
    /// stopped in reverse order, then all of them started again in order.
    RestForOne,
}

/// When a child that ended is restarted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// Always (even after a normal stop).
    Permanent,
    /// Only after a failure (or a kill that was not the supervisor's).
    Transient,
    /// Never; it also stays down when its siblings restart.
    Temporary,
}

/// Restart intensity: more than `max_restarts` restarts within `period`
/// and the supervisor gives up — it stops all its children (in reverse
/// order) and fails, which its own parent handles like any child failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Intensity {
    /// Restarts allowed in any window of `period` (at most
    /// [`Intensity::MAX_RESTARTS`]; more is treated as that).
    pub max_restarts: u32,
    /// The window.
    pub period: Duration,
}

impl Intensity {
    /// The largest `max_restarts` a supervisor tracks.
    pub const MAX_RESTARTS: u32 = 15;

    /// `max_restarts` within `period`.
    pub const fn new(max_restarts: u32, period: Duration) -> Self {
        Intensity {
            max_restarts,
            period,
        }
    }
}

/// Why a supervisor operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuperviseError {
    /// The supervisor already has all its children.
    Full,
    /// The child could not be started.
    Spawn(SpawnError),
    /// The restart intensity was exceeded (what [`Supervisor::run`] of a
    /// supervisor without a parent returns).
    Escalated,
}

impl fmt::Display for SuperviseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SuperviseError::Full => f.write_str("the supervisor has no room for another child"),
            SuperviseError::Spawn(e) => write!(f, "the child could not be started: {e:?}"),
            SuperviseError::Escalated => f.write_str("restart intensity exceeded"),
        }
    }
}
impl core::error::Error for SuperviseError {}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// Waiting to be started.
    Idle,
    Starting,
    Running,
    /// Its incarnation ended; it waits for a command.
    Exited,
    /// Finished for good.
    Gone,
}

#[derive(Clone, Copy)]
struct Child {
    ctl: &'static Control,
    restart: Restart,
    phase: Phase,
}

struct State<const N: usize> {
    children: [Option<Child>; N],
    /// Children added (or reserved) so far, in start order.
    count: usize,
    /// The latest unhandled event of each child.
    events: [Option<Event>; N],
    /// Whether `run` is in an incarnation (children added now are started
    /// at once).
    running: bool,
    /// The supervisor's own task.
    waker: Option<Waker>,
    /// Times of the latest restarts, a ring.
    restarts: [Option<Instant>; Intensity::MAX_RESTARTS as usize + 1],
    next_restart: usize,
}

/// A supervisor of up to `N` children (actors, added with
/// [`ActorPool::spawn_under`](super::ActorPool::spawn_under), or
/// supervisors, added with [`supervise_under`](Self::supervise_under)).
///
/// ```ignore
/// static SUP: Supervisor<3> =
///     Supervisor::new(Strategy::RestForOne, Intensity::new(3, Duration::from_secs(5)));
/// let db = DBS.spawn_under(&SUP, Restart::Permanent, db_args)?;
/// let web = WEBS.spawn_under(&SUP, Restart::Permanent, web_args)?;
/// SUP.run().await?;  // starts db, then web; supervises until shutdown
/// ```
///
/// * Children start in the order they were added, each after the one
///   before has finished its `started` hook; they are stopped in reverse
///   order, each after the one after it has finished stopping.
/// * A child *fails* when a hook returns an error. What is restarted
///   follows the [`Strategy`] and each child's [`Restart`] policy.
/// * More than [`Intensity::max_restarts`] restarts in
///   [`Intensity::period`]: the supervisor stops every child and fails;
///   its parent (if any) restarts or stops it like any child, a supervisor
///   without a parent returns [`SuperviseError::Escalated`] from `run`.
/// * A restarted actor gets fresh state from [`Actor::create`](super::Actor::create)
///   and keeps its address and its mailbox: messages sent while it
///   restarts wait in the mailbox (senders wait when it is full) and go to
///   the new incarnation. The message whose handling failed is lost; an
///   `ask` for it ends with [`AskError::NoReply`](super::AskError::NoReply).
///
/// The supervisor does its work inside [`run`](Self::run), which a task
/// must await (a `block_on`, or a task of its own).
pub struct Supervisor<const N: usize> {
    strategy: Strategy,
    intensity: Intensity,
    ctl: Control,
    state: Lock<State<N>>,
}

impl<const N: usize> Supervisor<N> {
    /// A supervisor with no children yet.
    pub const fn new(strategy: Strategy, intensity: Intensity) -> Self {
        const { assert!(N <= 64, "a Supervisor has at most 64 children") };
        Supervisor {
            strategy,
            intensity,
            ctl: Control::new(),
            state: Lock::new(State {
                children: [None; N],
                count: 0,
                events: [None; N],
                running: false,
                waker: None,
                restarts: [None; Intensity::MAX_RESTARTS as usize + 1],
                next_restart: 0,
            }),
        }
    }

    /// Makes this supervisor a child of `parent`. Its `run` must still be
    /// awaited by some task; it then waits for `parent` to start it.
    pub fn supervise_under<const M: usize>(
        &'static self,
        parent: &'static Supervisor<M>,
        restart: Restart,
    ) -> Result<(), SuperviseError> {
        let index = parent.reserve()?;
        self.ctl.set_parent(parent, index);
        parent.add(index, &self.ctl, restart);
        Ok(())
    }

    /// Stops every child (in reverse order) and ends `run` with `Ok`.
    pub fn shutdown(&'static self) {
        self.ctl.raise(STOP);
    }

    /// Children added and not finished for good.
    pub fn children(&self) -> usize {
        self.state.with(|s| {
            s.children
                .iter()
                .flatten()
                .filter(|c| c.phase != Phase::Gone)
                .count()
        })
    }

    pub(crate) fn reserve(&self) -> Result<usize, SuperviseError> {
        self.state.with(|s| {
            if s.count == N {
                return Err(SuperviseError::Full);
            }
            s.count += 1;
            Ok(s.count - 1)
        })
    }

    pub(crate) fn unreserve(&self, index: usize) {
        // The slot stays empty: `count` only grows, so indices stay stable.
        let _ = index;
    }

    pub(crate) fn add(&'static self, index: usize, ctl: &'static Control, restart: Restart) {
        let wake = self.state.with(|s| {
            s.children[index] = Some(Child {
                ctl,
                restart,
                phase: Phase::Idle,
            });
            if s.running {
                s.events[index] = Some(Event::Added);
                s.waker.clone()
            } else {
                None
            }
        });
        if let Some(w) = wake {
            w.wake();
        }
    }

    /// Supervises: starts the children in order, restarts them as they
    /// fail, and returns when [`shutdown`](Self::shutdown) is called
    /// (`Ok`) or the restart intensity is exceeded
    /// ([`SuperviseError::Escalated`]); a supervisor under a parent returns
    /// only when the parent stops it for good. Every child is finished for
    /// good when it returns.
    pub async fn run(&'static self) -> Result<(), SuperviseError> {
        let mut abandon = Abandon {
            sup: self,
            armed: true,
        };
        poll_fn(|cx| {
            self.ctl.set_waker(cx.waker());
            self.state.with(|s| s.waker = Some(cx.waker().clone()));
            Poll::Ready(())
        })
        .await;
        let supervised = self.ctl.is_supervised();
        let mut exit = Exit::Normal;
        let mut go = !supervised || poll_fn(|cx| self.ctl.poll_command(cx)).await == Command::Start;
        while go {
            // A kill meant for the previous incarnation must not end this one.
            self.ctl.clear(KILL);
            exit = self.incarnation().await;
            go = self.ctl.report(Event::Exited(exit))
                && poll_fn(|cx| self.ctl.poll_command(cx)).await == Command::Start;
        }
        for i in (0..N).rev() {
            if self.finish(i) {
                while self.wait_event(i).await != Event::Finished {}
            }
        }
        self.ctl.report(Event::Finished);
        self.state.with(|s| {
            s.waker = None;
            s.count = 0;
            s.children = [None; N];
            s.events = [None; N];
        });
        self.ctl.reset();
        abandon.armed = false;
        if exit == Exit::Failed {
            Err(SuperviseError::Escalated)
        } else {
            Ok(())
        }
    }

    /// One life of the supervisor: start the children, handle their exits.
    async fn incarnation(&'static self) -> Exit {
        self.state.with(|s| {
            s.running = true;
            s.restarts = [None; Intensity::MAX_RESTARTS as usize + 1];
        });
        let count = self.state.with(|s| s.count);
        for i in 0..count {
            self.start(i).await;
        }
        self.ctl.report(Event::Running);
        let exit = loop {
            let next = poll_fn(|cx| {
                if self.ctl.flags(KILL | STOP) != 0 {
                    return Poll::Ready(None);
                }
                let ev = self.state.with(|s| {
                    s.waker = Some(cx.waker().clone());
                    s.events
                        .iter_mut()
                        .enumerate()
                        .find_map(|(i, e)| e.take().map(|e| (i, e)))
                });
                match ev {
                    Some(ev) => Poll::Ready(Some(ev)),
                    None => Poll::Pending,
                }
            })
            .await;
            let Some((i, event)) = next else {
                let killed = self.ctl.flags(KILL) != 0;
                self.ctl.clear(KILL | STOP);
                self.stop_from(0).await;
                break if killed { Exit::Killed } else { Exit::Normal };
            };
            match event {
                Event::Added => self.start(i).await,
                Event::Running => self.set_phase(i, Phase::Running),
                // Only a child whose task was dropped finishes unasked.
                Event::Finished => self.set_phase(i, Phase::Gone),
                Event::Exited(why) => {
                    if !self.on_exit(i, why).await {
                        self.stop_from(0).await;
                        break Exit::Failed;
                    }
                }
            }
        };
        self.state.with(|s| s.running = false);
        exit
    }

    /// Child `i` ended with `why`: restart what the strategy says.
    /// `false` when the intensity is exceeded.
    async fn on_exit(&'static self, i: usize, why: Exit) -> bool {
        self.set_phase(i, Phase::Exited);
        let Some(child) = self.child(i) else {
            return true;
        };
        let restart = match child.restart {
            Restart::Permanent => true,
            Restart::Transient => why != Exit::Normal,
            Restart::Temporary => false,
        };
        if !restart {
            let _ = self.finish(i);
            return true;
        }
        if !self.note_restart() {
            return false;
        }
        match self.strategy {
            Strategy::OneForOne => self.start(i).await,
            Strategy::OneForAll => {
                self.stop_from(0).await;
                self.start_from(0).await;
            }
            Strategy::RestForOne => {
                self.stop_from(i + 1).await;
                self.start_from(i).await;
            }
        }
        true
    }

    /// Records a restart now; `false` if that is one too many.
    fn note_restart(&self) -> bool {
        let now = Instant::now();
        let max = self.intensity.max_restarts.min(Intensity::MAX_RESTARTS) as usize;
        let period = self.intensity.period;
        self.state.with(|s| {
            let len = s.restarts.len();
            s.restarts[s.next_restart] = Some(now);
            s.next_restart = (s.next_restart + 1) % len;
            let recent = s
                .restarts
                .iter()
                .flatten()
                .filter(|t| now.saturating_duration_since(**t) <= period)
                .count();
            recent <= max
        })
    }

    /// Stops the running children from `from` on, last first, each after
    /// the one after it has stopped.
    async fn stop_from(&'static self, from: usize) {
        let count = self.state.with(|s| s.count);
        for i in (from..count).rev() {
            let Some(child) = self.child(i) else { continue };
            if !matches!(child.phase, Phase::Running | Phase::Starting) {
                continue;
            }
            child.ctl.raise(KILL);
            loop {
                match self.wait_event(i).await {
                    Event::Exited(_) | Event::Finished => break,
                    Event::Running | Event::Added => {}
                }
            }
            self.set_phase(i, Phase::Exited);
            if child.restart == Restart::Temporary {
                let _ = self.finish(i);
            }
        }
    }

    /// Starts the stopped children from `from` on, in order.
    async fn start_from(&'static self, from: usize) {
        let count = self.state.with(|s| s.count);
        for i in from..count {
            self.start(i).await;
        }
    }

    /// Starts child `i` (if it is waiting) and waits until it runs. A child
    /// that fails to start is left as an event for the main loop.
    async fn start(&'static self, i: usize) {
        let Some(child) = self.child(i) else { return };
        if !matches!(child.phase, Phase::Idle | Phase::Exited) {
            return;
        }
        self.set_phase(i, Phase::Starting);
        child.ctl.command(Command::Start);
        match self.wait_event(i).await {
            Event::Running => self.set_phase(i, Phase::Running),
            e @ Event::Exited(_) => self.state.with(|s| s.events[i] = Some(e)),
            Event::Added | Event::Finished => {}
        }
    }

    /// Finishes child `i` for good (if it waits between incarnations);
    /// `true` if it was told to (it reports [`Event::Finished`] when done).
    fn finish(&self, i: usize) -> bool {
        let Some(child) = self.child(i) else {
            return false;
        };
        if !matches!(child.phase, Phase::Idle | Phase::Exited) {
            return false;
        }
        // The event slot is the child's again: nothing older may be read as
        // its answer.
        self.state.with(|s| s.events[i] = None);
        child.ctl.command(Command::Finish);
        self.set_phase(i, Phase::Gone);
        true
    }

    /// Waits for the next event of child `i`, leaving the others queued.
    async fn wait_event(&'static self, i: usize) -> Event {
        poll_fn(|cx| {
            self.state.with(|s| {
                s.waker = Some(cx.waker().clone());
                match s.events[i].take() {
                    Some(e) => Poll::Ready(e),
                    None => Poll::Pending,
                }
            })
        })
        .await
    }

    fn child(&self, i: usize) -> Option<Child> {
        self.state.with(|s| s.children.get(i).copied().flatten())
    }

    fn set_phase(&self, i: usize, phase: Phase) {
        self.state.with(|s| {
            if let Some(Some(c)) = s.children.get_mut(i) {
                c.phase = phase;
            }
        });
    }
}

/// If `run` is dropped before it ends, its children stop for good (no
/// order can be kept without a task to wait in): each is killed and told
/// to finish.
struct Abandon<const N: usize> {
    sup: &'static Supervisor<N>,
    armed: bool,
}

impl<const N: usize> Drop for Abandon<N> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let children = self.sup.state.with(|s| {
            let c = s.children;
            s.children = [None; N];
            s.events = [None; N];
            s.count = 0;
            s.running = false;
            s.waker = None;
            c
        });
        for c in children.iter().rev().flatten() {
            if c.phase != Phase::Gone {
                c.ctl.raise(KILL);
                c.ctl.command(Command::Finish);
            }
        }
        self.sup.ctl.report(Event::Exited(Exit::Killed));
        self.sup.ctl.report(Event::Finished);
        self.sup.ctl.reset();
    }
}

impl<const N: usize> Parent for Supervisor<N> {
    fn report(&self, index: usize, event: Event) {
        let w = self.state.with(|s| {
            if let Some(e) = s.events.get_mut(index) {
                *e = Some(event);
            }
            s.waker.clone()
        });
        if let Some(w) = w {
            w.wake();
        }
    }
}

impl<const N: usize> fmt::Debug for Supervisor<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Supervisor")
            .field("strategy", &self.strategy)
            .field("intensity", &self.intensity)
            .field("children", &self.children())
            .finish()
    }
}
