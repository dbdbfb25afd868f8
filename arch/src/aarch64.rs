//! aarch64 Linux: `svc 0` with the number in x8 and arguments in x0..x5; the
//! result comes back in x0. Nothing else is clobbered and flags are kept.

use core::arch::asm;

/// Raw syscall with no arguments.
///
/// # Safety
/// The caller must uphold the contract of syscall `n`.
#[inline(always)]
pub unsafe fn syscall0(n: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds syscall `n`'s contract; the asm follows the
    // aarch64 Linux syscall ABI.
    unsafe { asm!("svc 0", in("x8") n, lateout("x0") ret, options(nostack, preserves_flags)) }
    ret
}

/// Raw syscall with one argument.
///
/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall1(n: usize, a0: usize) -> usize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("svc 0", in("x8") n, inlateout("x0") a0 => ret, options(nostack, preserves_flags))
    }
    ret
}

/// Raw syscall with two arguments.
///
/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall2(n: usize, a0: usize, a1: usize) -> usize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("svc 0", in("x8") n, inlateout("x0") a0 => ret, in("x1") a1,
             options(nostack, preserves_flags))
    }
    ret
}

/// Raw syscall with three arguments.
///
/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall3(n: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("svc 0", in("x8") n, inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
             options(nostack, preserves_flags))
    }
    ret
}

/// Raw syscall with four arguments.
///
/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall4(n: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("svc 0", in("x8") n, inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
             in("x3") a3, options(nostack, preserves_flags))
    }
    ret
}

/// Raw syscall with five arguments.
///
/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall5(n: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("svc 0", in("x8") n, inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
             in("x3") a3, in("x4") a4, options(nostack, preserves_flags))
    }
    ret
}

/// Raw syscall with six arguments.
///
/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall6(
    n: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> usize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("svc 0", in("x8") n, inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
             in("x3") a3, in("x4") a4, in("x5") a5, options(nostack, preserves_flags))
    }
    ret
}

/// A syscall that does not return (`exit_group`); `brk` traps if it does.
///
/// # Safety
/// Syscall `n` must end the process.
#[inline(always)]
pub unsafe fn syscall1_noreturn(n: usize, a0: usize) -> ! {
    // SAFETY: the caller passes a syscall that ends the process.
    unsafe { asm!("svc 0", "brk #0", in("x8") n, in("x0") a0, options(nostack, noreturn)) }
}

/// The `SA_RESTORER` trampoline: `rt_sigreturn` (139) restores the context
/// the signal interrupted. Never call it directly.
///
/// # Safety
/// Only the kernel may jump here, with a signal frame at the stack pointer.
#[unsafe(naked)]
pub unsafe extern "C" fn restore_rt() -> ! {
    core::arch::naked_asm!("mov x8, #139", "svc 0", "brk #0")
}

/// `clone` for a new thread: the child starts on `stack` and calls
/// `entry(arg)`, which must never return; the parent gets the kernel's raw
/// result (the child's tid, or `-errno`).
///
/// The aarch64 argument order is `clone(flags, stack, parent_tid, tls,
/// child_tid)`. `entry` and `arg` travel in x9 and x10, which the child
/// inherits; the child clears the frame pointer and link register (the end
/// of its frame chain) before `blr entry`.
///
/// # Safety
/// As for the x86-64 version: `CLONE_VM` without an exit signal, a 16-byte
/// aligned `stack` top that stays mapped and unused by anyone else until the
/// thread exits, tid pointers valid while the kernel may write them, and
/// `entry(arg)` sound on that stack with the thread pointer `tls`.
#[inline(always)]
pub unsafe fn clone_thread(
    flags: usize,
    stack: *mut u8,
    parent_tid: *mut u32,
    child_tid: *mut u32,
    tls: usize,
    entry: unsafe extern "C" fn(usize) -> !,
    arg: usize,
) -> usize {
    let ret;
    // SAFETY: the caller upholds `clone`'s contract. In the parent the asm is
    // a plain syscall; the child (x0 = 0) never leaves the asm block: it runs
    // `entry` on its own stack, and `brk` traps if `entry` ever returns.
    unsafe {
        asm!(
            "svc 0",
            "cbnz x0, 2f",
            "mov x29, xzr",
            "mov x30, xzr",
            "mov x0, x10",
            "blr x9",
            "brk #0",
            "2:",
            in("x8") nr::CLONE,
            inlateout("x0") flags => ret,
            in("x1") stack,
            in("x2") parent_tid,
            in("x3") tls,
            in("x4") child_tid,
            in("x9") entry,
            in("x10") arg,
        );
    }
    ret
}

