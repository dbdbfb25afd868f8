//! The MPU guard of a running fiber (ARMv7-M PMSAv7, crate feature
//! `fiber-mpu-guard`).
//!
//! While a fiber runs, one MPU region ([`REGION`]) makes the lowest 32
//! aligned bytes of its stack no-access, so the first write past the end of
//! the stack faults instead of corrupting what lies below it. The MPU is on
//! with `PRIVDEFENA`: everything else keeps the default memory map. The
//! region is programmed by the parent right before the switch into the fiber
//! and put back (the guard of the fiber that was running before, or none)
//! right after the switch out, so a stack is only guarded while its own
//! fiber runs — its owner paints it and reads its canary freely.
//!
//! Fibers run on the process stack pointer (see `arch/arm.rs`), exception
//! handlers on the main one: the exception entry of a fault taken on an
//! overflowing fiber stacks onto the guard and fails (`MSTKERR`), and the
//! handler still has a good stack to report from. The report is the fault
//! handler's job: [`guard_hit`] tells it whether the fault was a fiber's
//! guard.
//!
//! Requirements: privileged thread mode (the default after reset), region 7
//! left to bitwake, `MPU_CTRL.HFNMIENA` clear (HardFault runs with the MPU
//! off). The canary is still checked at every switch.

use super::control::Control;
use core::arch::asm;
use core::ptr::{null_mut, read_volatile, write_volatile};
use core::sync::atomic::{AtomicPtr, Ordering::Relaxed};

/// The MPU region bitwake takes: the highest of the eight every PMSAv7 MPU
/// has, so it wins over any region that overlaps it.
pub const REGION: u32 = 7;
/// Size of the guard, the smallest PMSAv7 region.
pub const GUARD_BYTES: usize = 32;

const MPU_CTRL: *mut u32 = 0xe000_ed94 as *mut u32;
const MPU_RNR: *mut u32 = 0xe000_ed98 as *mut u32;
const MPU_RBAR: *mut u32 = 0xe000_ed9c as *mut u32;
const MPU_RASR: *mut u32 = 0xe000_eda0 as *mut u32;
const CFSR: *const u32 = 0xe000_ed28 as *const u32;
const MMFAR: *const u32 = 0xe000_ed34 as *const u32;

/// `MPU_CTRL`: ENABLE | PRIVDEFENA.
const CTRL_ON: u32 = 0b101;
/// `MPU_RBAR`: the VALID bit (the region number comes with the address).
const RBAR_VALID: u32 = 1 << 4;
/// `MPU_RASR`: XN, AP = no access, SIZE = 4 (2^5 = 32 bytes), ENABLE.
const RASR_GUARD: u32 = (1 << 28) | (4 << 1) | 1;
/// `CFSR.MMFSR`: DACCVIOL, MSTKERR, MMARVALID.
const DACCVIOL: u32 = 1 << 1;
const MSTKERR: u32 = 1 << 4;
const MMARVALID: u32 = 1 << 7;

/// The fiber whose guard is programmed (null: none).
static GUARDED: AtomicPtr<Control> = AtomicPtr::new(null_mut());

/// The guard's base: the stack's bottom rounded up to 32 bytes.
fn guard_base(bottom: *mut u8) -> usize {
    (bottom as usize + GUARD_BYTES - 1) & !(GUARD_BYTES - 1)
}

/// Guards `ctl`'s stack; returns the fiber guarded before (for
/// [`restore`]).
///
/// # Safety
/// `ctl` is a placed frame whose fiber is about to be resumed; no code but
/// that fiber's touches the guard while it runs.
#[inline(always)]
pub(crate) unsafe fn guard(ctl: *mut Control) -> *mut Control {
    let prev = GUARDED.load(Relaxed);
    GUARDED.store(ctl, Relaxed);
    // SAFETY: `ctl` is alive (the caller's contract). The MPU registers are
    // the architecture's; writing RBAR with VALID selects region 7.
    unsafe {
        program(guard_base((*ctl).stack.bottom));
    }
    prev
}

/// Puts back the guard of `prev` (a fiber that resumed the one switched out
/// of, or null) after a switch out.
///
/// # Safety
/// `prev` is what [`guard`] returned for the switch that just ended.
#[inline(always)]
pub(crate) unsafe fn restore(prev: *mut Control) {
    GUARDED.store(prev, Relaxed);
    // SAFETY: `prev`, when not null, is a fiber that is running (it resumed
    // the one that just switched out), so its frame is alive.
    unsafe {
        if prev.is_null() {
            write_volatile(MPU_RNR, REGION);
            write_volatile(MPU_RASR, 0);
            barrier();
        } else {
            program(guard_base((*prev).stack.bottom));
        }
    }
}

/// Region 7 := no access at `base .. base + 32`, MPU on with the default map
/// behind it.
///
/// # Safety
/// `base .. base + 32` is memory no one but the fiber about to run uses.
#[inline(always)]
unsafe fn program(base: usize) {
    // SAFETY: the caller's contract; these are the PMSAv7 MPU's registers
    // (the feature is for cores that have one), written in privileged mode.
    unsafe {
        write_volatile(MPU_RBAR, base as u32 | RBAR_VALID | REGION);
        write_volatile(MPU_RASR, RASR_GUARD);
        write_volatile(MPU_CTRL, CTRL_ON);
    }
    barrier();
}

/// The new MPU setting holds for the next access and instruction fetch.
#[inline(always)]
fn barrier() {
    // SAFETY: barriers only.
    unsafe { asm!("dsb", "isb", options(nostack, preserves_flags)) };
}

/// A fiber that ran into its guard: what its overflow report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardHit {
    /// The fiber's number (as in every overflow report).
    pub id: u32,
    /// Its stack's size in bytes.
    pub stack_size: usize,
}

/// For a HardFault (or MemManage) handler: whether the fault being handled
/// is the running fiber hitting its stack guard — a write into the guard,
/// or the exception entry failing to stack below the fiber's stack pointer
/// (`MSTKERR`). The handler then reports `fiber N overflowed its S-byte
/// stack` and stops the program (it cannot go on: the fiber's frames are
/// gone).
pub fn guard_hit() -> Option<GuardHit> {
    let ctl = GUARDED.load(Relaxed);
    if ctl.is_null() {
        return None;
    }
    // SAFETY: system control registers, readable in a handler; `ctl` is the
    // running fiber's frame, alive while it runs.
    unsafe {
        let cfsr = read_volatile(CFSR);
        let base = guard_base((*ctl).stack.bottom);
        let in_guard = cfsr & (DACCVIOL | MMARVALID) == DACCVIOL | MMARVALID
            && (base..base + GUARD_BYTES).contains(&(read_volatile(MMFAR) as usize));
        (in_guard || cfsr & MSTKERR != 0).then(|| GuardHit {
            id: (*ctl).id,
            stack_size: (*ctl).stack.size,
        })
    }
}
