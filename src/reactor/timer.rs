//! Everything about timers in the reactor, in one place: the timer queue's
//! lock, the reactor's timer methods, the park's timeout and the firing of
//! expired timers, `Instant::now`, and the `sleep`, `sleep_until`,
//! `timeout` and `interval` futures.
//!
//! The rest of the reactor reaches timers only through
//! [`Reactor::park_timeout`] (before the wait) and [`Reactor::fire_due`]
//! (after it), so this file can be replaced as a whole.
//!
//! A timer is registered on the first poll that finds its deadline in the
//! future, refreshed only if the task's waker changes, and cancelled when the
//! future is dropped early — so an abandoned `timeout` frees its slot at once.

use super::batch::WakeBatch;
use super::lock::SpinLock;
use super::{CapacityError, Reactor, reactor};
use crate::sys;
use crate::time::{
    Duration, Instant, Interval as Schedule, MissedTickBehavior, TimerError, TimerHandle,
    TimerQueue,
};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

// ---- the reactor's timer queue ----------------------------------------------

/// The timer queue behind its own lock.
pub(super) type Timers<const TIMERS: usize> = SpinLock<TimerQueue<TIMERS>>;

/// An empty timer queue.
pub(super) const fn new_timers<const TIMERS: usize>() -> Timers<TIMERS> {
    SpinLock::new(TimerQueue::new())
}

impl<const FDS: usize, const TIMERS: usize> Reactor<FDS, TIMERS> {
    /// Adds a timer; the returned handle cancels it.
    pub fn add_timer(
        &self,
        deadline: Instant,
        waker: &Waker,
    ) -> Result<TimerHandle, CapacityError> {
        let h = self.timers.lock().insert(deadline, waker.clone());
        match h {
            Ok(h) => Ok(h),
            Err(TimerError::Full) | Err(TimerError::Stale) => {
                Err(CapacityError::Timers { capacity: TIMERS })
            }
        }
    }

    /// Updates the waker of a pending timer; `false` if it already fired.
    pub fn update_timer(&self, handle: TimerHandle, waker: &Waker) -> bool {
        self.timers.lock().set_waker(handle, waker).is_ok()
    }

    /// Cancels a timer (no effect if it already fired).
    pub fn cancel_timer(&self, handle: TimerHandle) {
        let _ = self.timers.lock().cancel(handle);
    }

    /// How many timers are pending.
    pub fn timers(&self) -> usize {
        self.timers.lock().len()
    }

    /// The nearest timer deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.lock().next_deadline()
    }

    /// The `epoll_pwait` timeout of a park, in milliseconds, and the timer
    /// deadline it was computed from (hand it to [`fire_due`](Self::fire_due)
    /// after the wait). `blocking == false`: 0.
    ///
    /// Without a freestanding vDSO, reading the clock is a real syscall: an
    /// I/O-only loop (no timers, no caller timeout) never reads it, here or
    /// after the wait. (A timer another thread adds during the wait is found
    /// by the next park, whose timeout it bounds.)
    pub(super) fn park_timeout(
        &self,
        max_wait_ns: Option<u64>,
        blocking: bool,
    ) -> (i32, Option<Instant>) {
        let deadline = self.next_deadline();
        let timeout_ms = match (blocking, deadline, max_wait_ns) {
            (false, _, _) => 0,
            (true, None, None) => -1,
            (true, deadline, max_wait_ns) => {
                let now = Instant::now();
                let by_timer = deadline.map(|d| d.millis_until_ceil(now));
                let by_caller = max_wait_ns.map(|ns| {
                    Instant::from_nanos(now.as_nanos().saturating_add(ns)).millis_until_ceil(now)
                });
                match (by_timer, by_caller) {
                    (Some(a), Some(b)) => a.min(b),
                    (Some(a), None) | (None, Some(a)) => a,
                    (None, None) => -1,
                }
            }
        };
        (timeout_ms, deadline)
    }

    /// After a park's wait: fires the expired timers if the park saw a
    /// deadline (`deadline` from [`park_timeout`](Self::park_timeout)).
    pub(super) fn fire_due(&self, deadline: Option<Instant>) -> usize {
        if deadline.is_some() {
            self.fire_timers(Instant::now())
        } else {
            0
        }
    }

    /// Wakes every timer whose deadline has passed.
    pub fn fire_timers(&self, now: Instant) -> usize {
        let mut woken = 0;
        let mut batch = WakeBatch::new();
        loop {
            {
                let mut timers = self.timers.lock();
                while !batch.is_full() {
                    match timers.pop_expired_one(now) {
                        Some((_, w)) => batch.push(w),
                        None => break,
                    }
                }
            }
            if batch.is_empty() {
                return woken;
            }
            crate::trace!("timers: {} expired", batch.len());
            woken += batch.wake_all();
        }
    }
}

impl Instant {
    /// The current time on `CLOCK_MONOTONIC`.
    pub fn now() -> Instant {
        // CLOCK_MONOTONIC cannot fail for a valid clock id and pointer; if a
        // sandbox made it fail anyway, time standing still at 0 is safer than
        // a panic (timers then fire on the caller's timeout).
        let ts = sys::clock_gettime(sys::CLOCK_MONOTONIC).unwrap_or_default();
        Instant::from_nanos(ts.as_nanos())
    }

    /// Time since `self` (zero if `self` is in the future).
    pub fn elapsed(&self) -> crate::time::Duration {
        Instant::now().saturating_duration_since(*self)
    }
}

// ---- the timer futures -------------------------------------------------------

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
