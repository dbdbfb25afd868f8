//! bitwake's time driver on the board's hardware timer, and its counters.
//!
//! [`McuClock`] implements [`bitwake::time::Driver`]: `now` reads the timer
//! (the SysTick tick count plus the cycles within the tick on Cortex-M,
//! `mtime` on RISC-V) and `set_alarm` arms the timer interrupt for the
//! earliest pending deadline — `mtimecmp` on RISC-V, a deadline the 1 kHz
//! SysTick handler compares against on Cortex-M. The interrupt handler calls
//! [`bitwake::time::driver::on_alarm`], which wakes every expired timer
//! (with bitwake's wakers: sets the task's ready bit, plus an unpark when
//! the executor sleeps in `WFI`) and re-arms the alarm for the next one.
//!
//! `sleep`, `timeout`, `interval` and `Instant::now` are bitwake's own
//! (`bitwake::time`), the same on every platform.
//!
//! # The armed deadline only moves earlier
//!
//! `set_alarm` keeps the earlier of the armed deadline and the new one; only
//! the interrupt handler disarms (before it fires the timers, which re-arm
//! for the next). So a stale call — a task that inserted the earliest timer
//! and was interrupted before its `set_alarm`, or the handler re-arming for
//! a deadline while a higher-priority handler inserted an earlier one — can
//! at worst cause one spurious interrupt, never a late timer.

use crate::arch;
use bitwake::time::{Driver, Instant};
use core::sync::atomic::{AtomicU32, Ordering};

/// The board's clock and alarm, as bitwake's [`Driver`]. Registered with
/// `bitwake::time_driver!` by this crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct McuClock;

/// The registered driver.
pub static CLOCK: McuClock = McuClock;

impl Driver for McuClock {
    #[inline]
    fn now(&self) -> Instant {
        Instant::from_nanos(arch::now_ns())
    }

    #[inline]
    fn set_alarm(&self, deadline: Instant) {
        arch::set_alarm(deadline.as_nanos());
    }
}

bitwake::time_driver!(CLOCK);

/// Counters for tests and diagnostics (single writer: the timer handler,
/// so plain load/store is enough, also on cores without read-modify-write
/// atomics).
static TIMER_IRQS: AtomicU32 = AtomicU32::new(0);
static IRQ_WAKES: AtomicU32 = AtomicU32::new(0);

/// How many times the timer interrupt handler found the armed deadline due.
pub fn timer_interrupts() -> u32 {
    TIMER_IRQS.load(Ordering::Relaxed)
}

/// How many wakers the timer interrupt handler has woken.
pub fn interrupt_wakes() -> u32 {
    IRQ_WAKES.load(Ordering::Relaxed)
}

/// Called by the arch layer's timer interrupt handler once it has disarmed
/// the alarm: fires the expired timers, which re-arms the next deadline.
pub(crate) fn on_timer_interrupt() {
    let woken = bitwake::time::driver::on_alarm() as u32;
    TIMER_IRQS.store(TIMER_IRQS.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    IRQ_WAKES.store(
        IRQ_WAKES.load(Ordering::Relaxed).wrapping_add(woken),
        Ordering::Relaxed,
    );
}
