//! [`interval`]: a periodic timer on the [schedule](super::schedule) policy.

use super::schedule::{MissedTickBehavior, Schedule};
use super::sleep::{Sleep, sleep_until};
use super::{Duration, Instant};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Ticks every `period`, the first tick at once. Missed ticks are skipped by
/// default (see [`MissedTickBehavior`]). A zero period, which would tick
/// forever without time passing, gives `None`.
pub fn interval(period: Duration) -> Option<Interval> {
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first tick at `start`; `None` for a zero period.
pub fn interval_at(start: Instant, period: Duration) -> Option<Interval> {
    Some(Interval {
        schedule: Schedule::new(start, period)?,
    })
}

/// A periodic timer; see [`interval`].
///
/// `Unpin`: each [`tick`](Interval::tick) future carries its own timer entry,
/// so the interval itself can be kept anywhere and moved freely.
#[derive(Debug)]
pub struct Interval {
    schedule: Schedule,
}

impl Interval {
    /// Waits for the next tick and returns the instant it was scheduled for
    /// (which may be earlier than now when the task was late). Dropping the
    /// returned future before it completes consumes no tick.
    pub fn tick(&mut self) -> Tick<'_> {
        let deadline = self.schedule.next_deadline();
        Tick {
            interval: self,
            sleep: sleep_until(deadline),
        }
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.schedule.period()
    }

    /// What happens when ticks were missed.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.schedule.missed_tick_behavior()
    }

    /// Sets what happens when ticks were missed.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.schedule = self.schedule.with_missed_tick_behavior(behavior);
    }

    /// Restarts the grid: the next tick is one period from now.
    pub fn reset(&mut self) {
        self.reset_after(self.period());
    }

    /// Restarts the grid: the next tick is now.
    pub fn reset_immediately(&mut self) {
        self.schedule.reset(Instant::now());
    }

    /// Restarts the grid: the next tick is `after` from now.
    pub fn reset_after(&mut self, after: Duration) {
        self.schedule.reset(Instant::now().saturating_add(after));
    }

    /// Restarts the grid: the next tick is at `deadline`.
    pub fn reset_at(&mut self, deadline: Instant) {
        self.schedule.reset(deadline);
    }
}

/// The future returned by [`Interval::tick`]. `!Unpin` (it holds a timer
/// entry while it waits).
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Tick<'a> {
    interval: &'a mut Interval,
    sleep: Sleep,
}

impl Future for Tick<'_> {
    type Output = Instant;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Instant> {
        // SAFETY: `sleep` is structurally pinned (never moved out of a pinned
        // `Tick`, which has no `Drop` of its own); `interval` is a plain
        // reference and not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let mut sleep = unsafe { Pin::new_unchecked(&mut this.sleep) };
        loop {
            let now = Instant::now();
            if let Some(at) = this.interval.schedule.poll_tick(now) {
                return Poll::Ready(at);
            }
            // A reset between ticks moves the deadline.
            let next = this.interval.schedule.next_deadline();
            if sleep.deadline() != next {
                sleep.as_mut().reset(next);
            }
            match sleep.as_mut().poll_at(Some(now), cx) {
                Poll::Ready(()) => continue,
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
