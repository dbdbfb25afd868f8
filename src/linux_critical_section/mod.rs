//! The `critical-section` crate's implementation for Linux (feature
//! `linux-critical-section`), so crates built on it — embassy-sync's
//! `CriticalSectionRawMutex`, and anything else that calls
//! `critical_section::with` — run on bitwake unmodified.
//!
//! A critical section on Linux must exclude two kinds of intruder:
//!
//! * **Other threads**: one process-wide lock word holds the owner's thread
//!   id (`0` = free). Acquiring spins on it; sections are short by contract.
//! * **Signal handlers on the holder's own thread**: a handler that enters a
//!   critical section while its thread holds the lock would spin forever on
//!   itself. So every blockable signal is blocked *before* the lock is taken
//!   and the old mask is restored only *after* it is released: no handler can
//!   run on a thread while that thread holds the lock. A handler on another
//!   thread just waits its turn like any thread.
//!
//! Sections nest (the crate's contract): a thread that already owns the lock
//! does not take it again. The owner check needs no signal masking: if the
//! lock word holds our id we hold the lock, so our signals are already
//! blocked; if it does not, a handler that interrupts the check may take and
//! release the lock but leaves it not ours again.
//!
//! The restore state (`u64`, feature `restore-state-u64`) carries the signal
//! mask to put back, or [`NESTED`] for an inner section (nothing to undo), or
//! [`UNMASKED`] if blocking failed (unlock only). Neither marker can be a real
//! mask: both have the SIGKILL bit set, which the kernel never reports as
//! blocked, and the bit is cleared from every mask kept here anyway.
//!
//! Cost: `gettid` and two `rt_sigprocmask` calls per outermost section, plus
//! one uncontended compare-and-swap. That is what signal safety costs without
//! thread-local storage; bitwake's own `sync` types use their own lock and do
//! not pay it.
// Not under loom: `tests/critical_section_loom.rs` models `owner.rs` on its
// own (loom's atomics cannot sit in a `static`).
#![cfg(all(
    feature = "linux-critical-section",
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(loom)
))]

mod owner;

use crate::sys;
use owner::OwnerLock;

/// The one lock of every critical section in the process.
static OWNER: OwnerLock = OwnerLock::new();

/// Signals the kernel never lets a thread block.
const UNBLOCKABLE: u64 = sys::sigmask(sys::SIGKILL) | sys::sigmask(SIGSTOP);
/// `SIGSTOP` (19 on x86-64 and aarch64).
const SIGSTOP: u32 = 19;

/// Restore state of a nested section: release does nothing.
const NESTED: u64 = u64::MAX;
/// Restore state of an outermost section whose signals could not be
/// blocked: release only unlocks.
const UNMASKED: u64 = sys::sigmask(sys::SIGKILL);

struct LinuxCriticalSection;
critical_section::set_impl!(LinuxCriticalSection);

// SAFETY: `acquire` returns only once this thread holds `OWNER` (or already
// held it: nested), with every blockable signal blocked, so no other thread
// and no signal handler of this thread can be inside a section until the
// matching outermost `release`, which unlocks before unmasking.
unsafe impl critical_section::Impl for LinuxCriticalSection {
    unsafe fn acquire() -> critical_section::RawRestoreState {
        let me = sys::gettid();
        if OWNER.held_by(me) {
            return NESTED;
        }
        // Block first, then lock: a handler must never find its own thread
        // holding the lock.
        let restore = match sys::rt_sigprocmask(sys::SIG_BLOCK, Some(!0)) {
            Ok(old) => old & !UNBLOCKABLE,
            Err(_) => UNMASKED,
        };
        OWNER.lock(me);
        restore
    }

    unsafe fn release(restore: critical_section::RawRestoreState) {
        if restore == NESTED {
            return;
        }
        // Unlock before unmasking: a handler that runs as soon as its signal
        // is unblocked may enter a section itself.
        OWNER.unlock();
        if restore != UNMASKED {
            // Cannot fail for SIG_SETMASK with a valid set; if it did, the
            // signals would stay blocked, which is safe.
            let _ = sys::rt_sigprocmask(sys::SIG_SETMASK, Some(restore));
        }
    }
}
