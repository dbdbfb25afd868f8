//! `mmap`ed fiber stacks with a guard page (Linux), and the SIGSEGV handler
//! that turns a hit on a guard page into a report.
//!
//! The guard page below each stack is mapped `PROT_NONE` (raw `mprotect`),
//! so the first write past the stack faults at once instead of corrupting
//! memory. The handler runs on an alternate signal stack (the overflowing
//! stack has no room left); it checks that the fault address is in the guard
//! of the fiber running on this thread, then prints `fiber N overflowed its
//! S-byte stack` and exits with
//! [`OVERFLOW_EXIT_STATUS`](super::OVERFLOW_EXIT_STATUS). Any other fault
//! is handed back to the action that was installed before (by default the
//! kernel's: the process dies of SIGSEGV).

use super::current;
use super::error::StackError;
use super::overflow;
use super::stack::sealed;
use super::stack::{self, StackKind, StackRef};
use crate::sys::{self, SigAction, SigStack};
use core::cell::UnsafeCell;
use portable_atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*};

const PAGE: usize = 4096;

/// An `mmap`ed stack of (at least) `size` bytes with a guard page below it,
/// for one fiber; unmapped when the fiber is done with it.
///
/// ```ignore
/// let h = fiber::spawn(MmapStack::new(256 * 1024), work)?;
/// ```
///
/// Mapping happens when the fiber is spawned (a failure is
/// `SpawnError::Stack(StackError::Map(errno))`); pages are only backed by
/// memory once touched (`MAP_NORESERVE`), and the stack is not painted, so
/// [`FiberStack::high_water`](super::FiberStack::high_water) has no
/// counterpart here. The first spawn on a thread installs the SIGSEGV
/// handler and this thread's alternate signal stack: run the executor
/// on the thread that spawns the first mapped fiber.
#[derive(Debug, Clone, Copy)]
pub struct MmapStack {
    size: usize,
}

impl MmapStack {
    /// A stack of `size` bytes rounded up to whole pages (at least one).
    pub const fn new(size: usize) -> Self {
        let size = if size == 0 { PAGE } else { size };
        Self {
            size: size.div_ceil(PAGE).saturating_mul(PAGE),
        }
    }

    /// Its usable size in bytes.
    pub const fn size(&self) -> usize {
        self.size
    }
}

impl stack::Stack for MmapStack {}

impl sealed::Sealed for MmapStack {
    fn claim(self) -> Result<StackRef, StackError> {
        install_handler()?;
        let len = self.size.checked_add(PAGE).ok_or(StackError::Map(12))?;
        let base = sys::mmap_anonymous(
            len,
            sys::PROT_READ | sys::PROT_WRITE,
            sys::MAP_NORESERVE | sys::MAP_STACK,
        )
        .map_err(|e| StackError::Map(e.raw()))?;
        // SAFETY: the mapping is new and ours; nothing refers to its first
        // page.
        if let Err(e) = unsafe { sys::mprotect(base, PAGE, sys::PROT_NONE) } {
            // SAFETY: ours, unused.
            let _ = unsafe { sys::munmap(base, len) };
            return Err(StackError::Map(e.raw()));
        }
        let bottom = (base + PAGE) as *mut u8;
        // SAFETY: the first usable page is mapped read-write.
        unsafe { stack::write_canary(bottom) };
        Ok(StackRef {
            bottom,
            top: (base + len) as *mut u8,
            size: self.size,
            kind: StackKind::Mapped { base, len },
        })
    }
}

/// The alternate signal stack of the thread that installed the handler.
struct AltStack(UnsafeCell<[u8; ALT_SIZE]>);
// SAFETY: only the kernel writes it (delivering a signal to the one thread
// it is installed on).
unsafe impl Sync for AltStack {}
const ALT_SIZE: usize = 16 * 1024;
static ALT: AltStack = AltStack(UnsafeCell::new([0; ALT_SIZE]));

static INSTALLED: AtomicBool = AtomicBool::new(false);
/// The SIGSEGV action before ours (handler, flags), restored for faults
/// that are not fiber overflows.
static PREV_HANDLER: AtomicUsize = AtomicUsize::new(0);
static PREV_FLAGS: AtomicU64 = AtomicU64::new(0);

fn install_handler() -> Result<(), StackError> {
    if INSTALLED.load(Acquire) || INSTALLED.swap(true, AcqRel) {
        return Ok(());
    }
    let alt = SigStack {
        sp: ALT.0.get() as usize,
        flags: 0,
        size: ALT_SIZE,
    };
    // SAFETY: the static alternate stack is used by nothing but the kernel.
    unsafe { sys::sigaltstack(Some(&alt)) }.map_err(|e| StackError::Map(e.raw()))?;
    let act = SigAction {
        handler: on_segv as *const () as usize,
        flags: sys::SA_SIGINFO | sys::SA_ONSTACK | sys::SA_RESTORER,
        restorer: bitwake_arch::restore_rt as *const () as usize,
        mask: 0,
    };
    let old = sys::rt_sigaction(sys::SIGSEGV, &act).map_err(|e| StackError::Map(e.raw()))?;
    PREV_HANDLER.store(old.handler, Relaxed);
    PREV_FLAGS.store(old.flags, Relaxed);
    Ok(())
}

/// `SA_SIGINFO` handler: `info` is the kernel's `siginfo_t`, whose fault
/// address (`si_addr`) is at byte 16 on 64-bit Linux.
extern "C" fn on_segv(_sig: i32, info: *const u8, _ctx: *const u8) {
    // SAFETY: the kernel passes a valid siginfo for SIGSEGV.
    let addr = unsafe { info.add(16).cast::<usize>().read_unaligned() };
    if let Some(ctl) = current::current() {
        // SAFETY: the fiber running on this thread has a live frame.
        let (id, r) = unsafe { ((*ctl).id, &(*ctl).stack) };
        if let StackKind::Mapped { base, .. } = r.kind
            && (base..base + PAGE).contains(&addr)
        {
            overflow::report(id, r.size);
        }
    }
    // Not ours: put the previous action back and return; the faulting
    // instruction runs again and meets it.
    let prev = SigAction {
        handler: PREV_HANDLER.load(Relaxed),
        flags: PREV_FLAGS.load(Relaxed) | sys::SA_RESTORER,
        restorer: bitwake_arch::restore_rt as *const () as usize,
        mask: 0,
    };
    let _ = sys::rt_sigaction(sys::SIGSEGV, &prev);
}
