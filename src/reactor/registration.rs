//! Registration: tokens, the locked fd registry, register and deregister,
//! and the two halves of the readiness handshake that touch the registry
//! (reading a tick, waiting for it to move).

use super::registry::{READ, Registry, WRITE};
use super::selector::Selector;
use crate::lock::spin::{SpinGuard, SpinLock};
use crate::sys::{self, Errno, RawFd};
use crate::waitlist::Waiter;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Why the reactor refused a registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapacityError {
    /// All fd registration slots are in use.
    Registrations {
        /// The static capacity.
        capacity: usize,
    },
}

impl core::fmt::Display for CapacityError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CapacityError::Registrations { capacity } => {
                write!(f, "reactor registrations exhausted (capacity {capacity})")
            }
        }
    }
}

/// Names one registration: slot index, generation and the fd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    index: u32,
    generation: u32,
    fd: RawFd,
}

impl Token {
    /// The registered fd.
    pub const fn fd(&self) -> RawFd {
        self.fd
    }

    /// The epoll data that names this registration in events.
    fn epoll_data(&self) -> u64 {
        ((self.generation as u64) << 32) | self.index as u64
    }
}

/// The `(index, generation)` an event's epoll data names.
pub(super) fn slot_of(data: u64) -> (u32, u32) {
    (data as u32, (data >> 32) as u32)
}

/// What readiness to wait for. bitwake registers both directions at once,
/// edge-triggered, and never has to modify the registration per operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interest {
    /// Readable (and peer hang-up).
    Read,
    /// Writable.
    Write,
    /// Both.
    Both,
}

impl Interest {
    fn epoll_bits(self) -> u32 {
        let read = sys::EPOLLIN | sys::EPOLLRDHUP;
        match self {
            Interest::Read => read | sys::EPOLLET,
            Interest::Write => sys::EPOLLOUT | sys::EPOLLET,
            Interest::Both => read | sys::EPOLLOUT | sys::EPOLLET,
        }
    }
}

/// Readiness direction of an I/O operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Waiting to read.
    Read,
    /// Waiting to write.
    Write,
}

impl Direction {
    fn index(self) -> usize {
        match self {
            Direction::Read => READ,
            Direction::Write => WRITE,
        }
    }
}

/// The fd registry behind its lock. Every waiter list lives in it, so this
/// lock is the one that guards them all.
pub(super) struct Registrations<const FDS: usize> {
    registry: SpinLock<Registry<FDS>>,
}

impl<const FDS: usize> Registrations<FDS> {
    pub(super) const fn new() -> Self {
        Registrations {
            registry: SpinLock::new(Registry::new()),
        }
    }

