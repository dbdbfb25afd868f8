//! The Linux time driver: `CLOCK_MONOTONIC` for "now", and the reactor's
//! wait timeout as the alarm.
//!
//! The reactor reads the earliest timer deadline before every blocking wait
//! and bounds the wait by it, so an alarm set on the executor's own thread
//! (a task starting a sleep) needs no action at all: the next park sees it.
//! Only a timer that becomes the earliest *while* the reactor is blocked with
//! a later timeout — added from another thread — must end that wait: the
//! reactor publishes the deadline its current wait is bounded by, and
//! [`LinuxClock::set_alarm`] unparks it (one eventfd write) when the new
//! deadline is earlier.

use crate::sys;
use crate::time::{Driver, Instant};
use core::sync::atomic::{AtomicU64, Ordering, fence};

/// The Linux clock and alarm (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct LinuxClock;

/// The deadline (ns) bounding the reactor's current blocking wait:
/// `u64::MAX` for an unbounded one, 0 while it is not blocked.
static WAIT_BOUND: AtomicU64 = AtomicU64::new(0);

impl Driver for LinuxClock {
    #[inline]
    fn now(&self) -> Instant {
        // CLOCK_MONOTONIC cannot fail for a valid clock id and pointer; if a
        // sandbox made it fail anyway, time standing still at 0 is safer than
        // a panic (timers then fire on the caller's timeout).
        let ts = sys::clock_gettime(sys::CLOCK_MONOTONIC).unwrap_or_default();
        Instant::from_nanos(ts.as_nanos())
    }

    fn set_alarm(&self, deadline: Instant) {
        // Pairs with the fence in `bound_wait`: either the reactor's deadline
        // read sees the new timer, or this load sees the reactor's bound.
        fence(Ordering::SeqCst);
        if deadline.as_nanos() < WAIT_BOUND.load(Ordering::SeqCst) {
            super::reactor().unpark();
        }
    }
}

/// Announces a blocking wait whose bound is about to be computed: until
/// [`bound_wait`] narrows it, any new earliest timer ends the wait.
pub(crate) fn begin_wait() {
    WAIT_BOUND.store(u64::MAX, Ordering::SeqCst);
    fence(Ordering::SeqCst);
}

/// The wait computed its bound from the timer queue: `deadline` (`None`: no
/// timer).
pub(crate) fn bound_wait(deadline: Option<Instant>) {
    WAIT_BOUND.store(
        deadline.map_or(u64::MAX, Instant::as_nanos),
        Ordering::SeqCst,
    );
}

/// The wait is over: alarms need no action until the next one.
pub(crate) fn end_wait() {
    WAIT_BOUND.store(0, Ordering::Release);
}
