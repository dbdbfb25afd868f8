//! "Which executor is running on this thread, outside any handler?" — the
//! test that lets a wake take the plain path (`plain_word.rs`).
//!
//! [`current`] returns the executor whose run loop is active on the calling
//! thread (between the start of `block_on` and its shutdown, except while it
//! parks), or null: on another thread, while parked, or where the platform
//! gives no sound answer. A wake whose pool is bound to [`current`] sets
//! the executor-private bits with single-instruction updates and skips the
//! unpark (the executor is awake: it is this thread); every other wake is the
//! atomic `ready.rs` protocol. Being wrong in the "null" direction only costs
//! speed; being wrong in the other direction would let two threads update the
//! private words, so every platform answers null when it cannot be sure.
//!
//! Where the answer comes from:
//!
//! * **hosted, feature `std`** (and host unit tests): a `thread_local!` cell
//!   with a const initialiser (no lazy set-up, so it is readable from a
//!   signal handler). In a libc process the thread pointer belongs to libc,
//!   so bitwake's own thread block cannot be used there.
//! * **freestanding Linux, feature `rt`**: the thread-control block behind
//!   the thread pointer (`thread/block.rs`), which start-up installs for the
//!   main thread and `clone` for every bitwake thread. Before start-up has
//!   installed it, null.
//! * **Cortex-M with feature `single-core`**: one global, and null whenever
//!   `IPSR != 0` (an exception or interrupt handler is running). The
//!   executor runs in thread mode; any handler that preempts it (including
//!   nested ones) reads a non-zero `IPSR` and takes the atomic path, so
//!   handlers never touch the private words at all. The global is only
//!   sound if one core runs bitwake code, and (on thumbv6m, whose private
//!   words are updated with a plain load and store) if nothing switches
//!   between threads in thread mode (a preemptive RTOS); the feature
//!   asserts both.
//! * **RISC-V with the A extension and feature `single-core`** (one hart):
//!   one global, read by trap handlers too. No "inside a trap?" flag is
//!   needed, nor could bitwake trust one (the trap entry belongs to
//!   `riscv-rt`, and `mstatus.MIE` does not tell: a handler may re-enable
//!   interrupts, thread code may disable them): a handler that interrupts
//!   the executor may take the plain path exactly as a Linux signal handler
//!   may (below), since every private-word update there is one `amoor.w` /
//!   `amoand.w`.
//! * **everything else** (RISC-V without the A extension, multi-core
//!   Cortex-M or RISC-V without `single-core`, other hosts): null. Without
//!   the A extension a private-word update is a load and a store, which a
//!   trap handler could split, and there is no trustworthy trap flag.
//!
//! # Signal handlers on the owner thread (Linux), trap handlers (RISC-V)
//!
//! A handler can interrupt the executor anywhere, including in the middle of
//! a pass. It reads the same per-thread value as the code it interrupted, so
//! it may take the plain path too: no flag set by bitwake's own handler entry
//! is needed, and handlers bitwake did not install (a raw `rt_sigaction`)
//! are covered the same way. What makes that sound is `plain_word.rs`: every
//! update of the private words is one instruction (or a `Relaxed` atomic), so
//! a handler's update is never interleaved with an interrupted one, and the
//! scan clears only the bits it loaded.
//!
//! The one place the plain path would lose a wake is the park: a handler
//! that sets a private bit after the executor's last look and then returns
//! into `epoll_pwait` or a futex wait would leave the executor asleep with
//! work queued, since the plain path never unparks. So `idle` clears the
//! marker before it announces the park, then checks the private words too:
//! a handler that ran before the clear is seen by that check (same thread,
//! program order), one that runs after it takes the atomic path, whose
//! `parked` handshake rouses the executor.

use super::exec_core::ExecCore;
use core::ptr;

/// The executor running on this thread outside handlers, or null.
#[inline(always)]
pub(crate) fn current() -> *const ExecCore {
    imp::current()
}

/// Records `core` (or null) as this thread's running executor and returns
/// the previous value (for nested `block_on` calls of other executors).
/// Thread code only, never a handler. A no-op returning null where
/// [`current`] is always null.
#[inline]
pub(crate) fn replace(core: *const ExecCore) -> *const ExecCore {
    let prev = imp::replace(core);
    // Signal handlers on this thread must see the new value from the next
    // instruction on (the park relies on it): keep later memory accesses on
    // this side of the store.
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
    prev
}