    /// The locked registry, for dispatch.
    pub(super) fn lock(&self) -> SpinGuard<'_, Registry<FDS>> {
        self.registry.lock()
    }

    /// Registers `fd` with `selector` for edge-triggered `interest`.
    pub(super) fn register(
        &self,
        selector: &Selector,
        fd: RawFd,
        interest: Interest,
    ) -> Result<Token, crate::io::Error> {
        let (index, generation) = self
            .registry
            .lock()
            .alloc()
            .ok_or(CapacityError::Registrations { capacity: FDS })?;
        let token = Token {
            index,
            generation,
            fd,
        };
        // `add` creates epoll on first use; if that or the `epoll_ctl`
        // fails, the slot goes back at once.
        if let Err(e) = selector.add(fd, interest.epoll_bits(), token.epoll_data()) {
            let mut registry = self.registry.lock();
            // Nobody can have waited on a token we never returned.
            if registry.close(index, generation) {
                registry.free(index);
            }
            return Err(e.into());
        }
        crate::trace!("register fd {} as slot {} ({:?})", fd, index, interest);
        Ok(token)
    }

    /// Removes `token`'s fd from `selector`, wakes every operation still
    /// waiting on it (from another handle to the fd: they must learn that it
    /// is gone rather than sleep forever), then frees its slot.
    pub(super) fn deregister(&self, selector: &Selector, token: Token) -> Result<(), Errno> {
        let r = selector.delete(token.fd);
        crate::trace!("deregister fd {} (slot {})", token.fd, token.index);
        let waiting = {
            let mut registry = self.registry.lock();
            if !registry.close(token.index, token.generation) {
                return r;
            }
            let waiting = registry.has_waiters(token.index);
            if !waiting {
                registry.free(token.index);
            }
            waiting
        };
        if waiting {
            self.wake_slot(token.index, [usize::MAX; 2], true);
        }
        r
    }

    /// Wakes up to `counts[d]` waiters of slot `index` in direction `d`,
    /// one per lock round (outside the lock); with `free`, the slot is
    /// closed and goes back to the free stack once its lists are empty.
    ///
    /// For the rare overflow of a wake batch, and for deregistering with
    /// waiters. The slot may have been closed and even reused meanwhile: at
    /// worst a few waiters of the new registration get woken, and they just
    /// retry their call.
    #[cold]
    #[inline(never)]
    pub(super) fn wake_slot(&self, index: u32, mut counts: [usize; 2], free: bool) -> usize {
        let mut woken = 0;
        loop {
            let waker = {
                let mut registry = self.registry.lock();
                let mut waker = None;
                if let Some(lists) = registry.waiters(index) {
                    for (list, count) in lists.iter_mut().zip(&mut counts) {
                        if *count > 0 {
                            waker = list.take();
                            *count = if waker.is_some() { *count - 1 } else { 0 };
                            if waker.is_some() {
                                break;
                            }
                        }
                    }
                }
                if waker.is_none() && free {
                    registry.free(index);
                }
                waker
            };
            match waker {
                Some(w) => w.wake(),
                None => return woken,
            }
            woken += 1;
        }
    }

    /// How many fds are registered.
    pub(super) fn live(&self) -> usize {
        self.registry.lock().live()
    }

    /// How many operations wait for readiness.
    pub(super) fn waiting(&self) -> usize {
        self.registry.lock().waiting()
    }

    /// The readiness tick of `token` in `dir`: read it before an I/O call,
    /// and hand it to [`poll_ready`](Self::poll_ready) if the call says
    /// `EAGAIN`.
    pub(super) fn tick(&self, token: Token, dir: Direction) -> u32 {
        let mut registry = self.registry.lock();
        registry
            .get_mut(token.index, token.generation)
            .map_or(0, |s| s.ticks[dir.index()])
    }

    /// After an I/O call on `token` returned `EAGAIN`: `Ready` if readiness
    /// arrived since `tick` was read (retry the call); otherwise links
    /// `waiter` into the fd's waiters for `dir` with the task's waker and
    /// returns `Pending`.
    ///
    /// # Safety
    ///
    /// `waiter` is only ever used with this `token` and `dir`, and is
    /// passed to [`cancel`](Self::cancel) (with the same token and
    /// direction) before it is dropped, unless
    /// [`is_linked`](Waiter::is_linked) says it is in no list.
    pub(super) unsafe fn poll_ready(
        &self,
        token: Token,
        dir: Direction,
        tick: u32,
        waiter: Pin<&Waiter>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let mut registry = self.registry.lock();
        let Some(slot) = registry.get_mut(token.index, token.generation) else {
            // Deregistered under our feet: let the caller retry and get the
            // fd's own error instead of waiting forever.
            return Poll::Ready(());
        };
        let d = dir.index();
        if slot.ticks[d] != tick || slot.closed {
            return Poll::Ready(());
        }
        let Some(list) = slot.waiters.get_mut(d) else {
            return Poll::Ready(());
        };
        // SAFETY: the registry lock guards every waiter list; `waiter` joins
        // only this slot's list for `dir` (contract), and the slot is freed
        // for reuse only once that list is empty, so the node is in this
        // list or in none; it leaves before it is dropped (`cancel`).
        unsafe { list.push(waiter, cx.waker()) };
        Poll::Pending
    }

    /// Unlinks `waiter` (a waiting operation on `token` in `dir` that is
    /// being dropped) if it is still linked.
    ///
    /// # Safety
    ///
    /// `waiter` was only ever used with [`poll_ready`](Self::poll_ready) for
    /// this `token` and `dir`.
    pub(super) unsafe fn cancel(&self, token: Token, dir: Direction, waiter: Pin<&Waiter>) {
        let waker = {
            let mut registry = self.registry.lock();
            match registry
                .waiters(token.index)
                .and_then(|lists| lists.get_mut(dir.index()))
            {
                // SAFETY: the registry lock is held, and a linked waiter of
                // this token and direction is in exactly this list, even if
                // the registration closed since (its slot is not reused
                // before the list is empty).
                Some(list) => unsafe { list.remove(waiter) },
                None => None,
            }
        };
        // Dropped outside the lock: a waker's drop may run any code.
        drop(waker);
    }
}
