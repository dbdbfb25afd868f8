//! Time on a microcontroller: [`now`], [`sleep`], [`sleep_until`] and
//! [`timeout`], driven by the board's hardware timer interrupt.
//!
//! Pending timers live in bitwake's static [`TimerQueue`] (no heap), shared
//! between tasks and the timer interrupt handler through a
//! `critical_section::Mutex`. A [`Sleep`] inserts its deadline and waker on
//! first poll and cancels it when dropped; the interrupt handler pops every
//! expired timer and wakes it — with bitwake's wakers that is setting the
//! task's ready bit, plus an unpark when the executor is asleep in `WFI`.
//!
//! The arch layer turns "the earliest deadline" into hardware: a compare
//! register where there is one (RISC-V `mtimecmp`), a check in the 1 kHz tick
//! otherwise (Cortex-M SysTick).

use crate::arch;
use bitwake::time::{Instant, TimerError, TimerHandle, TimerQueue};
use core::cell::RefCell;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::{Context, Poll};
use critical_section::Mutex;

pub use core::time::Duration;

/// How many timers can be pending at once. A [`Sleep`] that finds the queue
/// full still completes on time, by re-polling itself until its deadline
/// (busy, but never late and never lost).
pub const TIMER_SLOTS: usize = 16;

static QUEUE: Mutex<RefCell<TimerQueue<TIMER_SLOTS>>> = Mutex::new(RefCell::new(TimerQueue::new()));

/// Counters for tests and diagnostics (single writer: the timer handler,
/// so plain load/store is enough, also on cores without read-modify-write
/// atomics).
static TIMER_IRQS: AtomicU32 = AtomicU32::new(0);
static IRQ_WAKES: AtomicU32 = AtomicU32::new(0);

/// The current time on the board's monotonic clock (zero at start-up).
pub fn now() -> Instant {
    Instant::from_nanos(arch::now_ns())
}

/// How many times the timer interrupt handler found expired timers.
pub fn timer_interrupts() -> u32 {
    TIMER_IRQS.load(Ordering::Relaxed)
}

/// How many wakers the timer interrupt handler has woken.
pub fn interrupt_wakes() -> u32 {
    IRQ_WAKES.load(Ordering::Relaxed)
}

/// Re-arms the hardware for the earliest pending deadline.
fn rearm(q: &TimerQueue<TIMER_SLOTS>) {
    arch::set_alarm(q.next_deadline().map_or(u64::MAX, Instant::as_nanos));
}

/// Called by the arch layer's timer interrupt handler: wakes every expired
/// timer and arms the next deadline.
pub(crate) fn on_timer_interrupt() {
    let now = now();
    let woken = critical_section::with(|cs| {
        let mut q = QUEUE.borrow(cs).borrow_mut();
        // Waking only sets a ready bit (and maybe unparks): cheap enough to
        // do inside the critical section, and it never touches the queue.
        let n = q.pop_expired(now, |w| w.wake());
        rearm(&q);
        n as u32
    });
    TIMER_IRQS.store(TIMER_IRQS.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    IRQ_WAKES.store(IRQ_WAKES.load(Ordering::Relaxed) + woken, Ordering::Relaxed);
}

/// Waits until `duration` has passed.
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(now().saturating_add(duration))
}

/// Waits until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        handle: None,
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    deadline: Instant,
    handle: Option<TimerHandle>,
}

impl Sleep {
    /// When this sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    fn cancel(&mut self) {
        if let Some(h) = self.handle.take() {
            // A stale handle (the timer already fired) is fine to cancel.
            critical_section::with(|cs| drop(QUEUE.borrow(cs).borrow_mut().cancel(h)));
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if now() >= self.deadline {
            self.cancel();
            return Poll::Ready(());
        }
        let deadline = self.deadline;
        let handle = self.handle;
        let registered = critical_section::with(|cs| {
            let mut q = QUEUE.borrow(cs).borrow_mut();
            if let Some(h) = handle {
                match q.set_waker(h, cx.waker()) {
                    Ok(()) => return Some(h),
                    // Fired between our clock read and here: the waker was
                    // woken already, and the next poll sees the deadline
                    // passed. Fall through to re-insert, harmlessly.
                    Err(TimerError::Stale | TimerError::Full) => {}
                }
            }
            match q.insert(deadline, cx.waker().clone()) {
                Ok(h) => {
                    rearm(&q);
                    Some(h)
                }
                Err(_) => None,
            }
        });
        self.handle = registered;
        if registered.is_none() {
            // Queue full: poll again soon rather than miss the deadline.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// The error of [`timeout`]: the deadline passed first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed;

impl core::fmt::Display for Elapsed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl core::error::Error for Elapsed {}

/// Runs `future` for at most `duration`.
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep(duration),
    }
}

/// The future returned by [`timeout`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Timeout<F> {
    future: F,
    sleep: Sleep,
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of
        // `self`, and `Timeout` has no `Unpin` impl of its own or `Drop`
        // that would move it. `sleep` is `Unpin` and not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above; `this.future` stays where it is.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        if let Poll::Ready(v) = future.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        match Pin::new(&mut this.sleep).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    }
}
