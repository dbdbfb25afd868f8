//! Addresses: [`Addr`] (`Copy`) and [`OwnedAddr`] (counted), and the
//! [`Tell`] future.

use super::cell::ActorCell;
use super::control::STOP;
use super::envelope::Envelope;
use super::reply::{Ask, AskError, ReplyTo};
use super::{Actor, MailboxOf};
use crate::fiber;
use crate::sync::{SendError, TrySendError};
use crate::time::{Duration, timeout};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// The address of an actor: `Copy`, `'static`, a reference to its cell and
/// the cell's generation. It never keeps the actor alive (see
/// [`OwnedAddr`]); once the actor has stopped for good, every operation
/// reports that it has.
pub struct Addr<A: Actor> {
    cell: &'static ActorCell<A>,
    epoch: u32,
}

impl<A: Actor> Clone for Addr<A> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A: Actor> Copy for Addr<A> {}

impl<A: Actor> PartialEq for Addr<A> {
    fn eq(&self, other: &Self) -> bool {
        core::ptr::eq(self.cell, other.cell) && self.epoch == other.epoch
    }
}
impl<A: Actor> Eq for Addr<A> {}

impl<A: Actor> fmt::Debug for Addr<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Addr")
            .field("cell", &(self.cell as *const ActorCell<A>))
            .field("epoch", &self.epoch)
            .finish()
    }
}

/// Identifies an actor (cell and generation) across actor types, e.g. in a
/// [`Down`](super::Down) notice: compare with [`Addr::id`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ActorId {
    pub(crate) cell: usize,
    pub(crate) epoch: u32,
}

impl<A: Actor> Addr<A> {
    pub(crate) fn new(cell: &'static ActorCell<A>, epoch: u32) -> Self {
        Addr { cell, epoch }
    }

    pub(crate) fn cell(self) -> &'static ActorCell<A> {
        self.cell
    }

    pub(crate) fn generation(self) -> u32 {
        self.epoch
    }

    /// This actor's identity.
    pub fn id(self) -> ActorId {
        ActorId {
            cell: self.cell as *const ActorCell<A> as usize,
            epoch: self.epoch,
        }
    }

    /// Whether the actor has not stopped for good (it may be restarting).
    #[inline]
    pub fn is_alive(self) -> bool {
        self.cell.epoch() == self.epoch
    }

    /// Sends `msg`, waiting while the mailbox is full (senders are served
    /// in arrival order). Fails, giving `msg` back, if the actor has
    /// stopped. `Ok` means the message is in the mailbox, not that it will
    /// be handled (the actor may stop first).
    #[inline]
    pub fn tell(self, msg: A::Msg) -> Tell<A> {
        if !self.is_alive() {
            return Tell {
                early: Some(msg),
                send: None,
            };
        }
        Tell {
            early: None,
            send: Some(self.cell.mailbox.send(Envelope {
                epoch: self.epoch,
                msg,
            })),
        }
    }

    /// Sends `msg` if the mailbox has room now. Never waits.
    #[inline]
    pub fn try_tell(self, msg: A::Msg) -> Result<(), TryTellError<A::Msg>> {
        if !self.is_alive() {
            return Err(TryTellError::Stopped(msg));
        }
        self.cell
            .mailbox
            .try_send(Envelope {
                epoch: self.epoch,
                msg,
            })
            .map_err(|e| match e {
                TrySendError::Full(e) => TryTellError::Full(e.msg),
                TrySendError::Closed(e) => TryTellError::Stopped(e.msg),
            })
    }

    /// Sends the request `make(reply_to)` and waits for the answer, waiting
    /// for mailbox room first. `make` is typically an enum variant:
    /// `addr.ask(Msg::Get)`. Dropping the future at any point is safe: a
    /// reply that comes later is handed back to the replier.
    pub fn ask<R, F>(self, make: F) -> Ask<A, R, F>
    where
        F: FnOnce(ReplyTo<R>) -> A::Msg,
    {
        Ask::new(self, make, false)
    }

    /// As [`ask`](Self::ask), but fails with [`AskError::Full`] instead of
    /// waiting when the mailbox is full.
    pub fn try_ask<R, F>(self, make: F) -> Ask<A, R, F>
    where
        F: FnOnce(ReplyTo<R>) -> A::Msg,
    {
        Ask::new(self, make, true)
    }

    /// As [`ask`](Self::ask), giving up with [`AskError::Timeout`] after
    /// `limit` (mailbox wait included).
    pub async fn ask_timeout<R, F>(self, make: F, limit: Duration) -> Result<R, AskError>
    where
        F: FnOnce(ReplyTo<R>) -> A::Msg,
    {
        match timeout(limit, self.ask(make)).await {
            Ok(r) => r,
            Err(_) => Err(AskError::Timeout),
        }
    }

    /// [`ask`](Self::ask) as blocking code: for a fiber (a
    /// [fiber actor](crate::fiber_actors)'s handler, any
    /// [`fiber`](crate::fiber)), which waits for the answer while the
    /// executor runs other tasks. Outside a fiber it sends nothing and
    /// returns [`AskError::NotOnFiber`].
    pub fn ask_blocking<R, F>(self, make: F) -> Result<R, AskError>
    where
        F: FnOnce(ReplyTo<R>) -> A::Msg,
    {
        if !fiber::in_fiber() {
            return Err(AskError::NotOnFiber);
        }
        fiber::wait(self.ask(make))
    }

    /// [`tell`](Self::tell) as blocking code (waits on a fiber while the
    /// mailbox is full). Outside a fiber it gives `msg` back as
    /// [`TellError::NotOnFiber`].
    pub fn tell_blocking(self, msg: A::Msg) -> Result<(), TellError<A::Msg>> {
        if !fiber::in_fiber() {
            return Err(TellError::NotOnFiber(msg));
        }
        fiber::wait(self.tell(msg))
    }

    /// Asks the actor to stop after the message in hand (a normal stop;
    /// messages still queued are dropped). Does nothing if it already has.
    pub fn stop(self) {
        if self.is_alive() {
            self.cell.ctl.raise(STOP);
        }
    }

    /// A counted address of this actor, or `None` if it has stopped.
    pub fn owned(self) -> Option<OwnedAddr<A>> {
        self.cell
            .own(self.epoch)
            .then_some(OwnedAddr { addr: self })
    }

    /// Messages waiting in the mailbox.
    pub fn queued(self) -> usize {
        self.cell.mailbox.len()
    }

    /// The mailbox capacity.
    pub fn capacity(self) -> usize {
        self.cell.mailbox.capacity()
    }
}

