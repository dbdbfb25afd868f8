//! Per-core pools: one task function, one pool per executor.
//!
//! A [`RawPool`] binds to the first executor that starts one of its tasks,
//! so one pool cannot serve two executors. A thread-per-core program wants
//! one task function for every core, so [`task!`](crate::task) with
//! `cores = C` declares `C` pools of the same type and the same capacity in
//! one [`PerCorePools`] static, private to the task function like a plain
//! pool.
//!
//! Which pool a task goes in is known only when an executor starts it: the
//! task function returns a token holding its arguments, and the executor's
//! start creates the task in *its* pool ([`PerCorePools::place`]). The
//! first executor to start a task of the function takes pool 0, the next
//! one pool 1, and so on; a pool stays with its executor for the life of the
//! program, like a plain pool. An executor beyond the `C`-th gets
//! [`SpawnError::TooManyExecutors`], its arguments back, and nothing else
//! changes.
//!
//! Each pool keeps a plain pool's behaviour exactly: the same capacity, the
//! same `Full` with the arguments handed back, the same typed poll; a pool's
//! registry entry is taken when its first task is created.

use super::align::{Align, Alignment};
use super::atomic::AtomicPtr;
use super::error::SpawnError;
use super::exec_core::ExecCore;
use super::owners;
use super::pool::RawPool;
use super::registry::MAX_POOLS;
use super::token::{Placed, StartOn};
use core::future::Future;
use core::ptr;

/// `CORES` pools of `N` slots of one task function (see the module docs):
/// `CORES` times a plain pool's memory, plus one pointer per pool.
///
/// Not meant to be named by hand: [`task!`](crate::task) declares the
/// `static` when given `cores = C`.
#[doc(hidden)]
pub struct PerCorePools<
    const SIZE: usize,
    const ALIGN: usize,
    const N: usize,
    const W: usize,
    const CORES: usize,
> where
    Align<ALIGN>: Alignment,
{
    /// The executor (its core) each pool belongs to (see `owners.rs`).
    owners: [AtomicPtr<ExecCore>; CORES],
    pools: [RawPool<SIZE, ALIGN, N, W>; CORES],
}

impl<const SIZE: usize, const ALIGN: usize, const N: usize, const W: usize, const CORES: usize>
    PerCorePools<SIZE, ALIGN, N, W, CORES>
where
    Align<ALIGN>: Alignment,
{
    /// Unused pools: all zero, so the static lands in `.bss`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        assert!(
            CORES > 0 && CORES <= MAX_POOLS,
            "cores must be 1..=MAX_POOLS (each core's pool takes a registry entry)"
        );
        Self {
            owners: [const { AtomicPtr::new(ptr::null_mut()) }; CORES],
            pools: [const { RawPool::new() }; CORES],
        }
    }

    /// Creates a task in the pool of the executor `on`, or hands back the
    /// arguments with why not: [`SpawnError::TooManyExecutors`] when every
    /// pool belongs to another executor, or the pool's own refusal
    /// ([`SpawnError::Full`], [`SpawnError::TooManyPools`]).
    ///
    /// # Safety
    /// Every call on one `PerCorePools` must use the same future type `F`,
    /// as for [`RawPool::spawn_token`]: [`task!`](crate::task) keeps the
    /// static private to the task function.
    #[inline]
    pub unsafe fn place<F, T, A>(
        &'static self,
        on: StartOn,
        args: A,
        make: impl FnOnce(A) -> F,
    ) -> Placed<F, A>
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        match owners::pick(&self.owners, on.core()).and_then(|i| self.pools.get(i)) {
            // SAFETY: every pool of the group gets only `F` (the caller's
            // contract covers the whole group).
            Some(pool) => unsafe { pool.create(args, make) },
            None => Placed::err(SpawnError::TooManyExecutors, args),
        }
    }
}
