//! The atomic types the executor uses.
//!
//! `portable-atomic` re-exports the native `core` atomics wherever the target
//! has them (x86-64, thumbv7em, riscv32imac), so this costs nothing there. On
//! targets without compare-and-swap (thumbv6m, riscv32imc) the read-modify-write
//! operations need one of the crate features `critical-section` or
//! `unsafe-assume-single-core`, chosen by the final binary.

#[cfg(loom)]
pub(crate) use portable_atomic::fence;
pub(crate) use portable_atomic::{
    AtomicBool, AtomicPtr, AtomicU8, AtomicU16, AtomicU32, AtomicUsize, Ordering,
};
