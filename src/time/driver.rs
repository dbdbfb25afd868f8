//! The time seam: a clock and an alarm, and the one timer queue above them.
//!
//! Everything in `time/` — [`Instant::now`], [`sleep`](super::sleep),
//! [`timeout`](super::timeout), [`interval`](super::interval) — is written
//! once, against two platform functions:
//!
//! * **now**: the monotonic clock, in nanoseconds;
//! * **set_alarm(deadline)**: "the earliest pending timer is now at
//!   `deadline`; make sure [`on_alarm`] runs at or soon after that time".
//!
//! A platform implements them as a [`Driver`]:
//!
//! * Linux (feature `linux`): the reactor. `now` is `CLOCK_MONOTONIC`; the
//!   alarm is the timeout of the reactor's next `epoll_pwait2`, so setting it
//!   costs nothing unless the executor is already blocked with a later
//!   timeout (a timer added from another thread), which unparks it.
//! * Microcontrollers: `bitwake-mcu` (SysTick or `mtime`/`mtimecmp`); its
//!   alarm interrupt calls [`on_alarm`]. It registers itself with
//!   [`time_driver!`](crate::time_driver).
//! * Anything else: a program or platform crate writes a [`Driver`] and
//!   registers it with [`time_driver!`](crate::time_driver). Using timers
//!   with no driver registered fails to link, naming the missing
//!   `__bitwake_time_now` / `__bitwake_time_set_alarm`.
//!
//! The queue itself (see `queue.rs`) holds entries that live in the waiting
//! futures, so it has no capacity and never fails.

use super::Instant;
use super::queue::{TimerEntry, TimerQueue};
use crate::lock::Lock;
use core::task::Waker;

/// A platform's clock and alarm. See the [module docs](self).
pub trait Driver: Sync {
    /// The current time on a monotonic clock.
    fn now(&self) -> Instant;
    /// The earliest pending timer is now at `deadline`: arrange for
    /// [`on_alarm`] to be called at (or soon after) that instant. Called with
    /// no lock held, from wherever timers are used: tasks, and on a
    /// microcontroller [`on_alarm`] itself in the interrupt handler. A
    /// deadline already in the past asks for [`on_alarm`] as soon as
    /// possible. A later call supersedes an earlier one.
    fn set_alarm(&self, deadline: Instant);
}

/// Registers the program's time [`Driver`]: `bitwake::time_driver!(MY_DRIVER);`
/// where `MY_DRIVER` is a `static` (or constant) implementing [`Driver`].
/// Platform crates do this once (`bitwake-mcu` does); on Linux bitwake has
/// its own and this macro must not be used.
#[macro_export]
macro_rules! time_driver {
    ($driver:expr) => {
        #[doc(hidden)]
        #[unsafe(no_mangle)]
        fn __bitwake_time_now() -> u64 {
            $crate::time::Driver::now(&$driver).as_nanos()
        }
        #[doc(hidden)]
        #[unsafe(no_mangle)]
        fn __bitwake_time_set_alarm(deadline: u64) {
            $crate::time::Driver::set_alarm(&$driver, $crate::time::Instant::from_nanos(deadline))
        }
    };
}

