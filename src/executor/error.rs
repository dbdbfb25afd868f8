//! Why a task could not be spawned, and why a task produced no output.

use core::fmt;

/// Why a task could not be spawned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnError {
    /// Every slot of the task's pool is taken. Retry after one frees (a task
    /// finishes and its output is taken or its handle dropped).
    Full,
    /// The program already has [`MAX_POOLS`](super::MAX_POOLS) pools: this
    /// task function's pool could not be registered. Permanent for this
    /// pool; pools that got an entry keep working. On 32-bit targets the
    /// crate feature `many-pools` raises the limit.
    TooManyPools,
    /// The pool is bound to another executor.
    OtherExecutor,
    /// The [`LocalSpawner`](super::LocalSpawner) outlived the
    /// [`block_on_local`](super::Executor::block_on_local) run that made it.
    /// The task was dropped on the spawner's thread, unpolled.
    NotRunning,
    /// There is no such core: the thread-per-core runtime
    /// (`bitwake::rt::cores`) is not running with that many cores.
    NoSuchCore,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpawnError::Full => "task pool is full",
            SpawnError::TooManyPools => "too many task pools (see bitwake::executor::MAX_POOLS)",
            SpawnError::OtherExecutor => "task pool is bound to another executor",
            SpawnError::NotRunning => "local spawner used after its executor run ended",
            SpawnError::NoSuchCore => "no such core in the running thread-per-core runtime",
        })
    }
}

impl core::error::Error for SpawnError {}

/// Why a task produced no output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinError {
    /// The task was aborted, or dropped when its executor shut down.
    Cancelled,
    /// The task's poll panicked (only observable where panics unwind).
    Panicked,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JoinError::Cancelled => "task was cancelled",
            JoinError::Panicked => "task panicked",
        })
    }
}
