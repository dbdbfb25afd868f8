//! RISC-V in machine mode on a CLINT (QEMU `virt`, SiFive cores): `mtime` /
//! `mtimecmp` time base, `WFI` park, the machine software interrupt (`msip`).
//!
//! # Time: tickless
//!
//! `mtime` is a free-running 64-bit counter and `mtimecmp` raises the machine
//! timer interrupt while `mtime >= mtimecmp`, so the driver programs
//! `mtimecmp` to the earliest deadline and sleeps until exactly then: no
//! periodic tick. The interrupt is level-triggered on the comparison, so a
//! deadline that is already past when it is programmed fires at once — there
//! is no window in which a wake-up can be lost.

use core::cell::Cell;
use core::sync::atomic::{AtomicBool, Ordering};
use critical_section::Mutex;

/// CLINT register addresses on QEMU `virt` (hart 0).
const MSIP: *mut u32 = 0x0200_0000 as *mut u32;
const MTIMECMP: *mut u32 = 0x0200_4000 as *mut u32;
const MTIME: *const u32 = 0x0200_bff8 as *const u32;

/// Reads the 64-bit `mtime` with two 32-bit reads (RV32), retrying when the
/// high half changed in between.
fn mtime() -> u64 {
    loop {
        // SAFETY: MTIME is the CLINT's always-readable mtime register on this
        // board (address from the board's memory map); volatile MMIO reads.
        let (hi, lo, hi2) = unsafe {
            (
                MTIME.add(1).read_volatile(),
                MTIME.read_volatile(),
                MTIME.add(1).read_volatile(),
            )
        };
        if hi == hi2 {
            return (hi as u64) << 32 | lo as u64;
        }
    }
}

fn write_mtimecmp(value: u64) {
    // SAFETY: MTIMECMP is hart 0's compare register, owned by this driver.
    // Writing the low word to all-ones first means no intermediate value of
    // the 64-bit register is ever below both the old and the new one, so no
    // spurious interrupt is raised mid-update (the RISC-V spec's recipe).
    unsafe {
        MTIMECMP.write_volatile(u32::MAX);
        MTIMECMP.add(1).write_volatile((value >> 32) as u32);
        MTIMECMP.write_volatile(value as u32);
    }
}

pub(crate) fn init_timer() {
    // Whatever was armed so far (nothing, unless a timer was polled before
    // `init`) stays armed.
    critical_section::with(|cs| write_mtimecmp(ARMED.borrow(cs).get()));
    // SAFETY: enables the machine timer interrupt and interrupts globally;
    // the handler below is ready, and nothing runs in a critical section yet.
    unsafe {
        riscv::register::mie::set_mtimer();
        riscv::interrupt::machine::enable();
    }
}

/// `mtime` ticks to nanoseconds.
fn ticks_to_ns(t: u64) -> u64 {
    if 1_000_000_000 % crate::TIMER_HZ == 0 {
        t.saturating_mul(1_000_000_000 / crate::TIMER_HZ)
    } else {
        (t as u128 * 1_000_000_000 / crate::TIMER_HZ as u128).min(u64::MAX as u128) as u64
    }
}

/// Nanoseconds to `mtime` ticks, rounded up (never fire early).
fn ns_to_ticks_ceil(ns: u64) -> u64 {
    const NS_PER_TICK: u64 = 1_000_000_000 / crate::TIMER_HZ;
    if 1_000_000_000 % crate::TIMER_HZ == 0 && NS_PER_TICK < 1 << 16 {
        // The common case (100 ns per tick on `virt`): a 64-bit division
        // would pull in a ~1.2 KiB library routine on RV32, so divide in
        // 16-bit steps with the hardware's 32-bit `divu`/`remu`.
        let (q, r) = div_u64_by_u16(ns, NS_PER_TICK as u32);
        q + (r != 0) as u64
    } else {
        ((ns as u128 * crate::TIMER_HZ as u128).div_ceil(1_000_000_000)).min(u64::MAX as u128)
            as u64
    }
}

