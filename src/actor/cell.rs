//! [`ActorCell`]: the static home of one actor — its mailbox, generation and
//! lifecycle control.

use super::control::{Control, STOP};
use super::{Actor, MailboxOf};
use crate::lock::Lock;
use portable_atomic::{AtomicBool, AtomicU32, Ordering};

/// One actor's static home in an [`ActorPool`](super::ActorPool): its
/// mailbox, the generation that tells its addresses from those of earlier
/// actors of the cell, its lifecycle control and the count of its
/// [`OwnedAddr`](super::OwnedAddr)s. Only [`actors!`](crate::actors)
/// creates cells.
pub struct ActorCell<A: Actor> {
    pub(crate) mailbox: A::Mailbox,
    /// Changed (under `owned`'s lock) when the cell is freed.
    epoch: AtomicU32,
    claimed: AtomicBool,
    pub(crate) ctl: Control,
    /// Live `OwnedAddr`s of the current generation.
    owned: Lock<u32>,
}

impl<A: Actor> ActorCell<A> {
    /// A free cell.
    pub const fn new() -> Self {
        ActorCell {
            mailbox: <A::Mailbox as MailboxOf<A>>::EMPTY,
            epoch: AtomicU32::new(0),
            claimed: AtomicBool::new(false),
            ctl: Control::new(),
            owned: Lock::new(0),
        }
    }

    /// The current generation.
    #[inline]
    pub(crate) fn epoch(&self) -> u32 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Takes the cell if it is free; returns its generation.
    pub(crate) fn claim(&self) -> Option<u32> {
        if self.claimed.load(Ordering::Relaxed)
            || self
                .claimed
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return None;
        }
        self.owned.with(|n| *n = 0);
        self.mailbox.reopen();
        Some(self.epoch())
    }

    /// Ends the current generation: every address made so far is stale
    /// from now on. The caller then frees the cell with [`release`](Self::release).
    pub(crate) fn retire(&self) {
        self.owned.with(|n| {
            *n = 0;
            self.epoch.store(
                self.epoch.load(Ordering::Relaxed).wrapping_add(1),
                Ordering::Release,
            );
        });
    }

    /// Frees the cell for the next actor.
    pub(crate) fn release(&self) {
        self.ctl.reset();
        self.claimed.store(false, Ordering::Release);
    }

    /// One more counted address of generation `epoch`; `false` if stale.
    pub(crate) fn own(&self, epoch: u32) -> bool {
        self.owned.with(|n| {
            if self.epoch.load(Ordering::Relaxed) != epoch || *n == u32::MAX {
                return false;
            }
            *n += 1;
            true
        })
    }

    /// One counted address of generation `epoch` fewer; the last one asks the
    /// actor to stop.
    pub(crate) fn disown(&self, epoch: u32) {
        let last = self.owned.with(|n| {
            if self.epoch.load(Ordering::Relaxed) != epoch || *n == 0 {
                return false;
            }
            *n -= 1;
            *n == 0
        });
        if last {
            self.ctl.raise(STOP);
        }
    }
}

impl<A: Actor> ActorCell<A> {
    pub(crate) fn is_claimed(&self) -> bool {
        self.claimed.load(Ordering::Relaxed)
    }

    /// Gives back a cell that was claimed but whose loop never started.
    pub(crate) fn mailbox_close_and_release(&self) {
        self.retire();
        self.mailbox.close();
        while self.mailbox.try_recv().is_ok() {}
        self.release();
    }
}

impl<A: Actor> Default for ActorCell<A> {
    fn default() -> Self {
        Self::new()
    }
}