/// A counted address: the actor stops (normally) when the last
/// `OwnedAddr` of it is dropped. `Clone`, not `Copy`; derefs to [`Addr`].
pub struct OwnedAddr<A: Actor> {
    addr: Addr<A>,
}

impl<A: Actor> OwnedAddr<A> {
    /// The plain address.
    pub fn addr(&self) -> Addr<A> {
        self.addr
    }
}

impl<A: Actor> core::ops::Deref for OwnedAddr<A> {
    type Target = Addr<A>;
    fn deref(&self) -> &Addr<A> {
        &self.addr
    }
}

impl<A: Actor> Clone for OwnedAddr<A> {
    fn clone(&self) -> Self {
        // A stale address counts nothing; its clone does not either.
        let _ = self.addr.cell.own(self.addr.epoch);
        OwnedAddr { addr: self.addr }
    }
}

impl<A: Actor> Drop for OwnedAddr<A> {
    fn drop(&mut self) {
        self.addr.cell.disown(self.addr.epoch);
    }
}

impl<A: Actor> fmt::Debug for OwnedAddr<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OwnedAddr").field(&self.addr).finish()
    }
}

/// The future of [`Addr::tell`]. Dropping it before it completes drops the
/// message, which the mailbox never accepted.
#[must_use = "futures do nothing unless awaited"]
pub struct Tell<A: Actor> {
    early: Option<A::Msg>,
    send: Option<<A::Mailbox as MailboxOf<A>>::Send<'static>>,
}

impl<A: Actor> Future for Tell<A> {
    type Output = Result<(), TellError<A::Msg>>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `send` is pinned in place below and never moved out;
        // `early` is not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        if let Some(msg) = this.early.take() {
            return Poll::Ready(Err(TellError::Stopped(msg)));
        }
        let Some(send) = this.send.as_mut() else {
            return Poll::Pending;
        };
        // SAFETY: as above.
        match unsafe { Pin::new_unchecked(send) }.poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(())) => Poll::Ready(Ok(())),
            Poll::Ready(Err(SendError(e))) => Poll::Ready(Err(TellError::Stopped(e.msg))),
        }
    }
}

impl<A: Actor> fmt::Debug for Tell<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tell")
    }
}

/// Why a [`tell`](Addr::tell) failed; the message comes back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TellError<M> {
    /// The actor has stopped.
    Stopped(M),
    /// [`tell_blocking`](Addr::tell_blocking) only: called outside a fiber.
    NotOnFiber(M),
}

impl<M> TellError<M> {
    /// The message that was not delivered.
    pub fn into_inner(self) -> M {
        match self {
            TellError::Stopped(m) | TellError::NotOnFiber(m) => m,
        }
    }
}

/// Why a [`try_tell`](Addr::try_tell) failed; the message comes back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TryTellError<M> {
    /// The mailbox is full.
    Full(M),
    /// The actor has stopped.
    Stopped(M),
}

impl<M> TryTellError<M> {
    /// The message that was not delivered.
    pub fn into_inner(self) -> M {
        match self {
            TryTellError::Full(m) | TryTellError::Stopped(m) => m,
        }
    }
}

impl<M> fmt::Debug for TellError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TellError::Stopped(_) => f.write_str("Stopped(..)"),
            TellError::NotOnFiber(_) => f.write_str("NotOnFiber(..)"),
        }
    }
}
impl<M> fmt::Display for TellError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TellError::Stopped(_) => f.write_str("the actor has stopped"),
            TellError::NotOnFiber(_) => f.write_str("a blocking tell outside a fiber"),
        }
    }
}
impl<M> core::error::Error for TellError<M> {}

impl<M> fmt::Debug for TryTellError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryTellError::Full(_) => f.write_str("Full(..)"),
            TryTellError::Stopped(_) => f.write_str("Stopped(..)"),
        }
    }
}
impl<M> fmt::Display for TryTellError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryTellError::Full(_) => f.write_str("the actor's mailbox is full"),
            TryTellError::Stopped(_) => f.write_str("the actor has stopped"),
        }
    }
}
impl<M> core::error::Error for TryTellError<M> {}
