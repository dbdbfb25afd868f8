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
//!   with `embedded-io-async` traits; `signal` (Linux only): SIGTERM, SIGINT
//!   and friends as events a task awaits.
//! * `sync`: channels, mutex, semaphore, signal, notify and one-shot slots
//!   for tasks that talk, static and allocation-free.
//! * `rt` (feature `rt`): start-up for freestanding Linux programs — the entry
//!   point macro `main!`, argv/envp, printing, the panic handler and the
//!   freestanding test harness.
//!
//! Host unit tests build with `std`; everything else is `no_std` and never
//! allocates.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

// Linux-only modules: `sys`, `reactor`, `io` and `net` exist on freestanding
// Linux (feature `linux`, or host unit tests on Linux), on the architectures
// `arch/` supports. Each file carries that `#![cfg]` at its top.
pub mod io;
pub mod net;
pub mod reactor;
pub mod signal;
pub mod sys;

mod lock;
pub mod trace;
mod waitlist;

#[cfg(feature = "rt")]
pub mod rt;
// On a microcontroller `main!` and the print macros forward to the platform
// crate (`bitwake-mcu`): same program source as on Linux.
#[cfg(all(
    not(feature = "rt"),
    target_os = "none",
    not(any(target_arch = "x86_64", target_arch = "aarch64"))
))]
#[path = "rt/mcu.rs"]
mod mcu_rt;

pub mod executor;
#[cfg(any(
    all(
        target_os = "none",
        not(any(target_arch = "x86_64", target_arch = "aarch64"))
    ),
    feature = "std",
    all(
        any(feature = "linux", all(test, target_os = "linux")),
        any(target_arch = "x86_64", target_arch = "aarch64")
    )
))]
mod platform;
pub mod sync;
pub mod time;

#[cfg(any(
    all(
        target_os = "none",
        not(any(target_arch = "x86_64", target_arch = "aarch64"))
    ),
    feature = "std",
    all(
        any(feature = "linux", all(test, target_os = "linux")),
        any(target_arch = "x86_64", target_arch = "aarch64")
    )
))]
pub use platform::{block_on, block_on_local, spawn};
