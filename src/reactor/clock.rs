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
        for r in super::timed_reactors() {
            r.alarm(deadline);
        }
    }
}

/// The deadline a reactor's current blocking wait is bounded by: what
/// [`LinuxClock::set_alarm`] compares a new earliest timer against.
pub(crate) struct WaitBound(AtomicU64);

impl WaitBound {
    /// Not waiting.
    pub(crate) const fn new() -> Self {
        WaitBound(AtomicU64::new(0))
    }

    /// A blocking wait is starting and its bound is about to be computed:
    /// until [`narrow`](Self::narrow), any new earliest timer ends the wait.
    pub(crate) fn begin(&self) {
        self.0.store(u64::MAX, Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }

    /// The wait's bound, read from the timer queue after [`begin`](Self::begin)
    /// (`None`: no timer).
    pub(crate) fn narrow(&self, deadline: Option<Instant>) {
        self.0.store(
            deadline.map_or(u64::MAX, Instant::as_nanos),
            Ordering::SeqCst,
        );
    }

    /// The wait is over: alarms need no action until the next one.
    pub(crate) fn end(&self) {
        self.0.store(0, Ordering::Release);
    }

    /// Whether an alarm at `deadline` must end the current wait.
    pub(crate) fn must_interrupt(&self, deadline: Instant) -> bool {
        // Pairs with the fence in `begin`: either the wait's deadline read
        // sees the new timer, or this load sees the wait's bound.
        fence(Ordering::SeqCst);
        deadline.as_nanos() < self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use crate::reactor::reactor;
    use crate::time::{self, Duration, Instant};
    use core::future::Future;
    use core::pin::pin;
    use core::task::{Context, Waker};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The reactor is blocked with a long timeout; another thread starts a
    /// short sleep: the wait must end for it, not run its 10 s course.
    #[test]
    fn a_timer_started_on_another_thread_ends_a_longer_wait() {
        reactor().poll_events().unwrap(); // epoll and the eventfd exist
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let c = count.clone();
        let start = Instant::now();
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(30));
            let waker = Waker::from(c.clone());
            let mut sleep = pin!(time::sleep(Duration::from_millis(20)));
            assert!(
                sleep
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending()
            );
            // The sleep must live until it fires (dropping it cancels it).
            for _ in 0..8000 {
                if c.0.load(Ordering::SeqCst) != 0 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        });
        while count.0.load(Ordering::SeqCst) == 0 && start.elapsed() < Duration::from_secs(8) {
            reactor().park(Some(10_000_000_000)).unwrap();
        }
        t.join().unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "took {:?}",
            start.elapsed()
        );
        assert!(start.elapsed() >= Duration::from_millis(50));
    }
}
