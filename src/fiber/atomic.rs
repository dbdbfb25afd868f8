//! The atomics of the fibers' bookkeeping (`portable-atomic`, native where
//! the CPU has them; a loom model compiles `handoff.rs` with loom's).

pub(crate) use portable_atomic::{AtomicU32, Ordering};
