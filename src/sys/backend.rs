//! The seam between bitwake and the kernel: a [`Backend`] supplies the raw
//! `syscallN` family, and everything typed is written once above it
//! (in the sibling modules), whatever backend is selected.
//!
//! Selection is at compile time, so the seam costs nothing: with the default
//! [`Arch`] backend, `sys::write` inlines to a single `syscall` instruction.

/// A raw system-call mechanism.
///
/// # Safety
/// Implementations must perform exactly the requested system call with the
/// given arguments (or, for test doubles, return a value the kernel could
/// have returned for it) and return its raw result.
pub unsafe trait Backend {
    /// Raw syscall with no arguments.
    ///
    /// # Safety
    /// The caller upholds the contract of syscall `n`.
    unsafe fn syscall0(n: usize) -> usize;
    /// Raw syscall with one argument. # Safety: as [`Backend::syscall0`].
    ///
    /// # Safety
    /// As for [`Backend::syscall0`].
    unsafe fn syscall1(n: usize, a0: usize) -> usize;
    /// Raw syscall with two arguments.
    ///
    /// # Safety
    /// As for [`Backend::syscall0`].
    unsafe fn syscall2(n: usize, a0: usize, a1: usize) -> usize;
    /// Raw syscall with three arguments.
    ///
    /// # Safety
    /// As for [`Backend::syscall0`].
    unsafe fn syscall3(n: usize, a0: usize, a1: usize, a2: usize) -> usize;
    /// Raw syscall with four arguments.
    ///
    /// # Safety
    /// As for [`Backend::syscall0`].
    unsafe fn syscall4(n: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize;
    /// Raw syscall with five arguments.
    ///
    /// # Safety
    /// As for [`Backend::syscall0`].
    unsafe fn syscall5(n: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize;
    /// Raw syscall with six arguments.
    ///
    /// # Safety
    /// As for [`Backend::syscall0`].
    unsafe fn syscall6(
        n: usize,
        a0: usize,
        a1: usize,
        a2: usize,
        a3: usize,
        a4: usize,
        a5: usize,
    ) -> usize;
}

/// The default backend: inline `asm!` from the `bitwake-arch` crate.
pub struct Arch;

// SAFETY: each method is the architecture's syscall instruction itself.
unsafe impl Backend for Arch {
    #[inline(always)]
    unsafe fn syscall0(n: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { bitwake_arch::syscall0(n) }
    }
    #[inline(always)]
    unsafe fn syscall1(n: usize, a0: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { bitwake_arch::syscall1(n, a0) }
    }
    #[inline(always)]
    unsafe fn syscall2(n: usize, a0: usize, a1: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { bitwake_arch::syscall2(n, a0, a1) }
    }
    #[inline(always)]
    unsafe fn syscall3(n: usize, a0: usize, a1: usize, a2: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { bitwake_arch::syscall3(n, a0, a1, a2) }
    }
    #[inline(always)]
    unsafe fn syscall4(n: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { bitwake_arch::syscall4(n, a0, a1, a2, a3) }
    }
    #[inline(always)]
    unsafe fn syscall5(n: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { bitwake_arch::syscall5(n, a0, a1, a2, a3, a4) }
    }
    #[inline(always)]
    unsafe fn syscall6(
        n: usize,
        a0: usize,
        a1: usize,
        a2: usize,
        a3: usize,
        a4: usize,
        a5: usize,
    ) -> usize {
        // SAFETY: forwarded contract.
        unsafe { bitwake_arch::syscall6(n, a0, a1, a2, a3, a4, a5) }
    }
}

/// The backend every typed wrapper uses, chosen at compile time.
pub type Selected = Arch;
