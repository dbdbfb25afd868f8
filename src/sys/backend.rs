//! The seam between bitwake and the kernel.
//!
//! A [`Backend`] supplies only the raw `syscall0..=syscall6` family: a number
//! and up to six register-sized arguments in, the kernel's raw return value
//! out. Everything typed (`write`, `epoll_ctl`, `Errno` decoding...) is written
//! once, above the seam, in the sibling modules, and reaches the kernel only
//! through [`Selected`] via the internal `syscall!` macro. The syscall-number
//! table goes with the backend: `sys::nr` is `bitwake_arch::nr` for the asm
//! backend and the `syscalls` crate's own table for `SyscallsCrate`.
//!
//! # Why it costs nothing
//!
//! Selection is a type alias chosen at compile time (cargo features), not a
//! trait object or function pointer, and every backend method is
//! `#[inline(always)]` down to the `asm!` block. So with the default [`Arch`]
//! backend `sys::write(fd, buf)` compiles to the register moves and a single
//! `syscall` (x86-64) or `svc #0` (aarch64) instruction at the call site: no
//! call, no indirect branch. `cargo xtask test` checks this on the
//! disassembly of the `seam-write` program, for every Linux target.
//!
//! # The backends
//!
//! | feature            | [`Selected`]                   | raw calls and numbers from          |
//! |--------------------|--------------------------------|-------------------------------------|
//! | (none)             | [`Arch`]                       | `bitwake-arch` (`asm!`, `arch/`)    |
//! | `syscalls-crate`   | `SyscallsCrate`                | the `syscalls` crate (0.8)          |
//! | `fault-inject`     | `fault::Faulty<Arch or SyscallsCrate>` | a scripted fault injector wrapped around either |
//!
//! Start-up (`_start`), the signal trampoline and the `noreturn` exit stay in
//! `bitwake-arch` whatever the backend: they are not system calls a backend
//! could reasonably replace.

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
    /// Raw syscall with one argument.
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

/// The `syscalls` crate (`default-features = false`) as the backend: its raw
/// `syscallN` functions and, through `sys::nr`, its syscall-number table.
#[cfg(feature = "syscalls-crate")]
pub struct SyscallsCrate;

#[cfg(feature = "syscalls-crate")]
// SAFETY: each method is the `syscalls` crate's raw syscall of the same
// arity, which issues exactly the requested system call.
unsafe impl Backend for SyscallsCrate {
    #[inline(always)]
    unsafe fn syscall0(n: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { syscalls::raw::syscall0(n) }
    }
    #[inline(always)]
    unsafe fn syscall1(n: usize, a0: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { syscalls::raw::syscall1(n, a0) }
    }
    #[inline(always)]
    unsafe fn syscall2(n: usize, a0: usize, a1: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { syscalls::raw::syscall2(n, a0, a1) }
    }
    #[inline(always)]
    unsafe fn syscall3(n: usize, a0: usize, a1: usize, a2: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { syscalls::raw::syscall3(n, a0, a1, a2) }
    }
    #[inline(always)]
    unsafe fn syscall4(n: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { syscalls::raw::syscall4(n, a0, a1, a2, a3) }
    }
    #[inline(always)]
    unsafe fn syscall5(n: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { syscalls::raw::syscall5(n, a0, a1, a2, a3, a4) }
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
        unsafe { syscalls::raw::syscall6(n, a0, a1, a2, a3, a4, a5) }
    }
}

/// The syscall numbers of the `syscalls` crate (its `Sysno` enum, generated
/// from the kernel's tables), under the names the typed layer uses. Keeping
/// the table with the backend means a wrong number in either table shows up
/// as a failing test of one backend, not as silent agreement.
#[cfg(feature = "syscalls-crate")]
#[allow(missing_docs)]
pub mod syscalls_nr {
    use syscalls::Sysno;

