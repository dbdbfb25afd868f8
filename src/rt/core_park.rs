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
//! The spin adapts. Only a cross-core unpark can end it: readiness of the
//! core's own fds arrives in its reactor, which the spin does not watch.
//! A core that mostly waits for I/O would therefore burn the whole budget
//! before every sleep, a latency added to each request, and worse, time
//! taken from whatever shares its CPU. So each spin that ends without an
//! unpark halves the next one (down to [`MIN_SPINS`]), each that catches
//! one doubles it, and a sleep that an unpark from another core ends
//! restores the full budget (a longer spin would have caught that wake):
//! cores that talk to each other keep spinning, cores that wait for the
//! network stop.
//!
//! The handshake between the spinning parker and its unparkers is the
//! latch in `park_latch.rs`.

use super::park_latch::Latch;
use crate::executor::{Awake, Park};
use crate::reactor::GlobalReactor;
use core::sync::atomic::{AtomicU32, Ordering::*};

/// Parks ended by spinning between two looks at the reactor.
const POLL_EVERY: u32 = 64;

/// The shortest adaptive spin: about a microsecond, long enough to catch
/// a prompt cross-core answer (and so grow again), short enough to cost an
/// I/O-bound core little.
const MIN_SPINS: u32 = 16;

/// Spin-then-sleep park over one reactor (see the module docs).
///
/// On a cache line of its own: the latch is written by its core on every
/// park and by wakers on other cores, and must not share a line with
/// another core's park.
#[repr(align(64))]
pub(crate) struct CorePark {
    latch: Latch,
    /// The most rounds of `spin_loop` before sleeping (0: sleep at once).
    spins: AtomicU32,
    /// The rounds the next spin takes, between `MIN_SPINS` and `spins`
    /// (owner thread only; atomic for `Sync`).
    budget: AtomicU32,
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
            budget: AtomicU32::new(0),
            skipped: AtomicU32::new(0),
            reactor,
        }
    }

    /// Sets the spin budget of later parks.
    pub(crate) fn set_spins(&self, spins: u32) {
        self.spins.store(spins, Relaxed);
        self.budget.store(spins, Relaxed);
    }

    /// Spins while nothing is notified; true if an unpark came. Adapts the
    /// next spin's length (see the module docs).
    #[inline]
    fn spin(&self) -> bool {
        let max = self.spins.load(Relaxed);
        let budget = self.budget.load(Relaxed);
        for _ in 0..budget {
            core::hint::spin_loop();
            if self.latch.notified() {
                self.budget.store(
                    budget.saturating_mul(2).clamp(MIN_SPINS.min(max), max),
                    Relaxed,
                );
                return true;
            }
        }
        self.budget
            .store((budget / 2).max(MIN_SPINS.min(max)), Relaxed);
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
        let slept = self.latch.try_sleep();
        if slept && let Some(r) = (self.reactor)() {
            wait(r, true);
        }
        // An unpark from another core ended (or just prevented) the sleep: a
        // longer spin would have caught it, so the next spin is a full one.
        if !slept || self.latch.notified() {
            self.budget.store(self.spins.load(Relaxed), Relaxed);
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