/// Whether `core` is the executor running on this thread.
#[inline(always)]
pub(crate) fn is(core: *const ExecCore) -> bool {
    !core.is_null() && ptr::eq(current(), core)
}

#[cfg(any(test, feature = "std"))]
mod imp {
    extern crate std;
    use super::ExecCore;
    use core::cell::Cell;
    use core::ptr;

    std::thread_local! {
        static RUNNING: Cell<*const ExecCore> = const { Cell::new(ptr::null()) };
    }

    #[inline(always)]
    pub(super) fn current() -> *const ExecCore {
        // A thread being torn down has no value any more: null, atomic path.
        RUNNING.try_with(Cell::get).unwrap_or(ptr::null())
    }

    #[inline]
    pub(super) fn replace(core: *const ExecCore) -> *const ExecCore {
        RUNNING.try_with(|c| c.replace(core)).unwrap_or(ptr::null())
    }
}

#[cfg(all(not(any(test, feature = "std")), feature = "rt"))]
mod imp {
    use super::ExecCore;
    use crate::thread::block;
    use core::ptr;

    #[inline(always)]
    pub(super) fn current() -> *const ExecCore {
        block::current().map_or(ptr::null(), |b| b.executor().cast())
    }

    #[inline]
    pub(super) fn replace(core: *const ExecCore) -> *const ExecCore {
        block::current().map_or(ptr::null(), |b| b.replace_executor(core.cast()).cast())
    }
}

#[cfg(all(
    not(any(test, feature = "std", feature = "rt")),
    target_os = "none",
    feature = "single-core",
    any(
        target_arch = "arm",
        all(target_arch = "riscv32", target_has_atomic = "ptr")
    )
))]
mod imp {
    use super::ExecCore;
    use crate::executor::atomic::{AtomicPtr, Ordering::Relaxed};
    use core::ptr;

    /// The executor running on the one core, outside handlers.
    static RUNNING: AtomicPtr<ExecCore> = AtomicPtr::new(ptr::null_mut());

    /// Cortex-M: whether an exception or interrupt handler is running
    /// (`IPSR`, the active exception number, is 0 in thread mode).
    #[cfg(target_arch = "arm")]
    #[inline(always)]
    fn in_handler() -> bool {
        let r: u32;
        // SAFETY: reading IPSR has no side effect and is allowed at every
        // privilege level.
        unsafe {
            core::arch::asm!("mrs {}, IPSR", out(reg) r, options(nomem, nostack, preserves_flags))
        };
        r != 0
    }

    /// RISC-V: never asked. A trap handler reads the same value as the code
    /// it interrupted and may take the plain path, as a signal handler does
    /// on Linux (module docs): with the A extension every private-word
    /// update is one `amoor.w` / `amoand.w` (`plain_word.rs`), which a trap
    /// cannot split.
    #[cfg(target_arch = "riscv32")]
    #[inline(always)]
    fn in_handler() -> bool {
        false
    }

    #[inline(always)]
    pub(super) fn current() -> *const ExecCore {
        if in_handler() {
            return ptr::null();
        }
        RUNNING.load(Relaxed)
    }

    #[inline]
    pub(super) fn replace(core: *const ExecCore) -> *const ExecCore {
        // Outside handlers only, on the one core: a load and a store suffice
        // (a handler never writes it), and thumbv6m has no swap.
        let prev = RUNNING.load(Relaxed);
        RUNNING.store(core.cast_mut(), Relaxed);
        prev
    }
}

#[cfg(not(any(
    test,
    feature = "std",
    feature = "rt",
    all(
        target_os = "none",
        feature = "single-core",
        any(
            target_arch = "arm",
            all(target_arch = "riscv32", target_has_atomic = "ptr")
        )
    )
)))]
mod imp {
    use super::ExecCore;
    use core::ptr;

    #[inline(always)]
    pub(super) fn current() -> *const ExecCore {
        ptr::null()
    }

    #[inline]
    pub(super) fn replace(_: *const ExecCore) -> *const ExecCore {
        ptr::null()
    }
}
