//! bitwake: a `no_std`, zero-heap, zero-libc async runtime.
//!
//! The crate is layered so that a reader can find each idea in one place:
//!
//! * [`block_on`] and [`spawn`]: the one entry point on every platform (the
//!   default executor, parked the platform's way).
//! * `executor`: the static executor — tasks in fixed pools, wakers that are
//!   bits in an atomic bitmap, `Executor`/`JoinHandle`/the `Park` seam.
//! * `time`: `Instant`, `sleep`, `timeout`, `interval`, written once over a
//!   clock-and-alarm seam (`time::Driver`) that each platform implements.
//! * `sys` (Linux only): typed system calls over the raw `syscallN` family
//!   that lives in the `bitwake-arch` crate (`arch/`). Errors are `sys::Errno`.
//! * `reactor` (Linux only): epoll readiness with a waiter list per fd, and
//!   the Linux time driver; `io` and `net`: async fds, pipes, stdio, TCP,
//!   with `embedded-io-async` 0.6 / 0.7 traits (features
//!   `embedded-io-async-06` / `-07`); `signal` (Linux only): SIGTERM, SIGINT
//!   and friends as events a task awaits.
//! * [`future`]: `join!`/`select!` for any number of futures, their array
//!   and two-future forms, `yield_now`; no allocation.
//! * `actor`: actors with typed static mailboxes, `tell`/`ask` with
//!   cancel-safe replies, and OTP-style supervision.
//! * `fiber`: stackful green threads on static stacks, run as tasks of the
//!   same executor, waiting on any future in blocking style.
//! * `sync`: channels, mutex, semaphore, signal, notify and one-shot slots
//!   for tasks that talk, static and allocation-free.
//! * `rt` (feature `rt`): start-up for freestanding Linux programs — the entry
//!   point macro `main!`, argv/envp, printing, the panic handler and the
//!   freestanding test harness; `rt::cores` runs one executor per core.
//! * `thread` (feature `rt`): threads without libc — raw `clone`, `mmap`
//!   stacks with a guard, a thread-control block behind the thread pointer.
//!
//! Features (none is on by default): `linux` (the Linux modules), `rt`
//! (start-up for freestanding Linux programs; implies `linux`), `std` (the
//! host park `executor::StdPark`, and `thread_local!` for the executor's
//! same-thread wakes), `trace`, `many-pools`, `critical-section`
//! or `unsafe-assume-single-core` (targets without compare-and-swap),
//! `single-core` (microcontrollers: one core runs bitwake, so thread-mode
//! wakes on Cortex-M need no atomics),
//! `syscalls-crate` and `fault-inject` (syscall backends). `cargo doc` on a
//! Linux host documents every module whatever the features; each module and
//! item that needs one says so.
//!
//! Host unit tests build with `std`; everything else is `no_std` and never
//! allocates.
#![cfg_attr(not(test), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

// Linux-only modules: `sys`, `reactor`, `io` and `net` exist on freestanding
// Linux (feature `linux`, or host unit tests and docs on Linux), on the
// architectures `arch/` supports. Each file carries that `#![cfg]` at its
// top; docs.rs (nightly) also marks every item inside with the feature.
#[cfg_attr(docsrs, doc(cfg(feature = "linux")))]
pub mod io;
#[cfg_attr(docsrs, doc(cfg(feature = "linux")))]
pub mod net;
#[cfg_attr(docsrs, doc(cfg(feature = "linux")))]
pub mod reactor;
#[cfg_attr(docsrs, doc(cfg(feature = "linux")))]
pub mod signal;
#[cfg_attr(docsrs, doc(cfg(feature = "linux")))]
pub mod sys;

// Feature `linux-critical-section`: the `critical-section` implementation.
mod linux_critical_section;
mod lock;
pub mod trace;
mod waitlist;

#[cfg(any(
    feature = "rt",
    all(
        doc,
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )
))]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
pub mod rt;
// Documented with `rt` (which uses it), as that is.
#[cfg(any(
    feature = "rt",
    all(
        doc,
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )
))]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
pub mod thread;
// On a microcontroller `main!` and the print macros forward to the platform
// crate (`bitwake-mcu`): same program source as on Linux.
#[cfg(all(
    not(feature = "rt"),
    target_os = "none",
    not(any(target_arch = "x86_64", target_arch = "aarch64"))
))]
#[path = "rt/mcu.rs"]
mod mcu_rt;

pub mod actor;
pub mod executor;
#[cfg(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "arm",
    target_arch = "riscv32"
))]
pub mod fiber;
pub mod future;
pub mod sync;
pub mod time;

/// Gives each item the condition under which the crate has a platform layer
/// to run on: a microcontroller's (through `bitwake-mcu`), Linux's on the
/// architectures with a syscall layer (feature `linux`), or std's.
macro_rules! with_platform {
    ($($item:item)*) => {$(
        #[cfg(any(
            all(
                target_os = "none",
                not(any(target_arch = "x86_64", target_arch = "aarch64"))
            ),
            feature = "std",
            all(
                any(feature = "linux", all(any(test, doc), target_os = "linux")),
                any(target_arch = "x86_64", target_arch = "aarch64")
            )
        ))]
        $item
    )*};
}

with_platform! {
    mod platform;
    pub use platform::{block_on, block_on_local, spawn, try_spawn};
}
