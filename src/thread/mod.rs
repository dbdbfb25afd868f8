//! Threads without libc: raw `clone`, stacks from `mmap` with a guard,
//! a thread-control block behind the thread pointer, join by futex.
//!
//! * [`spawn`] / [`Builder`]: a thread running a `Send` closure on its own
//!   stack; [`JoinHandle::join`] returns the closure's value.
//! * [`current_core`]: which core of the thread-per-core runtime
//!   (`rt::cores`) this thread is, read through the
//!   thread pointer (`fs` on x86-64, `TPIDR_EL0` on aarch64).
//! * [`pin_current`], [`available_cpus`]: CPU affinity.
//! * [`FutexPark`]: an executor [`Park`](crate::executor::Park) on a futex,
//!   for executors without a reactor.
//!
//! # The thread pointer
//!
//! Every thread bitwake knows has a thread-control block and its thread
//! pointer points to it: the program's start-up (`bitwake::main!`) installs
//! the main thread's (a `static`), and `clone` with `CLONE_SETTLS` installs a
//! spawned thread's (the top of its mapping). The block is how code asks
//! "which executor runs here?" without `thread_local!`. A process that owns
//! its thread pointer otherwise (a libc program: glibc keeps its own thread
//! block there) must not use this module, which is why it exists only with
//! the freestanding start-up (feature `rt`).
//!
//! # Memory of a thread
//!
//! One anonymous mapping per thread: a 64 KiB guard (no access: an overflow
//! faults instead of writing over another thread's memory), the stack, then
//! the thread's block with the closure and the slot for its result. The
//! joiner unmaps it after the kernel has cleared the thread's tid word (the
//! thread is gone by then). A panic in a thread ends the process (the panic
//! handler exits with status 101): there is no unwinding to catch.
//!
//! QEMU user mode accepts exactly this set of flags for a thread
//! (`CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM` required, `SETTLS`,
//! `PARENT_SETTID`, `CHILD_CLEARTID` optional) and runs each guest thread on
//! a host thread; `cargo xtask test` runs the thread tests natively and under
//! qemu-x86_64 and qemu-aarch64.

mod affinity;
pub(crate) mod block;
mod futex_park;
mod spawn;
mod stack;

pub use affinity::{available_cpus, pin_current};
pub use block::current_core;
pub use futex_park::FutexPark;
pub use spawn::{Builder, JoinHandle, spawn};
