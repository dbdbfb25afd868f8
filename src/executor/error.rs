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
    /// The task function was declared with `cores = C` in
    /// [`task!`](crate::task), and its `C` pools already belong to `C`
    /// other executors: this executor has none. Permanent for this
    /// executor and task function (pools are never given back); raise
    /// `cores`. The arguments come back unused.
    TooManyExecutors,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpawnError::Full => "task pool is full (raise its pool_size)",
            SpawnError::TooManyPools => {
                "too many task pools (MAX_POOLS; 32-bit: feature many-pools)"
            }
            SpawnError::OtherExecutor => "task pool is bound to another executor",
            SpawnError::NotRunning => "local spawner used after its executor run ended",
            SpawnError::NoSuchCore => {
                "no such core (spawn_on takes a core below rt::cores::count())"
            }
            SpawnError::TooManyExecutors => {
                "every per-core pool of this task function belongs to another executor (raise its cores)"
            }
        })
    }
}

impl core::error::Error for SpawnError {}

/// A task that `try_spawn` did not start: why, and its arguments when the
/// task was refused before they were used.
///
/// A task function ([`task!`](crate::task)) creates its task in its pool
/// when it is called. If the pool is full ([`SpawnError::Full`]) or could
/// not be registered ([`SpawnError::TooManyPools`]), no future was built and
/// `args` holds the arguments unchanged, as a tuple in declaration order:
/// a server can still answer `503` on the stream it meant to hand over.
/// For the errors found later, when the task is handed to an executor
/// ([`SpawnError::OtherExecutor`], [`SpawnError::NotRunning`]), the future
/// already owned them and was dropped: `args` is `None`.
///
/// A per-core task function (`cores = C`) creates its task only when an
/// executor starts it, so every refusal of such a task
/// ([`SpawnError::Full`] in that executor's pool,
/// [`SpawnError::TooManyExecutors`], [`SpawnError::NotRunning`], ...)
/// comes with `args`.
///
/// ```
/// use bitwake::executor::{Executor, Rejected, SpawnError, SpinPark};
///
/// bitwake::task! {
///     pool_size = 1;
///     async fn echo(text: &'static str, n: u32) -> u32 {
///         n
///     }
/// }
///
/// static PARK: SpinPark = SpinPark;
/// static EXEC: Executor = Executor::new(&PARK);
/// let first = EXEC.try_spawn(echo("first", 1)).unwrap();
/// // The only slot is taken: the second task's arguments come back.
/// match EXEC.try_spawn(echo("second", 2)) {
///     Err(Rejected { error: SpawnError::Full, args: Some((text, n)) }) => {
///         assert_eq!((text, n), ("second", 2));
///     }
///     other => panic!("expected a full pool, got {:?}", other.map(|_| ())),
/// }
/// assert_eq!(EXEC.block_on(first), Ok(1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected<A> {
    /// Why the task was not started.
    pub error: SpawnError,
    /// The task function's arguments (a tuple), when they were not used.
    pub args: Option<A>,
}

impl<A> fmt::Display for Rejected<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl<A: fmt::Debug> core::error::Error for Rejected<A> {}

impl<A> From<Rejected<A>> for SpawnError {
    fn from(r: Rejected<A>) -> SpawnError {
        r.error
    }
}

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
