//! A pure periodic schedule: which tick is due, and when the next one is.
//!
//! [`Interval`](super::Interval) keeps one of these and sleeps until its next
//! deadline; this part has no clock and no waker, so its policy is testable
//! with made-up times.

use core::time::Duration;

use super::Instant;
use super::instant::duration_nanos_saturating;

/// What an [`Interval`](super::Interval) does when ticks were missed (the task was late).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MissedTickBehavior {
    /// Fire every missed tick back to back, then continue on the original grid.
    /// (tokio's default.) After a long stall this is a burst of instant ticks.
    Burst,
    /// Restart the period from the moment the late tick is taken: the next
    /// deadline is `now + period`. The grid drifts.
    Delay,
    /// **bitwake's default.** Fire once for the missed ticks, then continue with
    /// the next tick of the original grid that is still in the future.
    ///
    /// Why: a runtime that may sit suspended (QEMU paused, laptop asleep) should
    /// not wake a task hundreds of times in a row to "catch up", and periodic
    /// work such as a status line wants to stay on its grid rather than drift.
    #[default]
    Skip,
}

/// A periodic schedule starting at `start` with a fixed `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Schedule {
    next: Instant,
    period_ns: u64,
    behavior: MissedTickBehavior,
}

impl Schedule {
    /// First tick at `start`, then every `period`, with
    /// [`MissedTickBehavior::Skip`]. Returns `None` for a zero period (which
    /// would tick forever without time passing; tokio panics there instead).
    ///
    /// Periods beyond ~584 years saturate, i.e. only the first tick happens.
    pub(crate) fn new(start: Instant, period: Duration) -> Option<Self> {
        let period_ns = duration_nanos_saturating(period);
        (period_ns != 0).then_some(Schedule {
            next: start,
            period_ns,
            behavior: MissedTickBehavior::Skip,
        })
    }

    /// The same schedule with another missed-tick policy.
    pub(crate) const fn with_missed_tick_behavior(mut self, behavior: MissedTickBehavior) -> Self {
        self.behavior = behavior;
        self
    }

    /// The active missed-tick policy.
    pub(crate) const fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.behavior
    }

    /// The period.
    pub(crate) const fn period(&self) -> Duration {
        Duration::from_nanos(self.period_ns)
    }

    /// When the next tick is due: the deadline to put in the timer queue.
    pub(crate) const fn next_deadline(&self) -> Instant {
        self.next
    }

    /// If a tick is due at `now`, consumes it and returns its scheduled instant
    /// (which may be earlier than `now`); otherwise returns `None`.
    pub(crate) fn poll_tick(&mut self, now: Instant) -> Option<Instant> {
        if now < self.next {
            return None;
        }
        let scheduled = self.next;
        let next = self.next.as_nanos().saturating_add(self.period_ns);
        let n = now.as_nanos();
        self.next = Instant::from_nanos(match self.behavior {
            MissedTickBehavior::Burst => next,
            MissedTickBehavior::Delay => n.saturating_add(self.period_ns),
            MissedTickBehavior::Skip if next > n => next,
            MissedTickBehavior::Skip => {
                // Smallest grid point strictly after `now`, in O(1).
                let behind = n - scheduled.as_nanos();
                let steps = behind / self.period_ns + 1;
                scheduled
                    .as_nanos()
                    .saturating_add(steps.saturating_mul(self.period_ns))
            }
        });
        Some(scheduled)
    }

    /// Restarts the schedule so that the next tick is at `at`.
    pub(crate) fn reset(&mut self, at: Instant) {
        self.next = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(n: u64) -> Instant {
        Instant::from_nanos(n)
    }
    fn iv(b: MissedTickBehavior) -> Schedule {
        Schedule::new(t(100), Duration::from_nanos(10))
            .unwrap()
            .with_missed_tick_behavior(b)
    }

    #[test]
    fn zero_period_rejected() {
        assert!(Schedule::new(t(0), Duration::ZERO).is_none());
        assert_eq!(
            Schedule::new(t(0), Duration::from_nanos(1))
                .unwrap()
                .missed_tick_behavior(),
            MissedTickBehavior::Skip
        );
    }

    #[test]
    fn on_time_ticks_are_the_same_for_all_policies() {
        for b in [
            MissedTickBehavior::Burst,
            MissedTickBehavior::Delay,
            MissedTickBehavior::Skip,
        ] {
            let mut i = iv(b);
            assert_eq!(i.poll_tick(t(99)), None);
            assert_eq!(i.poll_tick(t(100)), Some(t(100)));
            assert_eq!(i.poll_tick(t(100)), None);
            assert_eq!(i.next_deadline(), t(110));
            assert_eq!(i.poll_tick(t(110)), Some(t(110)));
            assert_eq!(i.period(), Duration::from_nanos(10));
        }
    }

    #[test]
    fn burst_catches_up() {
        let mut i = iv(MissedTickBehavior::Burst);
        let got: Vec<_> = core::iter::from_fn(|| i.poll_tick(t(135))).collect();
        assert_eq!(got, [t(100), t(110), t(120), t(130)]);
        assert_eq!(i.next_deadline(), t(140));
    }

    #[test]
    fn delay_drifts() {
        let mut i = iv(MissedTickBehavior::Delay);
        assert_eq!(i.poll_tick(t(135)), Some(t(100)));
        assert_eq!(i.poll_tick(t(135)), None);
        assert_eq!(i.next_deadline(), t(145));
    }

    #[test]
    fn skip_stays_on_grid() {
        let mut i = iv(MissedTickBehavior::Skip);
        assert_eq!(i.poll_tick(t(135)), Some(t(100)));
        assert_eq!(i.poll_tick(t(135)), None);
        assert_eq!(i.next_deadline(), t(140));
        // Exactly on a grid point: that point is "now", so the next is later.
        assert_eq!(i.poll_tick(t(160)), Some(t(140)));
        assert_eq!(i.next_deadline(), t(170));
        i.reset(t(1000));
        assert_eq!(i.poll_tick(t(999)), None);
        assert_eq!(i.poll_tick(t(1000)), Some(t(1000)));
    }

    #[test]
    fn saturates_near_max() {
        let mut i = Schedule::new(t(u64::MAX - 5), Duration::from_nanos(10)).unwrap();
        assert_eq!(i.poll_tick(Instant::MAX), Some(t(u64::MAX - 5)));
        assert_eq!(i.next_deadline(), Instant::MAX);
    }
}
