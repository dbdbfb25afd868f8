//! Actors: state that only its own task touches, reached through typed,
//! static, bounded mailboxes; `tell`, `ask` with cancel-safe replies, and
//! Erlang/OTP-style supervision. No heap: every actor, mailbox and reply slot
//! lives in a `static`.
//!
//! ```
//! use bitwake::actor::{Actor, Ctx, Mailbox, ReplyTo};
//! use bitwake::executor::{Executor, SpinPark};
//!
//! struct Counter(u64);
//! enum Msg {
//!     Add(u64),
//!     Get(ReplyTo<u64>),
//! }
//! impl Actor for Counter {
//!     type Msg = Msg;
//!     type Mailbox = Mailbox<Self, 8>; // capacity per actor type
//!     type Args = u64;
//!     type Error = core::convert::Infallible;
//!     fn create(start: &u64) -> Self {
//!         Counter(*start)
//!     }
//!     async fn handle(&mut self, msg: Msg, _: Ctx<Self>) -> Result<(), Self::Error> {
//!         match msg {
//!             Msg::Add(n) => self.0 += n,
//!             Msg::Get(reply) => {
//!                 let _ = reply.send(self.0); // Err if the asker gave up
//!             }
//!         }
//!         Ok(())
//!     }
//! }
//!
//! bitwake::actors! {
//!     pool_size = 4;
//!     static COUNTERS: Counter;
//! }
//!
//! static PARK: SpinPark = SpinPark;
//! static EXEC: Executor = Executor::new(&PARK);
//!
//! let total = EXEC.block_on(async {
//!     let c = COUNTERS.spawn_on(&EXEC, 10).unwrap(); // Addr<Counter>: Copy, 'static
//!     c.tell(Msg::Add(5)).await.unwrap();           // waits while the mailbox is full
//!     let n = c.ask(Msg::Get).await.unwrap();       // Result<u64, AskError>
//!     c.stop();
//!     n
//! });
//! assert_eq!(total, 15);
//! ```
//!
//! # Actors
//!
//! An [`Actor`] names its message type, its mailbox (a
//! [`Mailbox<Self, N>`](Mailbox): the sync [`Channel`](crate::sync::Channel)
//! with `N` slots), its arguments and its error. [`actors!`](crate::actors)
//! declares a static pool of cells for one actor type; each `spawn` takes a
//! free cell and starts the actor's loop as a task of the executor. The loop
//! builds the state with [`Actor::create`] from the arguments it keeps, runs
//! [`started`](Actor::started), then [`handle`](Actor::handle)s one message
//! at a time, and [`stopping`](Actor::stopping) at the end.
//!
//! # Addresses
//!
//! [`Addr<A>`] is `Copy` and `'static`: a reference to the cell plus the
//! cell's generation. Because it is `Copy`, nobody can count copies of it,
//! so an `Addr` never keeps an actor alive. An actor stops when
//!
//! * [`Addr::stop`] or [`Ctx::stop`] is called (it finishes the message in
//!   hand, then stops; queued messages are dropped),
//! * its handler returns an error and no supervisor restarts it,
//! * the last [`OwnedAddr`] is dropped: an `OwnedAddr` is the counted
//!   address (`Clone`, not `Copy`). An actor for which no `OwnedAddr` was
//!   ever made is stopped only by the other two.
//!
//! When an actor stops for good its cell is freed and its generation moves
//! on: every old `Addr` then gets [`Stopped`](TellError::Stopped) (or
//! [`AskError::Stopped`]), even after the cell hosts a new actor, and a
//! message that raced with the stop and reached the new actor's mailbox is
//! dropped unread.
//!
//! # Replies
//!
//! [`Addr::ask`] takes a function that builds the request from a
//! [`ReplyTo<R>`]; the handler answers with [`ReplyTo::send`]. The reply is
//! written straight into the waiting `ask` future, through one of
//! [`REPLY_SLOTS`] generation-checked slots: an `ask` that is dropped or
//! times out retires its slot's generation first, so a late `send` finds a
//! mismatch and gets its value back — no panic, no write to freed memory, no
//! reply landing in a later request. A `ReplyTo` dropped unanswered (the
//! handler chose not to answer, failed, or the actor stopped with the
//! request queued) ends the `ask` with [`AskError::NoReply`].
//!
//! # Supervision
//!
//! See [`Supervisor`]: one_for_one, one_for_all, rest_for_one, restart
//! intensity with escalation to a parent supervisor, children started in
//! order and stopped in reverse, restarted children keep their address.
//! [`Ctx::monitor`] tells an actor when another one stops for good.
//!
//! # Actors on fibers
//!
//! [`fiber_actors!`](crate::fiber_actors) declares a pool whose actors each
//! run on a [fiber](crate::fiber) of their own: the same loop, driven by
//! [`fiber::wait`](crate::fiber::wait) on the fiber's stack, so the hooks
//! are plain blocking code. A handler calls
//! [`Addr::ask_blocking`] and gets the answer as a return value, waits on any
//! future with `fiber::wait`, or sleeps with `fiber::sleep`; meanwhile the
//! executor runs everything else. The trait is the same [`Actor`] (its hooks
//! are `async fn`s whose bodies simply never await), so addresses,
//! supervision and monitors work unchanged across the two kinds. Outside a
//! fiber, `ask_blocking` and `tell_blocking` refuse
//! ([`AskError::NotOnFiber`], [`TellError::NotOnFiber`]) rather than block a
//! task's thread. A fiber actor whose fiber is dropped while suspended (its
//! executor shut down mid-handler) keeps its cell and stack claimed for
//! good, as any suspended fiber keeps its stack.
//!
//! # Panics are not failures
//!
//! A handler that panics does not fail its actor: bitwake builds with
//! `panic = "abort"`, and a panic prints its message and ends the program.
//! Failures a supervisor should handle are *errors*: `handle` returns
//! `Err(Self::Error)`. Catching a panic would need unwinding (`std`, landing
//! pads in every binary, a `catch_unwind` per message), and the state a
//! panic leaves behind — a half-updated static, a lock guard poisoned in
//! another task — is exactly what a restart with fresh state cannot repair.
//! An abort is the honest outcome.

