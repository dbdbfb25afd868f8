//! Which executor each pool of a per-core group belongs to.
//!
//! A group (`per_core.rs`) has one owner word per pool: null until an
//! executor takes the pool, then that executor's address for good. Pools
//! are taken in index order, so an executor finds its pool, or the first
//! free one, with at most one load per pool taken before it, and one
//! compare-and-swap when it takes a pool. The addresses are identities,
//! compared and never dereferenced.

use super::atomic::{AtomicPtr, Ordering::*};
use core::ptr;

/// The index of the pool that belongs to `me`, taking the first free one if
/// none does; `None` when every pool belongs to another executor. Callers
/// racing for the same executor get the same index; callers for different
/// executors never do.
#[inline]
pub(crate) fn pick<T>(owners: &[AtomicPtr<T>], me: *mut T) -> Option<usize> {
    for (i, owner) in owners.iter().enumerate() {
        // Relaxed is enough: the word is only an identity, and whatever the
        // pool publishes on first use (its table, its registry entry) has
        // its own Release/Acquire pairs.
        let o = owner.load(Relaxed);
        if o == me {
            return Some(i);
        }
        if o.is_null() {
            match owner.compare_exchange(ptr::null_mut(), me, Relaxed, Relaxed) {
                Ok(_) => return Some(i),
                // Another caller for the same executor took it first.
                Err(o) if o == me => return Some(i),
                // Another executor took it: try the next pool.
                Err(_) => {}
            }
        }
    }
    None
}
