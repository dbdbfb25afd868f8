//! The readiness handshake as one future: run an I/O call on a registered
//! fd until it does not say `EAGAIN`, waiting for readiness in between.
//!
//! Each attempt reads the direction's tick *before* the call; if the call
//! says `EAGAIN`, the future waits only if the tick has not moved since (an
//! edge during the call means: retry at once). While it waits, its
//! [`Waiter`] node sits in the fd's waiter list for that direction, so any
//! number of operations can wait on one fd at once; dropping the future
//! unlinks the node.

use super::registration::{Direction, Registrations, Token};
use crate::io::Error;
use crate::sys::Errno;
use crate::waitlist::Waiter;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// The future of one I/O operation on a registered fd: runs `op` until it
/// returns something other than `EAGAIN`/`EINTR`. Without a token (an fd
/// epoll refuses, which never blocks) it runs `op` once.
#[must_use = "futures do nothing unless awaited"]
pub(crate) struct Io<'r, const FDS: usize, F> {
    registrations: &'r Registrations<FDS>,
    token: Option<Token>,
    dir: Direction,
    op: F,
    /// Structurally pinned: linked into the fd's waiter list while waiting.
    waiter: Waiter,
}

impl<'r, const FDS: usize, F> Io<'r, FDS, F> {
    pub(super) fn new(
        registrations: &'r Registrations<FDS>,
        token: Option<Token>,
        dir: Direction,
        op: F,
    ) -> Self {
        Io {
            registrations,
            token,
            dir,
            op,
            waiter: Waiter::new(),
        }
    }
}

impl<const FDS: usize, R, F: FnMut() -> Result<R, Errno>> Future for Io<'_, FDS, F> {
    type Output = Result<R, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: only `waiter` is structurally pinned: it is never moved
        // out of `self`, and `Drop` unlinks it. `op` and the other fields
        // are not pinned and may be used through `&mut`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let waiter = unsafe { Pin::new_unchecked(&this.waiter) };
        loop {
            let tick = match this.token {
                Some(token) => this.registrations.tick(token, this.dir),
                None => 0,
            };
            match ((this.op)(), this.token) {
                (Err(Errno::EINTR), Some(_)) => continue,
                (Err(Errno::EAGAIN), Some(token)) => {
                    // SAFETY: this waiter is only used with this token and
                    // direction, and `Drop` cancels it.
                    let ready = unsafe {
                        this.registrations
                            .poll_ready(token, this.dir, tick, waiter, cx)
                    };
                    if ready.is_pending() {
                        return Poll::Pending;
                    }
                }
                (other, _) => return Poll::Ready(other.map_err(Error::Os)),
            }
        }
    }
}

impl<const FDS: usize, F> Drop for Io<'_, FDS, F> {
    fn drop(&mut self) {
        // The common case (never waited, or woken: the list unlinked it)
        // needs no lock.
        if let (true, Some(token)) = (self.waiter.is_linked(), self.token) {
            // SAFETY: the waiter was pinned since its first poll and is not
            // moved here; this is its last use.
            let waiter = unsafe { Pin::new_unchecked(&self.waiter) };
            // SAFETY: the waiter was only used with this token and
            // direction.
            unsafe { self.registrations.cancel(token, self.dir, waiter) };
        }
    }
}
