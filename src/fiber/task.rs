//! A fiber as an executor task: the future whose poll is one switch into the
//! fiber, and the static pools those futures live in.
//!
//! Every fiber's task has the same future type (`FiberTask`: a pointer to
//! the control block at the top of its stack), so all fibers share a few
//! static task pools, whatever their closures: a fiber costs one pool slot
//! (a pointer) and its 4-byte metadata word beyond its stack.

use super::arch;
use super::control::{self, Control, DONE, WAITING, YIELDED};
use super::current;
use super::overflow;
use super::stack;
use crate::executor::__private::{slot_layout, words_for};
use crate::executor::{RawPool, SpawnError, SpawnToken};
use core::future::Future;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll};

/// The task that runs one fiber: the address of its control block (at
/// least 16-aligned), with two flags in the low bits so the task stays one
/// word.
pub(crate) struct FiberTask {
    tagged: usize,
}

/// The fiber has been resumed at least once.
const TAG_STARTED: usize = 1;
/// The fiber side is done with the frame (it may already be reused).
const TAG_DONE: usize = 2;
const TAGS: usize = TAG_STARTED | TAG_DONE;

// SAFETY: a fiber task is created for a `Send` closure with a `Send`
// result (see `spawn_on`), and its frame is reached only by its executor's
// thread, except the state word (atomic) and the result (taken by the
// handle after the fiber side is done with it).
unsafe impl Send for FiberTask {}

impl FiberTask {
    fn new(ctl: NonNull<Control>) -> Self {
        let tagged = ctl.as_ptr() as usize;
        debug_assert_eq!(tagged & TAGS, 0);
        Self { tagged }
    }

    fn ctl(&self) -> *mut Control {
        (self.tagged & !TAGS) as *mut Control
    }
}

impl Future for FiberTask {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let ctl = self.ctl();
        if self.tagged & TAG_DONE != 0 {
            return Poll::Ready(());
        }
        self.tagged |= TAG_STARTED;
        // SAFETY: the frame lives until both sides are done, and the fiber
        // side (this task) is not done before it returns `Ready`. Only this
        // thread resumes the fiber, which is suspended (or not started)
        // between polls, so it is never resumed once finished.
        unsafe {
            (*ctl).cx = (cx as *mut Context<'_>).cast();
            let prev = current::enter(ctl);
            #[cfg(all(feature = "fiber-mpu-guard", target_arch = "arm", target_os = "none"))]
            let guarded = super::mpu::guard(ctl);
            let status = arch::resume(&raw mut (*ctl).ctx);
            #[cfg(all(feature = "fiber-mpu-guard", target_arch = "arm", target_os = "none"))]
            super::mpu::restore(guarded);
            current::leave(prev);
            if !stack::canary_intact((*ctl).stack.bottom) {
                overflow::report((*ctl).id, (*ctl).stack.size);
            }
            match status {
                YIELDED => {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                WAITING => Poll::Pending,
                _ => {
                    debug_assert_eq!(status, DONE);
                    self.tagged |= TAG_DONE;
                    control::fiber_off(ctl, true);
                    Poll::Ready(())
                }
            }
        }
    }
}

impl Drop for FiberTask {
    fn drop(&mut self) {
        let ctl = self.ctl();
        if self.tagged & TAG_DONE != 0 {
            return;
        }
        // SAFETY: the fiber side (this task) is not done, so the frame is
        // alive; dropping the task is its last use of it.
        unsafe {
            if self.tagged & TAG_STARTED == 0 {
                control::fiber_off(ctl, false);
            } else {
                // Suspended mid-closure: its frames may hold pinned values
                // (wait-list nodes, timers) that must never be overwritten.
                stack::abandon(&(*ctl).stack);
            }
        }
    }
}

const SLOT: (usize, usize) = slot_layout::<FiberTask, ()>();
/// A fiber task's pool slot.
pub(crate) const SLOT_BYTES: usize = SLOT.0;

/// Fibers alive at once: `POOLS × CAPACITY`. On 64-bit targets 12,288 (a
/// pool slot and metadata word are 12 bytes, 147 KiB of `.bss` in a program
/// that uses fibers); on 32-bit ones 128 (1 KiB).
#[cfg(target_pointer_width = "64")]
const POOLS: usize = 3;
#[cfg(target_pointer_width = "64")]
const CAPACITY: usize = 4096;
#[cfg(not(target_pointer_width = "64"))]
const POOLS: usize = 1;
#[cfg(not(target_pointer_width = "64"))]
const CAPACITY: usize = 128;

/// How many fibers can be alive at once (their tasks' pools).
pub const MAX_FIBERS: usize = POOLS * CAPACITY;

type Pool = RawPool<{ SLOT.0 }, { SLOT.1 }, CAPACITY, { words_for(CAPACITY) }>;

static TASKS: [Pool; POOLS] = [const { RawPool::new() }; POOLS];

/// Creates the task for the fiber of `ctl` in the first pool with room;
/// `None` when all are full.
pub(crate) fn token(ctl: NonNull<Control>) -> Result<SpawnToken<FiberTask>, SpawnError> {
    let mut err = SpawnError::Full;
    for pool in &TASKS {
        // SAFETY: these pools only ever hold `FiberTask`s.
        let t = unsafe { pool.spawn_token((), |()| FiberTask::new(ctl)) };
        if t.is_ok() {
            return Ok(t);
        }
        if let Some(e) = t.error() {
            err = e;
        }
    }
    Err(err)
}
