//! The executor's park seam on a microcontroller: sleep in `WFI`.
//!
//! bitwake's executor calls [`Park::park`] only after it has announced that
//! it is parking and re-checked that no task is ready; a waker that sees the
//! announcement calls [`Park::unpark`] (at most once per park). Here `unpark`
//! sets a latch, and `park` checks the latch and executes `WFI` with
//! interrupts masked, so an unpark from an interrupt handler either lands
//! before the check (no sleep) or leaves its interrupt pending, which ends
//! the `WFI` (see the arch modules). An unpark from the executor's own
//! thread context (a task waking another) never needs to interrupt a sleep:
//! the executor is not asleep while a task runs.

use bitwake::executor::{Awake, Park};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

static UNPARKED: AtomicBool = AtomicBool::new(false);
static PARKS: AtomicU32 = AtomicU32::new(0);

/// `WFI`-based [`Park`] for bitwake's executor on Cortex-M and RISC-V.
#[derive(Debug, Default, Clone, Copy)]
pub struct WfiPark;

/// The park of this platform, for `Executor::new(&bitwake_mcu::PARK)`.
pub static PARK: WfiPark = WfiPark;

impl Park for WfiPark {
    fn park(&self, _timeout: Option<u64>) {
        // Timers are the time driver's business: its interrupt ends the WFI.
        // Only the executor's thread parks, so load/store is enough here
        // (also on cores without read-modify-write atomics).
        PARKS.store(
            PARKS.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Relaxed,
        );
        crate::arch::park(&UNPARKED);
    }

    fn unpark(&self) {
        UNPARKED.store(true, Ordering::Release);
    }
}

pub(crate) fn park_fn(timeout: Option<u64>, _awake: &Awake<'_>) {
    PARK.park(timeout)
}

pub(crate) fn unpark_fn() {
    PARK.unpark()
}

/// How many times the executor has parked (entered the idle path).
pub fn parks() -> u32 {
    PARKS.load(Ordering::Relaxed)
}

/// Whether the executor is asleep in `WFI` right now. An interrupt handler
/// that sees `true` is the one that woke the core.
pub fn sleeping() -> bool {
    crate::arch::sleeping()
}
