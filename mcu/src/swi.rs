//! A software interrupt: an interrupt handler that code can trigger itself
//! (Cortex-M PendSV, RISC-V machine software interrupt). Useful to run
//! interrupt-context code on demand — the test suites use it to wake a task
//! from a genuine interrupt handler while the executor sleeps in `WFI` —
//! and to defer work from a high-priority handler.

use core::sync::atomic::{AtomicPtr, Ordering};

static HANDLER: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Installs the function the software interrupt runs (in interrupt context).
pub fn set_handler(handler: fn()) {
    HANDLER.store(handler as *mut (), Ordering::Release);
}

/// Triggers the software interrupt: the handler runs as soon as interrupts
/// are enabled (at once, if they are).
pub fn pend() {
    crate::arch::pend_swi();
}

pub(crate) fn on_software_interrupt() {
    let p = HANDLER.load(Ordering::Acquire);
    if !p.is_null() {
        // SAFETY: the only non-null value stored is a `fn()` (set_handler);
        // fn and data pointers have the same size on these targets.
        let f = unsafe { core::mem::transmute::<*mut (), fn()>(p) };
        f();
    }
}
