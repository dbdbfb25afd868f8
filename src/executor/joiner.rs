//! Waking a finished task's joiner from the executor that finished it.
//!
//! Completions happen on the thread running the pool's executor, so a
//! joiner bound to that same executor (its `block_on` future, or a task in
//! one of its pools) is re-queued in an executor-private bitmap with plain
//! stores, no atomic read-modify-write. Any other joiner takes the atomic
//! path of its waker.

use super::exec_core::ExecCore;
use super::header::Header;
use super::registry;
use super::slot_state::Joiner;
use super::task_id::TaskId;
use core::ptr;

/// Wakes the joiner recorded in a metadata word's joiner field (`code`) of
/// a task in the pool `h`, which `core` runs.
///
/// # Safety
/// Only the thread running `core`'s executor may call it, and `h` must be
/// bound to `core`.
#[inline]
pub(crate) unsafe fn wake_joiner(h: &Header, code: u32, core: &ExecCore) {
    match Joiner::from_code(code) {
        Joiner::None => {}
        // SAFETY: a `Main` joiner is the `block_on` future of the pool's
        // executor, which is `core`; we are on its thread.
        Joiner::Main => unsafe { core.wake_main_local() },
        Joiner::Foreign => h.foreign.wake(),
        // SAFETY: forwarded contract.
        Joiner::Task(id) => unsafe { wake_task(id, core) },
    }
}

/// Wakes task `id` from the thread running `core`.
///
/// # Safety
/// Only the thread running `core`'s executor may call it.
#[inline]
unsafe fn wake_task(id: TaskId, core: &ExecCore) {
    // SAFETY: by the contract, `core` is the executor running here.
    unsafe { registry::wake_if_here(id, |exec| ptr::eq(exec, core)) }
}
