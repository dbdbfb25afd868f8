//! The global table from a task id's pool index to the pool's header.
//!
//! A remote waker's data word is a [`TaskId`]: no pointer, no reference
//! count, so cloning copies the word and dropping does nothing. The table
//! holds one pointer per pool, assigned when the pool's first task is created
//! and never reused (pools are `'static`). Executors are not in it: their
//! `block_on` future's wakers point at the executor itself.
//!
//! [`MAX_POOLS`] entries: 512 on 64-bit targets (4 KiB of `.bss`, one page);
//! 32 on 32-bit microcontrollers (128 bytes of RAM), or 512 there too with
//! the crate feature `many-pools`. A program that creates tasks in more pools
//! than that gets [`SpawnError::TooManyPools`] from the extra pools' task
//! functions (an error value; nothing panics).

use super::atomic::{AtomicPtr, AtomicUsize, Ordering};
use super::error::SpawnError;
use super::exec_core::ExecCore;
use super::header::{self, Header};
use super::layout;
use super::running_here;
use super::slot_state::TASK_CODES;
use super::task_id::{MAX_CAPACITY, TaskId};
use core::ptr;

/// How many task pools (task functions with at least one task created) a
/// program can have in total: 512 on 64-bit targets or with the crate
/// feature `many-pools`, 32 otherwise.
pub const MAX_POOLS: usize = if cfg!(any(target_pointer_width = "64", feature = "many-pools")) {
    512
} else {
    32
};

// Every index + 1 fits the header's field; every id fits a waker's word and
// a slot's joiner field.
const _: () = assert!(MAX_POOLS < u16::MAX as usize);
const _: () = assert!(TaskId::new(MAX_POOLS - 1, MAX_CAPACITY - 1).to_bits() < TASK_CODES);

static TABLE: [AtomicPtr<Header>; MAX_POOLS] =
    [const { AtomicPtr::new(ptr::null_mut()) }; MAX_POOLS];
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The registry index of `h`, registering it on first use.
///
/// # Safety
/// `h` points to a `'static` pool header as described in
/// [`header::ready_words`], with its sizes set.
pub(crate) unsafe fn register(h: *const Header) -> Result<usize, SpawnError> {
    // SAFETY: `h` is a live static header.
    let hdr = unsafe { &*h };
    let i = hdr.index.load(Ordering::Acquire);
    if i != 0 {
        return Ok(i as usize - 1);
    }
    let mut next = NEXT.load(Ordering::Relaxed);
    loop {
        if next >= MAX_POOLS {
            return Err(SpawnError::TooManyPools);
        }
        match NEXT.compare_exchange_weak(next, next + 1, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break,
            Err(n) => next = n,
        }
    }
    TABLE[next].store(h.cast_mut(), Ordering::Release);
    match hdr
        .index
        .compare_exchange(0, next as u16 + 1, Ordering::AcqRel, Ordering::Acquire)
    {
        Ok(_) => Ok(next),
        // Another thread registered it first: our entry stays unused.
        Err(i) => Ok(i as usize - 1),
    }
}

/// The header of the pool `id` names, and the slot, if that pool is
/// registered and has the slot. Unknown ids (never registered, slot out of
/// range) give `None`: a stale or foreign id never touches memory outside
/// the registered pools.
#[inline]
pub(crate) fn lookup(id: TaskId) -> Option<(*const Header, usize)> {
    let h = TABLE.get(id.index())?.load(Ordering::Acquire);
    if h.is_null() {
        return None;
    }
    let slot = id.slot();
    // SAFETY: registered headers are `'static` and registered with full
    // provenance (see `register`).
    (slot < unsafe { (*h).capacity() }).then_some((h.cast_const(), slot))
}

/// Wakes the task `id` names (from any thread); unknown ids are ignored.
///
/// On the thread running the pool's executor (outside handlers where the
/// platform can tell, see `running_here.rs`) the wake sets the executor-private
/// bits without a locked instruction and without the unpark check (that
/// executor is awake: it is running here). Anywhere else: the atomic
/// protocol of `ready.rs`.
#[inline]
pub(crate) fn wake(id: TaskId) {
    // SAFETY: `running_here::is` is true only for the executor whose run
    // loop is active on this thread.
    unsafe { wake_if_here(id, running_here::is) }
}

/// [`wake`] with the "does this executor run on this thread?" test given:
/// the executor's own paths (a join waking its joiner) already know the
/// answer and skip the platform's test.
///
/// # Safety
/// `runs_here(exec)` is true only if `exec`'s run loop is active on the
/// calling thread.
#[inline(always)]
pub(crate) unsafe fn wake_if_here(id: TaskId, runs_here: impl FnOnce(*const ExecCore) -> bool) {
    if let Some((h, slot)) = lookup(id) {
        // SAFETY: registered headers are static.
        let exec = unsafe { (*h).exec.load(Ordering::Relaxed) };
        if runs_here(exec) {
            // SAFETY: a registered pool bound to the executor running on
            // this thread (so a task was created in it: its sizes are set),
            // `slot < capacity`.
            unsafe { layout::wake_local(h, slot) };
            crate::trace!("wake task {}:{slot} on its executor's thread", id.index());
        } else {
            // SAFETY: a registered static pool, and `slot < capacity`.
            unsafe { header::wake_slot(h, slot) };
        }
    }
}