/// `n / d` and `n % d` for a divisor below 2^16, by schoolbook long
/// division in base 2^16: each step divides a value below `d << 16`, which
/// fits in 32 bits.
fn div_u64_by_u16(n: u64, d: u32) -> (u64, u32) {
    let (mut q, mut r) = (0u64, 0u32);
    for shift in [48, 32, 16, 0] {
        let cur = (r << 16) | ((n >> shift) as u32 & 0xffff);
        q = (q << 16) | (cur / d) as u64;
        r = cur % d;
    }
    (q, r)
}

/// Nanoseconds since reset.
pub(crate) fn now_ns() -> u64 {
    ticks_to_ns(mtime())
}

/// What `mtimecmp` holds (`u64::MAX`: disarmed), so arming compares
/// without an MMIO read. Changed only inside a critical section.
static ARMED: Mutex<Cell<u64>> = Mutex::new(Cell::new(u64::MAX));

/// Programs the timer interrupt for `deadline_ns`, unless an earlier
/// deadline is armed already (see the `time` module: only the handler
/// disarms).
pub(crate) fn set_alarm(deadline_ns: u64) {
    let ticks = if deadline_ns == u64::MAX {
        u64::MAX
    } else {
        ns_to_ticks_ceil(deadline_ns)
    };
    critical_section::with(|cs| {
        let armed = ARMED.borrow(cs);
        if ticks < armed.get() {
            armed.set(ticks);
            write_mtimecmp(ticks);
        }
    });
}

/// Machine timer interrupt handler (the symbol riscv-rt's dispatcher calls).
#[unsafe(no_mangle)]
pub extern "C" fn MachineTimer() {
    // Silence the level-triggered interrupt first; `on_timer_interrupt`
    // re-arms it for the next deadline.
    critical_section::with(|cs| {
        ARMED.borrow(cs).set(u64::MAX);
        write_mtimecmp(u64::MAX);
    });
    crate::time::on_timer_interrupt();
}

/// Set while the executor is parked (see the Cortex-M module).
static SLEEPING: AtomicBool = AtomicBool::new(false);

pub(crate) fn sleeping() -> bool {
    SLEEPING.load(Ordering::Relaxed)
}

/// Sleeps in `WFI` until `unparked` is set (then consumes it).
///
/// `mstatus.MIE` is cleared around the check and the `WFI`: an interrupt
/// that arrives in between stays pending, and `WFI` resumes on any pending
/// interrupt enabled in `mie` regardless of `mstatus.MIE` (privileged spec),
/// so no wake-up is lost. The handler runs once `MIE` is set again.
pub(crate) fn park(unparked: &AtomicBool) {
    let was_enabled = riscv::register::mstatus::read().mie();
    // Interrupt handlers that run while we are in this loop see `true`.
    SLEEPING.store(true, Ordering::Relaxed);
    loop {
        riscv::interrupt::machine::disable();
        if unparked.load(Ordering::Acquire) {
            unparked.store(false, Ordering::Relaxed);
            if was_enabled {
                // SAFETY: interrupts were enabled when we were called; this
                // only restores that state.
                unsafe { riscv::interrupt::machine::enable() };
            }
            break;
        }
        riscv::asm::wfi();
        if !was_enabled {
            // The caller had interrupts masked: no handler can run and set
            // `unparked`, so return (spuriously) instead of looping.
            break;
        }
        // SAFETY: as above; the pending handler runs now.
        unsafe { riscv::interrupt::machine::enable() };
        // Loop: go back to sleep unless that handler unparked us. Interrupts
        // that woke no task would only make the
        // executor scan for nothing.
    }
    SLEEPING.store(false, Ordering::Relaxed);
}

pub(crate) fn init_swi() {
    // SAFETY: enables the machine software interrupt, whose handler is below.
    unsafe { riscv::register::mie::set_msoft() };
}

/// Raises the machine software interrupt (CLINT `msip` of hart 0).
pub(crate) fn pend_swi() {
    // SAFETY: hart 0's msip register; writing 1 pends the interrupt.
    unsafe { MSIP.write_volatile(1) };
}

/// Machine software interrupt handler.
#[unsafe(no_mangle)]
pub extern "C" fn MachineSoft() {
    // SAFETY: clearing msip acknowledges the interrupt (level-triggered).
    unsafe { MSIP.write_volatile(0) };
    crate::swi::on_software_interrupt();
}
