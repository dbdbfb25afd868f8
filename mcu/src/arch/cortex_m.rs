//! Cortex-M (ARMv6-M, ARMv7-M, ARMv7E-M): SysTick time base, `WFI` park,
//! PendSV as the software interrupt.
//!
//! # Time: a 1 kHz SysTick
//!
//! SysTick is a 24-bit down-counter with one interrupt, on wrap; it has no
//! compare register, so it cannot be told "interrupt at time T" for an
//! arbitrary T (a reload of 2^24 core cycles is 0.7 s at 25 MHz). It therefore
//! runs as a fixed 1 kHz tick counted in a 64-bit software counter, and
//! [`now_ns`] adds the cycles elapsed within the current tick, so the clock
//! has core-cycle resolution while timers fire with 1 ms granularity. The
//! tick handler costs a compare per millisecond and only touches the timer
//! queue when the armed deadline has passed. (A tickless variant that
//! reprograms the reload is possible; it trades this constant small cost
//! for drift handling on every reprogram, and is not worth it here.)

use core::cell::Cell;
use core::sync::atomic::{AtomicBool, Ordering};
use cortex_m::peripheral::{SCB, SYST, syst::SystClkSource};
use critical_section::Mutex;

/// SysTick interrupts per second.
const TICK_HZ: u64 = 1000;
/// Core cycles per tick.
const CYCLES_PER_TICK: u64 = crate::TIMER_HZ / TICK_HZ;
const NS_PER_TICK: u64 = 1_000_000_000 / TICK_HZ;
/// Nanoseconds per core cycle in 32.32 fixed point: converting the cycles
/// within a tick is then a multiply and a shift, not a 64-bit division
/// (a ~900-byte library routine on Cortex-M). `in_tick < CYCLES_PER_TICK`
/// keeps the product below 1e6 * 2^32 < 2^52; the result is exact to < 1 ns.
const NS_PER_CYCLE_Q32: u64 = (1_000_000_000u64 << 32) / crate::TIMER_HZ;
const _: () = assert!(
    CYCLES_PER_TICK >= 1 && CYCLES_PER_TICK <= 1 << 24,
    "SysTick reload out of range for this clock"
);

/// Whole ticks since `init`.
static TICKS: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));
/// The earliest timer deadline, in ns (`u64::MAX`: none).
static ALARM: Mutex<Cell<u64>> = Mutex::new(Cell::new(u64::MAX));

pub(crate) fn init_timer() {
    // SAFETY: SysTick is owned by this time driver (documented in the crate
    // docs); `init` runs once, before the handler is enabled, so nothing else
    // touches the registers concurrently.
    let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
    syst.disable_counter();
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload((CYCLES_PER_TICK - 1) as u32);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Nanoseconds since `init`.
pub(crate) fn now_ns() -> u64 {
    critical_section::with(|cs| {
        let mut ticks = TICKS.borrow(cs).get();
        let mut cvr = SYST::get_current() as u64;
        // The counter wrapped but its interrupt has not run yet (we are in a
        // critical section, or it is just being taken): count that tick
        // ourselves, and re-read so the in-tick part is after the wrap.
        if SCB::is_pendst_pending() {
            ticks += 1;
            cvr = SYST::get_current() as u64;
        }
        let in_tick = (CYCLES_PER_TICK - 1).saturating_sub(cvr);
        ticks * NS_PER_TICK + ((in_tick * NS_PER_CYCLE_Q32) >> 32)
    })
}

/// Arms the timer interrupt for `deadline_ns`, unless an earlier deadline
/// is armed already (see the `time` module: only the handler disarms).
pub(crate) fn set_alarm(deadline_ns: u64) {
    critical_section::with(|cs| {
        let alarm = ALARM.borrow(cs);
        alarm.set(alarm.get().min(deadline_ns));
    });
}

/// SysTick exception handler (the symbol cortex-m-rt's vector table names).
///
/// # Safety
/// Called by the hardware only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SysTick() {
    let due = critical_section::with(|cs| {
        let t = TICKS.borrow(cs);
        t.set(t.get() + 1);
        // The tick boundary just passed: `now` is at least this. A due
        // alarm is disarmed here, in the same critical section, so a timer
        // inserted from now on arms it again.
        let alarm = ALARM.borrow(cs);
        let due = t.get() * NS_PER_TICK >= alarm.get();
        if due {
            alarm.set(u64::MAX);
        }
        due
    });
    if due {
        crate::time::on_timer_interrupt();
    }
}

/// Set while the executor is parked (asleep in `WFI`, or between two `WFI`s
/// while a handler that woke no task runs); an interrupt handler that reads
/// it `true` interrupted the executor's sleep.
static SLEEPING: AtomicBool = AtomicBool::new(false);

pub(crate) fn sleeping() -> bool {
    SLEEPING.load(Ordering::Relaxed)
}

/// Sleeps in `WFI` until `unparked` is set (then consumes it).
///
/// The check and the `WFI` happen with interrupts masked (PRIMASK): an
/// interrupt that arrives in between stays pending, and a pending interrupt
/// wakes `WFI` even while masked, so no wake-up can slip between the check
/// and the sleep. The handler then runs as soon as PRIMASK is restored.
pub(crate) fn park(unparked: &AtomicBool) {
    let was_active = cortex_m::register::primask::read().is_active();
    // Interrupt handlers that run while we are in this loop see `true`.
    SLEEPING.store(true, Ordering::Relaxed);
    loop {
        cortex_m::interrupt::disable();
        if unparked.load(Ordering::Acquire) {
            unparked.store(false, Ordering::Relaxed);
            if was_active {
                // SAFETY: interrupts were enabled when we were called; this
                // only restores that state.
                unsafe { cortex_m::interrupt::enable() };
            }
            break;
        }
        cortex_m::asm::wfi();
        if !was_active {
            // The caller had interrupts masked: no handler can run and set
            // `unparked`, so return (spuriously) instead of looping.
            break;
        }
        // SAFETY: as above; the pending handler runs now.
        unsafe { cortex_m::interrupt::enable() };
        // Loop: go back to sleep unless that handler unparked us. Interrupts
        // that woke no task (the SysTick tick, mostly) would only make the
        // executor scan for nothing.
    }
    SLEEPING.store(false, Ordering::Relaxed);
}

pub(crate) fn init_swi() {
    // PendSV needs no enabling: it is a system exception, taken when pended.
}

/// Pends the software interrupt (PendSV).
pub(crate) fn pend_swi() {
    SCB::set_pendsv();
}

/// PendSV exception handler: the software interrupt.
///
/// # Safety
/// Called by the hardware only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PendSV() {
    crate::swi::on_software_interrupt();
}
