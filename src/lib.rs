//! bitwake: a `no_std`, zero-heap, zero-libc async runtime.
//!
//! The crate is layered so that a reader can find each idea in one place:
//!
//! * [`sys`] (Linux only): typed system calls over the raw `syscallN` family
//!   that lives in the `bitwake-arch` crate (`arch/`). Errors are [`sys::Errno`].
//! * [`rt`] (feature `rt`): start-up for freestanding Linux programs — the entry
//!   point macro [`main!`], argv/envp, printing, the panic handler and the
//!   freestanding test harness.
//!
//! Host unit tests build with `std`; everything else is `no_std` and never
//! allocates.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[cfg(all(
    any(feature = "linux", all(test, target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
pub mod sys;

#[cfg(feature = "rt")]
pub mod rt;

pub mod executor;
pub mod http;
pub mod time;
