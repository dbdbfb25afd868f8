//! The mailbox: the sync [`Channel`] of envelopes, seen through a trait so
//! that an address does not carry the capacity in its type.

use super::Actor;
use crate::sync::{Channel, Recv, RecvError, Send, SendError, TryRecvError, TrySendError};
use core::future::Future;

/// A message on its way, stamped with the generation of the address it was
/// sent to (a message meant for an actor that stopped is dropped unread by
/// the next actor in the same cell).
pub struct Envelope<A: Actor> {
    pub(crate) epoch: u32,
    pub(crate) msg: A::Msg,
}

/// The mailbox of an actor with `N` slots: `type Mailbox = Mailbox<Self, N>;`.
pub type Mailbox<A, const N: usize> = Channel<Envelope<A>, N>;

mod sealed {
    pub trait Sealed {}
}

impl<A: Actor, const N: usize> sealed::Sealed for Channel<Envelope<A>, N> {}

/// What a mailbox can do; implemented only by [`Mailbox<A, N>`](Mailbox).
pub trait MailboxOf<A: Actor>: sealed::Sealed + Sync + 'static {
    /// An empty, open mailbox (for the `const` initialiser of a pool).
    const EMPTY: Self;
    /// The future of a send that may wait.
    type Send<'a>: Future<Output = Result<(), SendError<Envelope<A>>>> + core::marker::Send
    where
        Self: 'a;
    /// The future of a receive.
    type Recv<'a>: Future<Output = Result<Envelope<A>, RecvError>> + core::marker::Send
    where
        Self: 'a;
    /// Sends, waiting while full.
    fn send(&self, e: Envelope<A>) -> Self::Send<'_>;
    /// Sends if a slot is free.
    fn try_send(&self, e: Envelope<A>) -> Result<(), TrySendError<Envelope<A>>>;
    /// Receives, waiting while empty.
    fn recv(&self) -> Self::Recv<'_>;
    /// Receives if a message is there.
    fn try_recv(&self) -> Result<Envelope<A>, TryRecvError>;
    /// Closes: senders fail, waiting senders wake.
    fn close(&self);
    /// Opens again for the next actor of the cell.
    fn reopen(&self);
    /// Messages queued.
    fn len(&self) -> usize;
    /// Whether no message is queued.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Slots.
    fn capacity(&self) -> usize;
}

impl<A: Actor, const N: usize> MailboxOf<A> for Channel<Envelope<A>, N> {
    const EMPTY: Self = Channel::new();
    type Send<'a> = Send<'a, Envelope<A>, N>;
    type Recv<'a> = Recv<'a, Envelope<A>, N>;

    #[inline]
    fn send(&self, e: Envelope<A>) -> Self::Send<'_> {
        Channel::send(self, e)
    }
    #[inline]
    fn try_send(&self, e: Envelope<A>) -> Result<(), TrySendError<Envelope<A>>> {
        Channel::try_send(self, e)
    }
    #[inline]
    fn recv(&self) -> Self::Recv<'_> {
        Channel::recv(self)
    }
    #[inline]
    fn try_recv(&self) -> Result<Envelope<A>, TryRecvError> {
        Channel::try_recv(self)
    }
    fn close(&self) {
        Channel::close(self)
    }
    fn reopen(&self) {
        Channel::reopen(self)
    }
    fn len(&self) -> usize {
        Channel::len(self)
    }
    fn capacity(&self) -> usize {
        N
    }
}
