//! The static executor: tasks in static pools, wakers that are bits.
//!
//! * Tasks are declared with [`task!`](crate::task): each task function owns a
//!   static pool of `N` slots (no heap, no `alloc`). Calling the function
//!   creates the task in a free slot and returns a [`SpawnToken`];
//!   [`Executor::spawn`] (or [`spawn`]) starts it and returns a
//!   [`JoinHandle`]. A full pool gives [`SpawnError::Full`].
//! * [`Executor::block_on`] (or [`block_on`]) runs a main future, which needs
//!   no slot, together with the spawned tasks.
//! * A waker is an id (pool, slot); waking is one atomic `fetch_or` on the
//!   pool's ready bitmap ([`ready`](self) protocol), and the executor polls
//!   exactly the set bits, each at most once per pass. A task waking itself
//!   through its `Context` takes a non-atomic path (see `waker.rs`).
//! * Idle executors sleep through the [`Park`] seam (see [`park`]).
//!
//! ```
//! use bitwake::executor::{Executor, SpinPark, JoinError, yield_now};
//!
//! bitwake::task! {
//!     pool_size = 4;
//!     async fn worker(n: u32) -> u32 {
//!         yield_now().await;
//!         n * 2
//!     }
//! }
//!
//! static PARK: SpinPark = SpinPark; // or the reactor's / an MCU's `Park`
//! static EXEC: Executor = Executor::new(&PARK);
//!
//! let total = EXEC.block_on(async {
//!     let a = EXEC.spawn(worker(1)).unwrap();        // JoinHandle<u32>
//!     let b = EXEC.spawn(worker(2)).unwrap();
//!     let c = EXEC.spawn(worker(3)).unwrap();
//!     c.abort();                                      // dropped in place
//!     assert_eq!(c.await, Err(JoinError::Cancelled));
//!     a.await.unwrap() + b.await.unwrap()
//! });
//! assert_eq!(total, 6);
//! ```
//!
//! Each file holds one idea: `ready.rs` (wake-vs-scan protocol), `waker.rs`
//! (vtables, fast-path soundness), `registry.rs` (id to pool), `header.rs`
//! (type-erased head), `pool.rs` (slots and bitmaps), `join.rs` (tokens and
//! handles), `run.rs` (run loop), `park.rs` (the seam), `futures.rs`
//! (`yield_now`/`join`/`select`), `align.rs`, `macros.rs`.
//!
//! # Footprint
//!
//! A slot is exactly `max(size_of future, size_of output)` plus one 4-byte
//! metadata word (done/detached/abort flags and the joiner's id) plus 4 bits
//! in bitmaps: see [`footprint`].

mod align;
mod atomic;
mod atomic_waker;
mod futures;
mod header;
mod join;
mod macros;
pub mod park;
mod pool;
mod ready;
mod registry;
mod run;
mod waker;

pub use align::{Align, Alignment};
pub use futures::{Either, Join, Select, YieldNow, join, select, yield_now};
pub use join::{JoinError, JoinHandle, SpawnToken};
pub use park::{Awake, HookPark, Park, ParkFn, SpinPark};
pub use pool::RawPool;
pub use registry::{MAX_CAPACITY, MAX_POOLS};
pub use run::Executor;

#[cfg(any(test, feature = "std"))]
pub use park::StdPark;

use core::fmt;
use core::future::Future;

/// Why a task could not be spawned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnError {
    /// Every slot of the task's pool is taken. Retry after one frees (a task
    /// finishes and its output is taken or its handle dropped).
    Full,
    /// The program already has [`MAX_POOLS`] pools and executors.
    TooManyPools,
    /// The pool is bound to another executor.
    OtherExecutor,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpawnError::Full => "task pool is full",
            SpawnError::TooManyPools => "too many task pools and executors",
            SpawnError::OtherExecutor => "task pool is bound to another executor",
        })
    }
}

impl core::error::Error for SpawnError {}

/// The park hook of the [default executor](DEFAULT): install the platform's
/// park/unpark here at start-up (until then it spins).
pub static DEFAULT_PARK: HookPark = HookPark::new();

/// The default executor, used by [`block_on`] and [`spawn`].
pub static DEFAULT: Executor = Executor::new(&DEFAULT_PARK);

/// Runs `fut` to completion on the [default executor](DEFAULT).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    DEFAULT.block_on(fut)
}

/// Starts a task on the [default executor](DEFAULT).
pub fn spawn<T>(token: SpawnToken<T>) -> Result<JoinHandle<T>, SpawnError> {
    DEFAULT.spawn(token)
}

/// Static sizes of the executor (see [`footprint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    /// Bytes per pool slot beyond the future (or output) itself, not counting
    /// the 4 bitmap bits per slot.
    pub task_overhead: usize,
    /// Bytes of a 64-slot pool that are neither slots nor per-slot metadata
    /// (header, bitmaps).
    pub pool64_fixed: usize,
    /// Bytes of one [`Executor`].
    pub executor: usize,
    /// Bytes of the global id registry.
    pub registry: usize,
}

impl Footprint {
    /// Fixed static bytes for one executor with one 64-task pool (futures
    /// excluded): pool fixed part + executor + registry.
    pub const fn static_for_64(&self) -> usize {
        self.pool64_fixed + 64 * self.task_overhead + self.executor + self.registry
    }
}

/// Computes the executor's footprint on the current target.
pub const fn footprint() -> Footprint {
    use core::mem::size_of;
    // A pool of 8-byte futures: everything that is not the 64 slots is fixed
    // or per-slot metadata.
    const S: usize = 8;
    let pool = size_of::<RawPool<S, 8, 64, 1>>();
    let meta = size_of::<atomic::AtomicU32>();
    Footprint {
        task_overhead: meta,
        pool64_fixed: pool - 64 * (S + meta),
        executor: size_of::<Executor>(),
        registry: MAX_POOLS * size_of::<usize>(),
    }
}

#[doc(hidden)]
pub mod __private {
    pub use super::pool::{slot_layout, words_for};
}

#[cfg(test)]
mod tests {
    #[test]
    fn footprint_is_within_budget() {
        let f = super::footprint();
        // Goal of issue 3: at most 4 bytes per slot beyond the future.
        assert!(f.task_overhead <= 4, "{f:?}");
        // The fixed part of a pool is its header plus four bitmaps.
        assert!(f.pool64_fixed <= 128, "{f:?}");
        assert!(f.executor <= 160, "{f:?}");
    }
}
