//! x86-64 Linux: `syscall` with the number in rax and arguments in rdi, rsi,
//! rdx, r10, r8, r9. The kernel returns in rax and clobbers rcx (saved rip) and
//! r11 (saved rflags); nothing else changes and the red zone is not touched, so
//! every call is `nostack, preserves_flags`. Memory is left as clobbered
//! (no `nomem`/`readonly`): the kernel may read or write any user buffer.

use core::arch::asm;

/// Raw syscall with no arguments.
///
/// # Safety
/// The caller must uphold the contract of syscall `n` (valid pointers, valid fds
/// where it matters, no aliasing violations by what the kernel writes).
#[inline(always)]
pub unsafe fn syscall0(n: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds syscall `n`'s contract; the asm follows the
    // x86-64 Linux syscall ABI and declares every register the kernel clobbers.
    unsafe {
        asm!("syscall", inlateout("rax") n => ret, lateout("rcx") _, lateout("r11") _,
             options(nostack, preserves_flags));
    }
    ret
}

/// Raw syscall with one argument. See [`syscall0`] for the safety contract.
///
/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall1(n: usize, a0: usize) -> usize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("syscall", inlateout("rax") n => ret, in("rdi") a0,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
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
        asm!("syscall", inlateout("rax") n => ret, in("rdi") a0, in("rsi") a1,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
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
        asm!("syscall", inlateout("rax") n => ret, in("rdi") a0, in("rsi") a1, in("rdx") a2,
             lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
    }
    ret
}

/// Raw syscall with four arguments (the fourth goes in r10, not rcx).
///
/// # Safety
/// As for [`syscall0`].
#[inline(always)]
pub unsafe fn syscall4(n: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    // SAFETY: as in `syscall0`.
    unsafe {
        asm!("syscall", inlateout("rax") n => ret, in("rdi") a0, in("rsi") a1, in("rdx") a2,
             in("r10") a3, lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
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
        asm!("syscall", inlateout("rax") n => ret, in("rdi") a0, in("rsi") a1, in("rdx") a2,
             in("r10") a3, in("r8") a4, lateout("rcx") _, lateout("r11") _,
             options(nostack, preserves_flags));
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
        asm!("syscall", inlateout("rax") n => ret, in("rdi") a0, in("rsi") a1, in("rdx") a2,
             in("r10") a3, in("r8") a4, in("r9") a5, lateout("rcx") _, lateout("r11") _,
             options(nostack, preserves_flags));
    }
    ret
}

/// A syscall that does not return (`exit_group`). `ud2` traps if a sandbox
/// (e.g. a seccomp filter) ever lets it return.
///
/// # Safety
/// Syscall `n` must never return on success; the caller accepts that no
/// destructors run.
#[inline(always)]
pub unsafe fn syscall1_noreturn(n: usize, a0: usize) -> ! {
    // SAFETY: the caller passes a syscall that ends the process.
    unsafe { asm!("syscall", "ud2", in("rax") n, in("rdi") a0, options(nostack, noreturn)) }
}

/// The `SA_RESTORER` trampoline: a signal handler "returns" here, and this
/// asks the kernel to restore the interrupted context with `rt_sigreturn`.
///
/// Its address goes in `sa_restorer` (with the `SA_RESTORER` flag); it must
/// never be called directly.
///
/// # Safety
/// Only the kernel may jump here, with a signal frame at the stack pointer.
#[unsafe(naked)]
pub unsafe extern "C" fn restore_rt() -> ! {
    // rt_sigreturn is number 15; it reads the signal frame at rsp.
    core::arch::naked_asm!("mov eax, 15", "syscall", "ud2")
}

/// `clone` for a new thread: the child starts on `stack` and calls
/// `entry(arg)`, which must never return; the parent gets the kernel's raw
/// result (the child's tid, or `-errno`).
///
/// The x86-64 argument order is `clone(flags, stack, parent_tid, child_tid,
/// tls)`. `entry` and `arg` travel in r12 and r13, which the child inherits;
/// the child clears rbp (the end of its frame chain) and `call`s `entry`, so
/// with a 16-byte aligned `stack` it sees the alignment a callee expects.
///
/// # Safety
/// `flags` must include `CLONE_VM` and not ask for a signal on exit (the
/// low byte zero); `stack` must be the 16-byte aligned top of memory that
/// stays mapped and unused by anyone else until the thread has exited; the
/// tid pointers must stay valid as long as the kernel may write them
/// (`CLONE_CHILD_CLEARTID`: until the thread has exited); `entry(arg)` must be
/// sound to run on that stack with the thread pointer `tls`.
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
    // a plain syscall (rcx, r11 and the flags clobbered). The child (rax 0)
    // never leaves the asm block: it runs `entry` on its own stack, and the
    // `ud2` traps if `entry` ever returns.
    unsafe {
        asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "xor ebp, ebp",
            "mov rdi, r13",
            "call r12",
            "ud2",
            "2:",
            inlateout("rax") nr::CLONE => ret,
            in("rdi") flags,
            in("rsi") stack,
            in("rdx") parent_tid,
            in("r10") child_tid,
            in("r8") tls,
            in("r12") entry,
            in("r13") arg,
            lateout("rcx") _,
            lateout("r11") _,
        );
    }
    ret
}

