//! The static executor: tasks in static pools, wakers that are bits.
//!
//! * Tasks are declared with [`task!`](crate::task): each task function owns a
//!   static pool of `N` slots (no heap, no `alloc`). Calling the function
//!   creates the task in a free slot and returns a [`SpawnToken`];
//!   [`Executor::spawn`] (or [`spawn`](crate::spawn)) starts it and returns a
//!   [`JoinHandle`]. A full pool gives [`SpawnError::Full`].
//! * [`Executor::block_on`] (or [`block_on`](crate::block_on)) runs a main future, which needs
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
//! Tasks whose future is not `Send` (it holds an `Rc` across an `.await`)
//! are started through the [`LocalSpawner`] that
//! [`Executor::block_on_local`] hands to its future; they are created,
//! polled and dropped on the executor's thread only.
//!
//! # Layout
//!
//! One idea per file, and no two files import each other, even indirectly
//! (`cargo xtask lint` checks it). From the bottom up:
//!
//! | file | what |
//! |---|---|
//! | `atomic.rs`, `align.rs` | the atomics used (`portable-atomic`), alignment as a const generic |
//! | `task_id.rs` | `TaskId`: the one encoding of (pool index, slot) in a waker's word |
//! | `slot_state.rs` | a slot's metadata word: lifecycle flags and the joiner |
//! | `ready.rs` | the wake-versus-scan-versus-park protocol on a ready bitmap (loom-checked) |
//! | `atomic_waker.rs` | one-waker cell for foreign joiners |
//! | `park.rs` | the [`Park`] seam |
//! | `error.rs` | [`SpawnError`], [`Rejected`], [`JoinError`] |
//! | `exec_core.rs` | `ExecCore`: the part of an executor that wakers reach |
//! | `header.rs` | the type-erased head of every pool, `wake_slot` |
//! | `registry.rs` | the table from a task id's pool index to the pool |
//! | `layout.rs` | a pool's fields without its type (offsets from its word count) |
//! | `waker.rs` | the waker vtables and the local fast path's soundness |
//! | `joiner.rs` | waking a finished task's joiner from its executor |
//! | `token.rs`, `handle.rs` | [`SpawnToken`], [`JoinHandle`] |
//! | `join_set.rs` | [`JoinSet`]: handles awaited as their tasks finish |
//! | `pool.rs` | [`RawPool`]: slots, bitmaps, the typed poll loop |
//! | `owners.rs` | which executor each pool of a per-core group belongs to |
//! | `per_core.rs` | one task function's pools, one per executor (`task!` with `cores`) |
//! | `run.rs` | [`Executor`]: `block_on`, `spawn`, the run loop, bound pools, shutdown |
//! | `spawner.rs` | [`LocalSpawner`], [`Executor::block_on_local`] |
//! | `futures.rs`, `macros.rs` | `yield_now`/`join`/`select` (from [`crate::future`]), [`task!`](crate::task) |
//!
//! # Limits
//!
//! A pool has at most [`MAX_CAPACITY`] slots (a compile-time error beyond).
//! A program can have [`MAX_POOLS`] task pools (512 on 64-bit targets; 32
//! on 32-bit ones, or 512 with the crate feature `many-pools`); the task
//! functions of any further pool return tokens that carry
//! [`SpawnError::TooManyPools`]. Executors do not count, and
//! `block_on` needs no registration, so it never fails for a limit.
//!
//! # Footprint
//!
//! A slot is exactly `max(size_of future, size_of output)` plus one 4-byte
//! metadata word (flags and the joiner) plus 4 bits in bitmaps: see
//! [`footprint`].

mod align;
mod atomic;
mod atomic_waker;
mod error;
mod exec_core;
mod futures;
mod handle;
mod header;
mod join_set;
mod joiner;
mod layout;
mod macros;
mod owners;
pub mod park;
mod per_core;
mod pool;
mod ready;
mod registry;
mod run;
mod slot_state;
mod spawner;
mod task_id;
mod token;
mod waker;

pub use align::{Align, Alignment};
pub use error::{JoinError, Rejected, SpawnError};
pub use futures::{Either, Join, Select, YieldNow, join, select, yield_now};
pub use handle::JoinHandle;
pub use join_set::{JoinNext, JoinSet};
pub use park::{Awake, HookPark, Park, ParkFn, SpinPark};
pub use pool::RawPool;
pub use registry::MAX_POOLS;
pub use run::Executor;
pub use spawner::LocalSpawner;
pub use task_id::MAX_CAPACITY;
pub use token::SpawnToken;

#[cfg(any(test, feature = "std", all(doc, target_os = "linux")))]
pub use park::StdPark;

/// The park hook of the [default executor](DEFAULT). The platform installs
/// its park/unpark here the first time [`crate::block_on`] or
/// [`crate::spawn`] is called (until then it spins).
pub static DEFAULT_PARK: HookPark = HookPark::new();

/// The default executor: what [`crate::block_on`] and [`crate::spawn`] run
/// on, parked the platform's way.
pub static DEFAULT: Executor = Executor::new(&DEFAULT_PARK);

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
    /// Bytes of the global pool registry ([`MAX_POOLS`] pointers).
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
    pub use super::per_core::PerCorePools;
    pub use super::pool::{TaskFn, slot_layout, task_layout, words_for};
    pub use super::token::{Placed, StartOn};
}

#[cfg(test)]
mod tests {
    #[test]
    fn footprint_is_within_budget() {
        let f = super::footprint();
        // At most 4 bytes per slot beyond the future.
        assert!(f.task_overhead <= 4, "{f:?}");
        // The fixed part of a pool is its header plus four bitmaps.
        assert!(f.pool64_fixed <= 128, "{f:?}");
        assert!(f.executor <= 160, "{f:?}");
    }
}
