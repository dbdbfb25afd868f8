//! The park of a thread-per-core executor: spin a little, then sleep in the
//! core's reactor.
//!
//! A core that sleeps in `epoll_pwait` costs its waker an eventfd `write`
//! and itself a trip through the scheduler (tens of microseconds for an idle
//! virtual CPU). Cores that talk to each other usually answer within a few
//! microseconds, so the park first spins for a bounded number of rounds,
//! watching a latch that [`unpark`](CorePark::unpark) sets; only a core
//! that is really idle goes to sleep, and only a waker that finds it asleep
//! writes the eventfd.
//!
//! The handshake between the spinning parker and its unparkers is the
//! latch in `park_latch.rs`.

use super::park_latch::Latch;
use crate::executor::{Awake, Park};
use crate::reactor::GlobalReactor;
use core::sync::atomic::{AtomicU32, Ordering::*};

/// Parks ended by spinning between two looks at the reactor.
const POLL_EVERY: u32 = 64;

/// Spin-then-sleep park over one reactor (see the module docs).
///
/// On a cache line of its own: the latch is written by its core on every
/// park and by wakers on other cores, and must not share a line with
/// another core's park.
#[repr(align(64))]
pub(crate) struct CorePark {
    latch: Latch,
    /// Rounds of `spin_loop` before sleeping (0: sleep at once).
    spins: AtomicU32,
    /// Parks ended by spinning since the reactor was last looked at (owner
    /// thread only; atomic for `Sync`).
    skipped: AtomicU32,
    reactor: fn() -> Option<&'static GlobalReactor>,
}

impl CorePark {
    pub(crate) const fn new(reactor: fn() -> Option<&'static GlobalReactor>) -> Self {
        CorePark {
            latch: Latch::over(AtomicU32::new(0)),
            spins: AtomicU32::new(0),
            skipped: AtomicU32::new(0),
            reactor,
        }
    }

    /// Sets the spin budget of later parks.
    pub(crate) fn set_spins(&self, spins: u32) {
        self.spins.store(spins, Relaxed);
    }

    /// Spins while nothing is notified; true if an unpark came.
    #[inline]
    fn spin(&self) -> bool {
        let spins = self.spins.load(Relaxed);
        for _ in 0..spins {
            core::hint::spin_loop();
            if self.latch.notified() {
                return true;
            }
        }
        false
    }

    /// `wait(reactor, blocking)`: the reactor wait (`blocking`: until an
    /// event or unpark; otherwise a poll).
    fn park_with(&self, wait: impl FnOnce(&'static GlobalReactor, bool)) {
        if self.latch.begin() || self.spin() {
            self.latch.end();
            // A core kept busy by wakes from other cores never sleeps: look
            // at its fds and timers every so often anyway.
            let n = self.skipped.load(Relaxed) + 1;
            if n >= POLL_EVERY {
                self.skipped.store(0, Relaxed);
                if let Some(r) = (self.reactor)() {
                    wait(r, false);
                }
            } else {
                self.skipped.store(n, Relaxed);
            }
            return;
        }
        self.skipped.store(0, Relaxed);
        if self.latch.try_sleep()
            && let Some(r) = (self.reactor)()
        {
            wait(r, true);
        }
        self.latch.end();
    }
}

impl Park for CorePark {
    fn park(&self, timeout: Option<u64>) {
        // Errors (EBADF, ENOMEM) have no caller to go to: the executor polls
        // again.
        self.park_with(|r, blocking| {
            let _ = r.park(if blocking { timeout } else { Some(0) });
        });
    }

    fn park_awake(&self, timeout: Option<u64>, awake: &Awake<'_>) {
        self.park_with(|r, blocking| {
            let t = if blocking { timeout } else { Some(0) };
            let _ = r.park_then_dispatch(t, || awake.mark());
        });
    }

    fn unpark(&self) {
        if self.latch.notify()
            && let Some(r) = (self.reactor)()
        {
            r.unpark();
        }
    }
}
