//! Why a fiber could not be spawned: [`StackError`], [`SpawnError`].

use crate::executor;
use core::fmt;

/// Why a stack could not be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackError {
    /// The stack is claimed by another fiber (or every stack of the pool is).
    Busy,
    /// The stack is too small for the closure, its result and a first frame.
    TooSmall,
    /// `mmap` or `mprotect` failed with this errno (Linux).
    Map(i32),
}

/// Why a fiber could not be spawned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnError {
    /// No stack.
    Stack(StackError),
    /// No task: the fibers' task pools are full ([`MAX_FIBERS`](super::MAX_FIBERS)) or bound
    /// to another executor.
    Task(executor::SpawnError),
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StackError::Busy => f.write_str("fiber stack is in use"),
            StackError::TooSmall => f.write_str("fiber stack is too small for the closure"),
            StackError::Map(e) => write!(f, "mapping a fiber stack failed (errno {e})"),
        }
    }
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Stack(e) => e.fmt(f),
            SpawnError::Task(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for StackError {}
impl core::error::Error for SpawnError {}

impl From<StackError> for SpawnError {
    fn from(e: StackError) -> Self {
        SpawnError::Stack(e)
    }
}