#[cfg(all(
    any(feature = "linux", all(any(test, doc), target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod platform {
    use super::{Driver, Instant};
    use crate::reactor::clock::LinuxClock;

    #[inline]
    pub(super) fn now() -> Instant {
        LinuxClock.now()
    }
    #[inline]
    pub(super) fn set_alarm(deadline: Instant) {
        LinuxClock.set_alarm(deadline)
    }
}

#[cfg(not(all(
    any(feature = "linux", all(any(test, doc), target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
mod platform {
    use super::Instant;

    unsafe extern "Rust" {
        safe fn __bitwake_time_now() -> u64;
        safe fn __bitwake_time_set_alarm(deadline: u64);
    }

    #[inline]
    pub(super) fn now() -> Instant {
        Instant::from_nanos(__bitwake_time_now())
    }
    #[inline]
    pub(super) fn set_alarm(deadline: Instant) {
        __bitwake_time_set_alarm(deadline.as_nanos())
    }
}

/// The program's pending timers.
static QUEUE: Lock<TimerQueue> = Lock::new(TimerQueue::new());

/// The latest clock reading, kept where a 64-bit atomic is native (a clock
/// read is a system call on freestanding Linux, which has no vDSO).
#[cfg(target_has_atomic = "64")]
static LAST_NOW: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// The current time from the platform's clock.
#[inline]
pub(crate) fn now() -> Instant {
    let now = platform::now();
    #[cfg(target_has_atomic = "64")]
    LAST_NOW.store(now.as_nanos(), core::sync::atomic::Ordering::Relaxed);
    now
}

/// Whether `deadline` has certainly passed, preferably without reading the
/// clock: a new timer that says `false` is queued and, if its deadline had in
/// fact passed, fires at the next alarm (the reactor's next wait then has a
/// zero timeout). Where no reading is kept, the clock is read.
#[inline]
pub(crate) fn has_passed(deadline: Instant) -> bool {
    #[cfg(target_has_atomic = "64")]
    {
        deadline.as_nanos() <= LAST_NOW.load(core::sync::atomic::Ordering::Relaxed)
    }
    #[cfg(not(target_has_atomic = "64"))]
    {
        now() >= deadline
    }
}

/// The earliest pending timer's deadline: what a platform's park bounds its
/// sleep by (the Linux reactor reads it before every blocking wait).
pub fn next_deadline() -> Option<Instant> {
    QUEUE.with(|q| q.next_deadline())
}

/// How many timers are pending.
pub fn pending_timers() -> usize {
    QUEUE.with(|q| q.len())
}

/// Wakers taken under the lock and woken after it is released.
const BATCH: usize = 32;

/// Fires every timer whose deadline has passed and re-arms the alarm for the
/// next one; returns how many it woke. The platform calls this when its alarm
/// goes off (an interrupt handler on a microcontroller, the reactor's park on
/// Linux). Safe to call at any time: with nothing expired it only re-arms.
pub fn on_alarm() -> usize {
    let now = now();
    let mut woken = 0;
    loop {
        let mut batch: [Option<Waker>; BATCH] = [const { None }; BATCH];
        let (taken, next) = QUEUE.with(|q| {
            let mut n = 0;
            for slot in batch.iter_mut() {
                match q.pop_expired(now) {
                    Some(w) => {
                        *slot = Some(w);
                        n += 1;
                    }
                    None => break,
                }
            }
            (n, q.next_deadline())
        });
        // Woken outside the lock: a foreign waker may do anything, even poll
        // a timer future on this thread.
        for w in batch.iter_mut().filter_map(Option::take) {
            w.wake();
        }
        woken += taken;
        if taken < BATCH {
            if let Some(next) = next {
                platform::set_alarm(next);
            }
            crate::trace!("timers: {} expired", woken);
            return woken;
        }
    }
}

/// Queues `entry` for `deadline` (or moves it there), to wake `waker`.
///
/// # Safety
/// `entry` is pinned (never moves again) and is [`cancel`]led before it is
/// dropped; it belongs to one timer future.
pub(crate) unsafe fn schedule(entry: &TimerEntry, deadline: Instant, waker: &Waker) {
    // SAFETY: forwarded contract; the lock gives exclusive access.
    let earliest = QUEUE.with(|q| unsafe { q.insert(entry, deadline, waker) });
    if earliest {
        platform::set_alarm(deadline);
    }
}

/// Makes sure a queued `entry` wakes `waker`; `false` if it is no longer
/// queued (it fired).
///
/// # Safety
/// As [`schedule`].
pub(crate) unsafe fn refresh(entry: &TimerEntry, waker: &Waker) -> bool {
    // SAFETY: forwarded contract; the lock gives exclusive access.
    QUEUE.with(|q| unsafe { q.set_waker(entry, waker) })
}

/// Unqueues `entry` if it is queued (the alarm is left as it is: a spurious
/// [`on_alarm`] finds nothing to do).
///
/// # Safety
/// As [`schedule`].
pub(crate) unsafe fn cancel(entry: &TimerEntry) {
    // SAFETY: forwarded contract; the lock gives exclusive access.
    QUEUE.with(|q| unsafe { q.remove(entry) });
}
