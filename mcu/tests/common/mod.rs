//! What every on-target suite needs before its first test: the runtime
//! crates linked, panic messages and failed results on semihosting stderr,
//! faults reported at once, the counter helper of single-context code, a
//! waker that pends the software interrupt and the arming of a sleep with a
//! foreign waker.
//!
//! A suite includes it with `mod common;` (a folder, so cargo does not build
//! it as a suite of its own).

use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::{Context, RawWaker, RawWakerVTable, Waker};

// The runtime crates must be linked (vector table, reset handler) even
// though nothing here names them.
#[cfg(target_arch = "arm")]
use cortex_m_rt as _;
#[cfg(target_arch = "riscv32")]
use riscv_rt as _;

/// Panic messages and failed test results reach the host through
/// semihosting stderr.
struct SemihostingLogger;

impl log::Log for SemihostingLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        semihosting::eprintln!("[{}] {}", record.level(), record.args());
    }
    fn flush(&self) {}
}

static LOGGER: SemihostingLogger = SemihostingLogger;

#[embedded_test::setup]
fn setup() {
    // SAFETY: runs first thing on every boot, single-threaded, before any
    // logging; `set_logger_racy` is the variant for cores without
    // compare-and-swap (thumbv6m).
    unsafe {
        let _ = log::set_logger_racy(&LOGGER);
        log::set_max_level_racy(log::LevelFilter::Info);
    }
}

/// A fault is a failed test, reported at once instead of a hang until the
/// timeout. A fiber that ran into its MPU stack guard is reported as such
/// (the check returns at once for every other fault, and on boards without
/// the guard).
#[cfg(target_arch = "arm")]
#[cortex_m_rt::exception]
unsafe fn HardFault(frame: &cortex_m_rt::ExceptionFrame) -> ! {
    bitwake_mcu::fault::report_fiber_overflow();
    semihosting::eprintln!("HardFault at pc={:#x}", frame.pc());
    semihosting::process::abort()
}

/// Adds one to a counter and returns the new value, with a load and a store
/// only: thumbv6m has no read-modify-write atomics, and each counter is
/// written from one context at a time (one executor thread, or one
/// interrupt handler).
#[allow(dead_code, reason = "not every suite counts events")]
pub fn bump(c: &AtomicU32) -> u32 {
    let v = c.load(Ordering::Relaxed) + 1;
    c.store(v, Ordering::Relaxed);
    v
}

/// A foreign waker whose `wake` pends the software interrupt.
#[allow(dead_code, reason = "not every suite uses the software interrupt")]
pub fn swi_waker() -> Waker {
    const VTABLE: RawWakerVTable = RawWakerVTable::new(
        |_| RawWaker::new(core::ptr::null(), &VTABLE),
        |_| bitwake_mcu::swi::pend(),
        |_| bitwake_mcu::swi::pend(),
        |_| {},
    );
    // SAFETY: the vtable functions ignore the data pointer and are all
    // callable from any context (pending an interrupt is a register write).
    unsafe { Waker::from_raw(RawWaker::new(core::ptr::null(), &VTABLE)) }
}

/// Polls `alarm` (a pinned sleep) once with `waker`, which the timer
/// interrupt handler then wakes when the sleep ends, and checks that the
/// sleep is still pending.
#[allow(dead_code, reason = "not every suite arms a foreign waker")]
pub fn arm_with(alarm: Pin<&mut impl Future>, waker: &Waker) {
    assert!(alarm.poll(&mut Context::from_waker(waker)).is_pending());
}
