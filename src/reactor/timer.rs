//! `sleep`, `sleep_until`, `timeout` and `interval` on the reactor's timer
//! queue (an O(log n) indexed heap; see `crate::time::TimerQueue`).
//!
//! A timer is registered on the first poll that finds its deadline in the
//! future, refreshed only if the task's waker changes, and cancelled when the
//! future is dropped early — so an abandoned `timeout` frees its slot at once.

use super::{CapacityError, reactor};
use crate::time::{Duration, Instant, Interval as Schedule, MissedTickBehavior, TimerHandle};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Waits until `duration` has passed. Resolves to `Err` only when the timer
/// queue is full (a static capacity), never by panicking.
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now().saturating_add(duration))
}

/// Waits until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        handle: None,
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
    handle: Option<TimerHandle>,
}

impl Sleep {
    /// When this sleep ends.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Moves the deadline (like tokio's `Sleep::reset`).
    pub fn reset(&mut self, deadline: Instant) {
        if let Some(h) = self.handle.take() {
            reactor().cancel_timer(h);
        }
        self.deadline = deadline;
    }

    fn poll_sleep(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), CapacityError>> {
        if Instant::now() >= self.deadline {
            if let Some(h) = self.handle.take() {
                reactor().cancel_timer(h);
            }
            return Poll::Ready(Ok(()));
        }
        match self.handle {
            // Still queued: make sure the current waker is the one woken.
            Some(h) if reactor().update_timer(h, cx.waker()) => Poll::Pending,
            // Fired (or never registered) but the clock says not yet: this can
            // only be a spurious wake; register (again).
            _ => match reactor().add_timer(self.deadline, cx.waker()) {
                Ok(h) => {
                    self.handle = Some(h);
                    Poll::Pending
                }
                Err(e) => Poll::Ready(Err(e)),
            },
        }
    }
}

impl Future for Sleep {
    type Output = Result<(), CapacityError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().poll_sleep(cx)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            reactor().cancel_timer(h);
        }
    }
}

/// Why [`timeout`] gave up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutError {
    /// The deadline passed first.
    Elapsed,
    /// The timer queue was full, so no deadline could be set.
    Capacity(CapacityError),
}

impl core::fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TimeoutError::Elapsed => f.write_str("deadline has elapsed"),
            TimeoutError::Capacity(c) => write!(f, "{c}"),
        }
    }
}

/// Runs `future`, giving up after `duration`: `Ok(output)` or
/// `Err(TimeoutError::Elapsed)`. The inner future is polled first, so a
/// future that is ready at once wins even with a zero duration.
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep(duration),
    }
}

/// The future returned by [`timeout`].
#[must_use = "futures do nothing unless awaited"]
pub struct Timeout<F> {
    future: F,
    sleep: Sleep,
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, TimeoutError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned (never moved out of `self`,
        // and `Timeout` has no Drop impl that could move it); `sleep` is
        // `Unpin` and not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        if let Poll::Ready(v) = future.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        match this.sleep.poll_sleep(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Err(TimeoutError::Elapsed)),
            Poll::Ready(Err(e)) => Poll::Ready(Err(TimeoutError::Capacity(e))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Ticks every `period`, starting now (the first tick is immediate). Missed
/// ticks are skipped by default (see [`MissedTickBehavior`]). A zero period
/// is rejected with `None`.
pub fn interval(period: Duration) -> Option<Interval> {
    Some(Interval {
        schedule: Schedule::new(Instant::now(), period)?,
        sleep: None,
    })
}

/// A periodic timer; see [`interval`].
#[derive(Debug)]
pub struct Interval {
    schedule: Schedule,
    sleep: Option<Sleep>,
}

impl Interval {
    /// Sets what happens when ticks were missed.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.schedule = self.schedule.with_missed_tick_behavior(behavior);
    }

    /// Waits for the next tick and returns its scheduled instant.
    pub async fn tick(&mut self) -> Result<Instant, CapacityError> {
        core::future::poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Result<Instant, CapacityError>> {
        loop {
            if let Some(at) = self.schedule.poll_tick(Instant::now()) {
                self.sleep = None;
                return Poll::Ready(Ok(at));
            }
            let next = self.schedule.next_deadline();
            let sleep = self.sleep.get_or_insert_with(|| sleep_until(next));
            if sleep.deadline() != next {
                sleep.reset(next);
            }
            match sleep.poll_sleep(cx) {
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