mod addr;
mod cell;
mod control;
mod envelope;
mod monitor;
mod on_fiber;
mod pool;
mod reply;
mod run;
mod supervisor;

use core::fmt;
use core::future::Future;

pub use addr::{ActorId, Addr, OwnedAddr, Tell, TellError, TryTellError};
pub use cell::ActorCell;
pub use control::Exit;
pub use envelope::{Envelope, Mailbox, MailboxOf};
pub use monitor::{Down, MONITOR_SLOTS, MonitorError};
pub use pool::{ActorCells, ActorPool, SpawnFn};
pub use reply::{Ask, AskError, REPLY_SLOTS, ReplyTo};
pub use supervisor::{Intensity, Restart, Strategy, SuperviseError, Supervisor};

/// An actor: its state is `Self`, changed only by its own handler, one
/// message at a time.
///
/// The futures returned by the hooks must be `Send`: actors run as tasks of
/// an executor that other threads may spawn on.
pub trait Actor: Sized + Send + 'static {
    /// What the actor receives. Requests that want an answer carry a
    /// [`ReplyTo`].
    type Msg: Send + 'static;
    /// The mailbox: `Mailbox<Self, N>` for a capacity of `N` messages.
    type Mailbox: MailboxOf<Self>;
    /// What the actor is built from; kept by the actor's loop so that a
    /// restart builds fresh state from the same arguments.
    type Args: Send + 'static;
    /// Why a handler failed. A failure stops the incarnation; a supervisor
    /// may restart it.
    type Error: fmt::Debug + Send + 'static;

    /// The factory: fresh state, at the start and at every restart.
    fn create(args: &Self::Args) -> Self;

    /// Runs before the first message. An error fails the actor.
    fn started(&mut self, ctx: Ctx<Self>) -> impl Future<Output = Result<(), Self::Error>> + Send {
        let _ = ctx;
        async { Ok(()) }
    }

    /// Handles one message. An error fails the actor (the message is gone).
    fn handle(
        &mut self,
        msg: Self::Msg,
        ctx: Ctx<Self>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Runs when the incarnation ends, for any reason but a kill that
    /// arrives while it already runs: `exit` says why, with the error
    /// (a [`Stop::Failed`]) when the handler failed.
    fn stopping(
        &mut self,
        exit: Stop<'_, Self::Error>,
        ctx: Ctx<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (exit, ctx);
        async {}
    }
}

/// Why an incarnation ends, as [`Actor::stopping`] sees it.
#[derive(Debug)]
pub enum Stop<'a, E> {
    /// Asked to stop, or the last [`OwnedAddr`] went away.
    Normal,
    /// `started` or `handle` returned this error.
    Failed(&'a E),
    /// Its supervisor stopped it (to restart it with its siblings, or to
    /// shut down).
    Killed,
}

/// What a hook gets besides the message: the actor's own address and
/// controls. `Copy`.
pub struct Ctx<A: Actor> {
    addr: Addr<A>,
}

impl<A: Actor> Clone for Ctx<A> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A: Actor> Copy for Ctx<A> {}

impl<A: Actor> Ctx<A> {
    pub(crate) fn new(addr: Addr<A>) -> Self {
        Ctx { addr }
    }

    /// This actor's address.
    pub fn addr(&self) -> Addr<A> {
        self.addr
    }

    /// Stops this actor after the current message, normally (not a
    /// failure: a supervisor restarts it only if its restart policy is
    /// [`Restart::Permanent`]).
    pub fn stop(&self) {
        self.addr.stop();
    }

    /// Asks to be told when `target` stops for good: this actor then
    /// receives `make(Down)`. Fails when all [`MONITOR_SLOTS`] are in use.
    /// A target that has already stopped is reported at once.
    pub fn monitor<B: Actor>(
        &self,
        target: Addr<B>,
        make: fn(Down) -> A::Msg,
    ) -> Result<(), MonitorError> {
        monitor::watch(target, self.addr, make)
    }
}

impl<A: Actor> fmt::Debug for Ctx<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ctx").field("addr", &self.addr).finish()
    }
}

/// Tells `watcher` (with the message `make(Down)`) when `target` stops
/// for good; at once if it already has. [`Ctx::monitor`] from inside an
/// actor. Fails when all [`MONITOR_SLOTS`] are in use.
pub fn monitor<T: Actor, B: Actor>(
    target: Addr<T>,
    watcher: Addr<B>,
    make: fn(Down) -> B::Msg,
) -> Result<(), MonitorError> {
    monitor::watch(target, watcher, make)
}

#[doc(hidden)]
pub mod __private {
    pub use super::on_fiber::spawn_on_fiber;
    pub use super::run::{Abandon, run};
}
