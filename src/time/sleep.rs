//! [`sleep`] and [`sleep_until`]: a future that carries its own timer.

use super::driver;
use super::queue::TimerEntry;
use super::{Duration, Instant};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Waits until `duration` has passed (measured from this call).
///
/// Cannot fail: the timer lives in the returned future, so there is no queue
/// to fill. A duration too large to represent waits forever.
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now().saturating_add(duration))
}

/// Waits until `deadline`. A deadline in the past completes on the first poll.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        entry: TimerEntry::new(),
        queued: false,
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// It is `!Unpin` (its timer entry is linked into the timer queue while it
/// waits): await it directly, or pin it first (`core::pin::pin!`) to poll it
/// in a loop or a `select`. Dropping it cancels the timer.
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
    entry: TimerEntry,
    /// Whether the entry may be in the queue (it was scheduled and not
    /// cancelled by us since; it may have fired). Owner-side only, so a sleep
    /// that never waited costs no lock when dropped.
    queued: bool,
}

impl Sleep {
    /// When this sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline (earlier or later); the next poll waits for the new
    /// one.
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        // SAFETY: nothing is moved out of the pinned sleep.
        let this = unsafe { self.get_unchecked_mut() };
        this.unqueue();
        this.deadline = deadline;
    }

    /// Polls, with a clock reading the caller may already have (one clock
    /// read per poll for [`Interval`](super::Interval)).
    ///
    /// A sleep does not read the clock itself (a system call on a
    /// freestanding Linux program, which has no vDSO): a queued sleep is
    /// either still pending (its entry is in the queue) or has fired, which
    /// the driver only does once the deadline has passed; a new one completes
    /// at once if its deadline is known to have passed (the last clock
    /// reading, e.g. the one `sleep` made) and is queued otherwise.
    pub(crate) fn poll_at(
        self: Pin<&mut Self>,
        now: Option<Instant>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        // SAFETY: the entry is never moved out of the pinned sleep; it is
        // unqueued in `Drop` before its memory can be reused.
        let this = unsafe { self.get_unchecked_mut() };
        if this.queued {
            // SAFETY: `this.entry` was scheduled from this pinned sleep and
            // is cancelled in `Drop`; only this sleep uses it.
            if unsafe { driver::refresh(&this.entry, cx.waker()) } {
                return Poll::Pending;
            }
            this.queued = false;
            return Poll::Ready(());
        }
        let passed = match now {
            Some(now) => now >= this.deadline,
            None => driver::has_passed(this.deadline),
        };
        if passed {
            return Poll::Ready(());
        }
        // SAFETY: `this.entry` is pinned (inside the pinned sleep) and is
        // cancelled in `Drop`; only this sleep uses it.
        unsafe { driver::schedule(&this.entry, this.deadline, cx.waker()) };
        this.queued = true;
        Poll::Pending
    }

    fn unqueue(&mut self) {
        if core::mem::take(&mut self.queued) {
            // SAFETY: the entry was scheduled from a pinned sleep (so it has
            // not moved since) and is still alive.
            unsafe { driver::cancel(&self.entry) };
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_at(None, cx)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.unqueue();
    }
}
