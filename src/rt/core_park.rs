//! The park of a thread-per-core executor: spin a little, then sleep in the
//! core's reactor.
//!
//! A core that sleeps in `epoll_pwait` costs its waker an eventfd `write`
//! and itself a trip through the scheduler (tens of microseconds for an idle
//! virtual CPU). Cores that talk to each other usually answer within a few
//! microseconds, so an idle core first spins for a bounded number of rounds,
//! watching its own ready bits; only a core that is really idle goes to
//! sleep, and only a waker that finds it asleep writes the eventfd.
//!
//! The spin adapts. Only a wake from another core can end it: readiness of the
//! core's own fds arrives in its reactor, which the spin does not watch.
//! A core that mostly waits for I/O would therefore burn the whole budget
//! before every sleep, a latency added to each request, and worse, time
//! taken from whatever shares its CPU. So each spin that ends without a
//! wake halves the next one (down to [`MIN_SPINS`]), each that catches
//! one doubles it, and a sleep that an unpark from another core ends
//! restores the full budget (a longer spin would have caught that wake):
//! cores that talk to each other keep spinning, cores that wait for the
//! network stop.
//!
//! The spin is the executor's [`Park::spin`]: it runs before the executor
//! announces its park, watching the executor's own ready state, so a waker
//! that comes during the spin only sets its ready bit (it finds the executor
//! not parked): one cache line of the spinning core written per wake, and
//! the spinning core reads only the lines that wake writes. Once the spin
//! gives up, the executor announces its park and this park blocks in the
//! reactor at once; a waker that then finds the executor parked unparks it
//! through the latch in `park_latch.rs`, which writes the eventfd only if
//! the core is (about to be) blocked.

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
/// On a cache line of its own: its fields are written by its core on every
/// idle period (the latch also by wakers of a sleeping core) and must not
/// share a line with what another core writes.
#[repr(align(64))]
pub(crate) struct CorePark {
    latch: Latch,
    /// The most rounds of `spin_loop` before sleeping (0: sleep at once).
    spins: AtomicU32,
    /// The rounds the next spin takes, between `MIN_SPINS` and `spins`
    /// (owner thread only; atomic for `Sync`).
    budget: AtomicU32,
    /// Spins that caught a wake since the reactor was last looked at
    /// (owner thread only; atomic for `Sync`).
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

    /// Spins while nothing is pending; true if something became pending.
    /// Adapts the next spin's length (see the module docs).
    #[inline]
    fn spin_rounds(&self, pending: &mut dyn FnMut() -> bool) -> bool {
        let max = self.spins.load(Relaxed);
        let budget = self.budget.load(Relaxed);
        for _ in 0..budget {
            core::hint::spin_loop();
            if pending() {
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

    /// Blocks in the reactor with `wait`, unless an unpark came first
    /// (then false).
    #[inline]
    fn sleep(&self, wait: impl FnOnce(&'static GlobalReactor)) -> bool {
        let slept = self.latch.try_sleep();
        if slept && let Some(r) = (self.reactor)() {
            wait(r);
        }
        self.latch.end();
        slept
    }
}

impl Park for CorePark {
    fn spin(&self, pending: &mut dyn FnMut() -> bool) -> bool {
        if !self.spin_rounds(pending) {
            self.skipped.store(0, Relaxed);
            return false;
        }
        // A core kept busy by wakes from other cores never sleeps: look at
        // its fds and timers every so often anyway. (It is not parked: what
        // this dispatches only sets ready bits.)
        let n = self.skipped.load(Relaxed) + 1;
        if n >= POLL_EVERY {
            self.skipped.store(0, Relaxed);
            if let Some(r) = (self.reactor)() {
                // Errors (EBADF, ENOMEM) have no caller to go to: the
                // executor polls again.
                let _ = r.park(Some(0));
            }
        } else {
            self.skipped.store(n, Relaxed);
        }
        true
    }

    fn park(&self, timeout: Option<u64>) {
        // Errors: as in `spin`.
        let _ = self.sleep(|r| {
            let _ = r.park(timeout);
        });
    }

    fn park_awake(&self, timeout: Option<u64>, awake: &Awake<'_>) {
        let mut unparked = false;
        let slept = self.sleep(|r| {
            // Errors: as in `spin`.
            let _ = r.park_then_dispatch(timeout, || {
                unparked = awake.unparked();
                awake.mark();
            });
        });
        // An unpark (from another core, or a handler) ended or prevented
        // the sleep: a longer spin would have caught that wake, so the next
        // spin is a full one.
        if unparked || !slept {
            self.budget.store(self.spins.load(Relaxed), Relaxed);
        }
    }

    fn unpark(&self) {
        if self.latch.notify()
            && let Some(r) = (self.reactor)()
        {
            r.unpark();
        }
    }
}