    pub const READ: usize = Sysno::read as usize;
    pub const WRITE: usize = Sysno::write as usize;
    pub const CLOSE: usize = Sysno::close as usize;
    pub const PIPE2: usize = Sysno::pipe2 as usize;
    pub const PPOLL: usize = Sysno::ppoll as usize;
    pub const FCNTL: usize = Sysno::fcntl as usize;
    pub const EPOLL_CREATE1: usize = Sysno::epoll_create1 as usize;
    pub const EPOLL_CTL: usize = Sysno::epoll_ctl as usize;
    pub const EPOLL_PWAIT: usize = Sysno::epoll_pwait as usize;
    pub const EPOLL_PWAIT2: usize = Sysno::epoll_pwait2 as usize;
    pub const EVENTFD2: usize = Sysno::eventfd2 as usize;
    pub const CLOCK_GETTIME: usize = Sysno::clock_gettime as usize;
    pub const CLOCK_NANOSLEEP: usize = Sysno::clock_nanosleep as usize;
    pub const TIMERFD_CREATE: usize = Sysno::timerfd_create as usize;
    pub const TIMERFD_SETTIME: usize = Sysno::timerfd_settime as usize;
    pub const SETITIMER: usize = Sysno::setitimer as usize;
    pub const SOCKET: usize = Sysno::socket as usize;
    pub const BIND: usize = Sysno::bind as usize;
    pub const LISTEN: usize = Sysno::listen as usize;
    pub const ACCEPT4: usize = Sysno::accept4 as usize;
    pub const CONNECT: usize = Sysno::connect as usize;
    pub const GETSOCKNAME: usize = Sysno::getsockname as usize;
    pub const GETPEERNAME: usize = Sysno::getpeername as usize;
    pub const GETSOCKOPT: usize = Sysno::getsockopt as usize;
    pub const SETSOCKOPT: usize = Sysno::setsockopt as usize;
    pub const SHUTDOWN: usize = Sysno::shutdown as usize;
    pub const SENDTO: usize = Sysno::sendto as usize;
    pub const RECVFROM: usize = Sysno::recvfrom as usize;
    pub const RT_SIGACTION: usize = Sysno::rt_sigaction as usize;
    pub const RT_SIGPROCMASK: usize = Sysno::rt_sigprocmask as usize;
    pub const RT_SIGRETURN: usize = Sysno::rt_sigreturn as usize;
    pub const GETPID: usize = Sysno::getpid as usize;
    pub const GETTID: usize = Sysno::gettid as usize;
    pub const KILL: usize = Sysno::kill as usize;
    pub const PRLIMIT64: usize = Sysno::prlimit64 as usize;
    pub const EXIT_GROUP: usize = Sysno::exit_group as usize;
    pub const MMAP: usize = Sysno::mmap as usize;
    pub const MPROTECT: usize = Sysno::mprotect as usize;
    pub const MUNMAP: usize = Sysno::munmap as usize;
    pub const SIGALTSTACK: usize = Sysno::sigaltstack as usize;
    pub const EXIT: usize = Sysno::exit as usize;
    pub const FUTEX: usize = Sysno::futex as usize;
    pub const SCHED_SETAFFINITY: usize = Sysno::sched_setaffinity as usize;
    pub const SCHED_GETAFFINITY: usize = Sysno::sched_getaffinity as usize;
    pub const SCHED_YIELD: usize = Sysno::sched_yield as usize;
}

/// The backend under the optional fault injector.
#[cfg(not(feature = "syscalls-crate"))]
pub type Base = Arch;
/// The backend under the optional fault injector.
#[cfg(feature = "syscalls-crate")]
pub type Base = SyscallsCrate;

/// The backend every typed wrapper uses, chosen at compile time.
#[cfg(not(feature = "fault-inject"))]
pub type Selected = Base;
/// The backend every typed wrapper uses, chosen at compile time: here the
/// fault injector around [`Base`].
#[cfg(feature = "fault-inject")]
pub type Selected = super::fault::Faulty<Base>;