/// The thread pointer: the fs base, read as the word at `fs:0` (the
/// thread-control block's convention: its first word points to itself).
///
/// # Safety
/// The fs base must point to a block whose first word is its own address
/// (set with [`set_thread_pointer`] or `CLONE_SETTLS`).
#[inline(always)]
pub unsafe fn thread_pointer() -> usize {
    let tp;
    // SAFETY: by the caller, fs:0 is mapped and holds the block's address.
    unsafe {
        asm!("mov {}, qword ptr fs:[0]", out(reg) tp, options(nostack, readonly, preserves_flags))
    }
    tp
}

/// Sets this thread's thread pointer (fs base) with `arch_prctl(ARCH_SET_FS)`;
/// returns the kernel's raw result.
///
/// # Safety
/// `tp` must point to a block whose first word is `tp` itself and that
/// outlives the thread; nothing else in the program may use the fs base.
#[inline(always)]
pub unsafe fn set_thread_pointer(tp: usize) -> usize {
    const ARCH_SET_FS: usize = 0x1002;
    // SAFETY: by the caller; arch_prctl only changes this thread's fs base.
    unsafe { syscall2(nr::ARCH_PRCTL, ARCH_SET_FS, tp) }
}

/// x86-64 syscall numbers (`arch/x86/entry/syscalls/syscall_64.tbl`).
#[allow(missing_docs)]
pub mod nr {
    pub const READ: usize = 0;
    pub const WRITE: usize = 1;
    pub const CLOSE: usize = 3;
    pub const MPROTECT: usize = 10;
    pub const RT_SIGACTION: usize = 13;
    pub const RT_SIGPROCMASK: usize = 14;
    pub const RT_SIGRETURN: usize = 15;
    pub const SETITIMER: usize = 38;
    pub const GETPID: usize = 39;
    pub const SOCKET: usize = 41;
    pub const CONNECT: usize = 42;
    pub const SENDTO: usize = 44;
    pub const RECVFROM: usize = 45;
    pub const SHUTDOWN: usize = 48;
    pub const BIND: usize = 49;
    pub const LISTEN: usize = 50;
    pub const GETSOCKNAME: usize = 51;
    pub const GETPEERNAME: usize = 52;
    pub const SETSOCKOPT: usize = 54;
    pub const GETSOCKOPT: usize = 55;
    pub const KILL: usize = 62;
    pub const FCNTL: usize = 72;
    pub const GETTID: usize = 186;
    pub const CLOCK_GETTIME: usize = 228;
    pub const CLOCK_NANOSLEEP: usize = 230;
    pub const EXIT_GROUP: usize = 231;
    pub const EPOLL_CTL: usize = 233;
    pub const PPOLL: usize = 271;
    pub const EPOLL_PWAIT: usize = 281;
    pub const EPOLL_PWAIT2: usize = 441;
    pub const TIMERFD_CREATE: usize = 283;
    pub const TIMERFD_SETTIME: usize = 286;
    pub const ACCEPT4: usize = 288;
    pub const EVENTFD2: usize = 290;
    pub const EPOLL_CREATE1: usize = 291;
    pub const PIPE2: usize = 293;
    pub const PRLIMIT64: usize = 302;
    pub const MMAP: usize = 9;
    pub const MUNMAP: usize = 11;
    pub const SCHED_YIELD: usize = 24;
    pub const CLONE: usize = 56;
    pub const EXIT: usize = 60;
    pub const ARCH_PRCTL: usize = 158;
    pub const FUTEX: usize = 202;
    pub const SCHED_SETAFFINITY: usize = 203;
    pub const SCHED_GETAFFINITY: usize = 204;
    pub const SIGALTSTACK: usize = 131;
}

/// ELF relocation types of this architecture that program start-up applies.
pub mod reloc {
    /// `R_X86_64_NONE`: nothing to do.
    pub const NONE: u32 = 0;
    /// `R_X86_64_RELATIVE`: the word at the offset becomes load base + addend.
    pub const RELATIVE: u32 = 8;
}
