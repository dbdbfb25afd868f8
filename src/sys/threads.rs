//! Typed wrappers for threads: futexes, CPU affinity, thread exit (the
//! stacks' memory maps are in `wrappers.rs`). (`clone` itself is asm in `bitwake-arch`: its
//! child runs on a new stack, which no plain syscall wrapper can express.)

use super::{Errno, nr, syscall};
use crate::sys::types::Timespec;
use core::sync::atomic::AtomicU32;

type R<T> = Result<T, Errno>;

/// `CLONE_VM`: share the address space.
pub const CLONE_VM: u32 = 0x100;
/// `CLONE_FS`: share cwd, root, umask.
pub const CLONE_FS: u32 = 0x200;
/// `CLONE_FILES`: share the fd table.
pub const CLONE_FILES: u32 = 0x400;
/// `CLONE_SIGHAND`: share signal handlers.
pub const CLONE_SIGHAND: u32 = 0x800;
/// `CLONE_THREAD`: same thread group (process).
pub const CLONE_THREAD: u32 = 0x10000;
/// `CLONE_SYSVSEM`: share System V semaphore undo lists.
pub const CLONE_SYSVSEM: u32 = 0x40000;
/// `CLONE_SETTLS`: the child's thread pointer is the `tls` argument.
pub const CLONE_SETTLS: u32 = 0x80000;
/// `CLONE_PARENT_SETTID`: the kernel stores the child's tid at `parent_tid`.
pub const CLONE_PARENT_SETTID: u32 = 0x100000;
/// `CLONE_CHILD_CLEARTID`: at thread exit the kernel stores 0 at
/// `child_tid` and futex-wakes it (what a join waits for).
pub const CLONE_CHILD_CLEARTID: u32 = 0x200000;

const FUTEX_WAIT: usize = 0;
const FUTEX_WAKE: usize = 1;
const FUTEX_PRIVATE_FLAG: usize = 128;

/// `futex(FUTEX_WAIT_PRIVATE)`: sleeps while `*word == expected`, until a
/// [`futex_wake`], `timeout` (relative) or a signal. `EAGAIN` (the word had
/// changed), `EINTR` and `ETIMEDOUT` are the caller's to handle.
pub fn futex_wait(word: &AtomicU32, expected: u32, timeout: Option<&Timespec>) -> R<()> {
    wait(word, expected, timeout, FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
}

/// `futex(FUTEX_WAIT)` without the private flag: the wait that the kernel's
/// wake at thread exit (`CLONE_CHILD_CLEARTID`, a *shared* futex wake)
/// matches. A private wait on the tid word would sleep through it.
pub fn futex_wait_shared(word: &AtomicU32, expected: u32, timeout: Option<&Timespec>) -> R<()> {
    wait(word, expected, timeout, FUTEX_WAIT)
}

fn wait(word: &AtomicU32, expected: u32, timeout: Option<&Timespec>, op: usize) -> R<()> {
    let ts = timeout.map_or(0, |t| t as *const Timespec as usize);
    // SAFETY: the kernel reads the word (an atomic we borrow) and `ts`.
    unsafe { syscall!(nr::FUTEX, word.as_ptr() as usize, op, expected as usize, ts) }.map(drop)
}

/// `futex(FUTEX_WAKE_PRIVATE)`: wakes up to `n` waiters on `word`; returns
/// how many it woke. Async-signal-safe.
pub fn futex_wake(word: &AtomicU32, n: u32) -> R<usize> {
    // SAFETY: the kernel only uses the word's address as a key.
    unsafe {
        syscall!(
            nr::FUTEX,
            word.as_ptr() as usize,
            FUTEX_WAKE | FUTEX_PRIVATE_FLAG,
            n as usize
        )
    }
}

/// A CPU set for [`sched_setaffinity`]: one bit per CPU, 1024 CPUs (the
/// kernel's default `CONFIG_NR_CPUS` ceiling for the glibc `cpu_set_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(C)]
pub struct CpuSet {
    bits: [u64; 16],
}

impl CpuSet {
    /// How many CPUs a set can name.
    pub const CAPACITY: usize = 1024;

    /// The empty set.
    pub const fn new() -> Self {
        CpuSet { bits: [0; 16] }
    }

    /// The set holding only `cpu`, or `None` if `cpu` is beyond
    /// [`CAPACITY`](Self::CAPACITY).
    pub const fn single(cpu: usize) -> Option<Self> {
        let mut s = Self::new();
        if s.insert(cpu) { Some(s) } else { None }
    }

    /// Adds `cpu`; false if it is beyond [`CAPACITY`](Self::CAPACITY).
    pub const fn insert(&mut self, cpu: usize) -> bool {
        if cpu >= Self::CAPACITY {
            return false;
        }
        self.bits[cpu / 64] |= 1 << (cpu % 64);
        true
    }

    /// Whether `cpu` is in the set.
    pub const fn contains(&self, cpu: usize) -> bool {
        cpu < Self::CAPACITY && self.bits[cpu / 64] & (1 << (cpu % 64)) != 0
    }

    /// How many CPUs the set holds.
    pub fn count(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The `n`-th CPU of the set in increasing order, if there are more than `n`.
    pub fn nth(&self, n: usize) -> Option<usize> {
        (0..Self::CAPACITY).filter(|&c| self.contains(c)).nth(n)
    }
}

/// `sched_setaffinity(2)` for thread `tid` (0: the calling thread).
pub fn sched_setaffinity(tid: i32, set: &CpuSet) -> R<()> {
    // SAFETY: the kernel reads `size_of::<CpuSet>()` bytes from `set`.
    unsafe {
        syscall!(
            nr::SCHED_SETAFFINITY,
            tid as isize as usize,
            core::mem::size_of::<CpuSet>(),
            set as *const CpuSet as usize
        )
    }
    .map(drop)
}

/// `sched_getaffinity(2)` for thread `tid` (0: the calling thread).
pub fn sched_getaffinity(tid: i32) -> R<CpuSet> {
    let mut set = CpuSet::new();
    // SAFETY: the kernel writes at most `size_of::<CpuSet>()` bytes to `set`.
    unsafe {
        syscall!(
            nr::SCHED_GETAFFINITY,
            tid as isize as usize,
            core::mem::size_of::<CpuSet>(),
            &mut set as *mut CpuSet as usize
        )
    }?;
    Ok(set)
}

/// `sched_yield(2)`.
pub fn sched_yield() {
    // SAFETY: no memory is involved; sched_yield cannot fail.
    let _ = unsafe { syscall!(nr::SCHED_YIELD) };
}

/// `exit(2)`: ends the calling *thread* (not the process) with `code`.
///
/// # Safety
/// Nothing may use the thread's stack after this (no borrow of a local of
/// this thread may be alive elsewhere); no destructors run.
pub unsafe fn exit_thread(code: i32) -> ! {
    // SAFETY: by the caller; exit never returns.
    unsafe { bitwake_arch::syscall1_noreturn(nr::EXIT, code as isize as usize) }
}
