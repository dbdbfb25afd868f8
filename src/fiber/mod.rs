//! Fibers: stackful green threads on static stacks, run as tasks of the
//! same executor as `async` tasks.
//!
//! A fiber is a closure running on its own stack. Its code is plain
//! blocking-style Rust: it calls [`yield_now`], [`sleep`], or [`wait`] on any
//! `Future` (a socket read, a timer, a channel), and while that is pending
//! the fiber switches back to the executor, which runs other tasks; the
//! future's waker is the fiber's task's bit, so the executor resumes the
//! fiber when it is ready. Resuming is one context switch (the asm in
//! `arch/`, one file per architecture).
//!
//! ```ignore
//! use bitwake::fiber::{self, FiberStack};
//! use bitwake::time::Duration;
//!
//! static STACK: FiberStack<{ 16 * 1024 }> = FiberStack::new();
//!
//! bitwake::block_on(async {
//!     let h = fiber::spawn(&STACK, || {
//!         fiber::sleep(Duration::from_millis(10));  // other tasks run meanwhile
//!         fiber::yield_now();
//!         42
//!     })
//!     .unwrap();
//!     assert_eq!(h.await, Ok(42));
//! });
//! ```
//!
//! # Stacks
//!
//! A fiber runs on a stack it claims when spawned: a `&'static`
//! [`FiberStack<N>`] (exactly `N` bytes of `.bss`), the first free one of a
//! `&'static` [`StackPool<N, COUNT>`], or on Linux an owned `MmapStack`
//! (`mmap`ed, with a guard page below it). Its closure and result live at the
//! top of the stack; nothing is allocated. A stack is claimed by one fiber
//! at a time and is free again when the fiber has finished and its result
//! has been taken (or its handle dropped). Because stacks are `'static` or
//! owned, no API borrows a stack for a scope, so `mem::forget` of anything
//! can only keep a stack claimed, never free it early.
//!
//! # Overflow
//!
//! Never silent. Every stack has a canary in its lowest words, checked on
//! every switch out of its fiber; an `MmapStack` also has a guard page that
//! stops the overflowing write itself (a SIGSEGV handler on its own stack
//! reports it). The report reads `fiber N overflowed its S-byte stack`; on
//! Linux the process exits with [`OVERFLOW_EXIT_STATUS`], elsewhere it is a
//! panic. [`FiberStack::high_water`] tells how deep the last fiber went.
//!
//! # Rules
//!
//! * A fiber's closure and result are `Send + 'static` (the executor may run
//!   on another thread than the spawner).
//! * A panic in a fiber aborts the program with its message (it cannot
//!   unwind across the switch), as a panic in a task does on bitwake's
//!   targets (`panic = "abort"`).
//! * A fiber aborted (or dropped by its executor's shutdown) while
//!   suspended in the middle of its closure is never resumed, and its stack
//!   stays claimed for good: its frames may hold pinned values (timers,
//!   wait-list nodes) that must not be overwritten without being dropped.
//! * At most [`MAX_FIBERS`] fibers are alive at once (their tasks' static
//!   pools); they run on one executor (the first that runs a fiber, like any
//!   task pool).
//!
//! # Footprint
//!
//! Beyond its stack a fiber costs one task-pool slot (a pointer) and its
//! 4-byte metadata word (12 bytes on 64-bit targets, 8 on 32-bit ones).
//! Inside its stack, at the top: the control block (switch context, state,
//! the stack's description) and the larger of the closure and its result.

mod arch;
mod control;
mod current;
mod handle;
mod overflow;
mod stack;
mod task;

pub use current::{in_fiber, sleep, sleep_until, stack_pointer, try_wait, wait, yield_now};
pub use handle::JoinHandle;
pub use overflow::OVERFLOW_EXIT_STATUS;
pub use stack::{FiberStack, Stack, StackPool};
pub use task::MAX_FIBERS;

use crate::executor::{self, Executor};
use core::fmt;
use portable_atomic::{AtomicU32, Ordering::Relaxed};

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
    /// No task: the fibers' task pools are full ([`MAX_FIBERS`]) or bound
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

/// Fiber numbers, for overflow reports.
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// Starts `f` on a fiber running on `stack`, as a task of the default
/// executor (the one [`crate::block_on`] runs). Callable from any thread,
/// before or during `block_on`, and from fibers.
#[cfg(any(
    all(
        target_os = "none",
        not(any(target_arch = "x86_64", target_arch = "aarch64"))
    ),
    feature = "std",
    all(
        any(feature = "linux", all(test, target_os = "linux")),
        any(target_arch = "x86_64", target_arch = "aarch64")
    )
))]
pub fn spawn<S, F, T>(stack: S, f: F) -> Result<JoinHandle<T>, SpawnError>
where
    S: Stack,
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    start(stack, f, crate::spawn)
}

/// [`spawn`] on the executor `exec`.
pub fn spawn_on<S, F, T>(
    exec: &'static Executor,
    stack: S,
    f: F,
) -> Result<JoinHandle<T>, SpawnError>
where
    S: Stack,
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    start(stack, f, |t| exec.spawn(t))
}

fn start<S, F, T>(
    stack: S,
    f: F,
    spawn: impl FnOnce(
        executor::SpawnToken<task::FiberTask>,
    ) -> Result<executor::JoinHandle<()>, executor::SpawnError>,
) -> Result<JoinHandle<T>, SpawnError>
where
    S: Stack,
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let r = stack::sealed::Sealed::claim(stack)?;
    let id = NEXT_ID.fetch_add(1, Relaxed);
    let (ctl, out) = control::place(r, f, id)?;
    let token = match task::token(ctl) {
        Ok(t) => t,
        Err(e) => {
            // SAFETY: the frame was just placed and no task owns it: both
            // sides let go here (the closure is dropped, the stack freed).
            unsafe {
                control::fiber_off(ctl.as_ptr(), false);
                control::handle_off(ctl.as_ptr(), false);
            }
            return Err(SpawnError::Task(e));
        }
    };
    match spawn(token) {
        Ok(h) => Ok(JoinHandle::new(h, ctl, out)),
        Err(e) => {
            // The task was dropped unstarted (its side let go); no handle
            // will exist.
            // SAFETY: the handle side's one `handle_off`.
            unsafe { control::handle_off(ctl.as_ptr(), false) };
            Err(SpawnError::Task(e))
        }
    }
}

#[cfg(test)]
mod tests;