/// The thread pointer (`TPIDR_EL0`).
///
/// # Safety
/// None beyond reading a register; `unsafe` to match the x86-64 version,
/// whose read dereferences the thread pointer.
#[inline(always)]
pub unsafe fn thread_pointer() -> usize {
    let tp;
    // SAFETY: reading TPIDR_EL0 is always allowed at EL0.
    unsafe { asm!("mrs {}, tpidr_el0", out(reg) tp, options(nomem, nostack, preserves_flags)) }
    tp
}

/// Sets this thread's thread pointer (`TPIDR_EL0`, writable at EL0); returns
/// 0 (the raw "success" of the x86-64 version's syscall).
///
/// # Safety
/// `tp` must point to a block that outlives the thread; nothing else in the
/// program may use the thread pointer.
#[inline(always)]
pub unsafe fn set_thread_pointer(tp: usize) -> usize {
    // SAFETY: by the caller; only this thread's register changes.
    unsafe { asm!("msr tpidr_el0, {}", in(reg) tp, options(nostack, preserves_flags)) }
    0
}

/// aarch64 syscall numbers (the asm-generic table: no `epoll_wait`, `pipe`,
/// `eventfd` or `poll`; use the `*p*`/`*2` variants).
#[allow(missing_docs)]
pub mod nr {
    pub const EVENTFD2: usize = 19;
    pub const EPOLL_CREATE1: usize = 20;
    pub const EPOLL_CTL: usize = 21;
    pub const EPOLL_PWAIT: usize = 22;
    pub const EPOLL_PWAIT2: usize = 441;
    pub const FCNTL: usize = 25;
    pub const CLOSE: usize = 57;
    pub const PIPE2: usize = 59;
    pub const READ: usize = 63;
    pub const WRITE: usize = 64;
    pub const PPOLL: usize = 73;
    pub const TIMERFD_CREATE: usize = 85;
    pub const TIMERFD_SETTIME: usize = 86;
    pub const EXIT_GROUP: usize = 94;
    pub const CLOCK_GETTIME: usize = 113;
    pub const CLOCK_NANOSLEEP: usize = 115;
    pub const KILL: usize = 129;
    pub const RT_SIGACTION: usize = 134;
    pub const RT_SIGPROCMASK: usize = 135;
    pub const RT_SIGRETURN: usize = 139;
    pub const SETITIMER: usize = 103;
    pub const GETPID: usize = 172;
    pub const GETTID: usize = 178;
    pub const SOCKET: usize = 198;
    pub const BIND: usize = 200;
    pub const LISTEN: usize = 201;
    pub const ACCEPT4: usize = 242;
    pub const CONNECT: usize = 203;
    pub const GETSOCKNAME: usize = 204;
    pub const GETPEERNAME: usize = 205;
    pub const SENDTO: usize = 206;
    pub const RECVFROM: usize = 207;
    pub const SETSOCKOPT: usize = 208;
    pub const GETSOCKOPT: usize = 209;
    pub const SHUTDOWN: usize = 210;
    pub const PRLIMIT64: usize = 261;
    pub const MMAP: usize = 222;
    pub const MPROTECT: usize = 226;
    pub const MUNMAP: usize = 215;
    pub const SIGALTSTACK: usize = 132;
    pub const EXIT: usize = 93;
    pub const FUTEX: usize = 98;
    pub const SCHED_SETAFFINITY: usize = 122;
    pub const SCHED_GETAFFINITY: usize = 123;
    pub const SCHED_YIELD: usize = 124;
    pub const CLONE: usize = 220;
}

/// ELF relocation types of this architecture that program start-up applies.
pub mod reloc {
    /// `R_AARCH64_NONE`: nothing to do.
    pub const NONE: u32 = 0;
    /// `R_AARCH64_RELATIVE`: the word at the offset becomes load base + addend.
    pub const RELATIVE: u32 = 1027;
}
