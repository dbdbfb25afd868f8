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
//! ```
//! use bitwake::executor::{Executor, SpinPark};
//! use bitwake::fiber::{self, FiberStack};
//!
//! static STACK: FiberStack<{ 16 * 1024 }> = FiberStack::new();
//! static PARK: SpinPark = SpinPark; // programs use bitwake::block_on
//! static EXEC: Executor = Executor::new(&PARK);
//!
//! let r = EXEC.block_on(async {
//!     let h = fiber::spawn_on(&EXEC, &STACK, || {
//!         fiber::yield_now(); // other tasks run meanwhile
//!         let n = fiber::wait(async { 40 }); // any future, blocking style
//!         n + 2
//!     })
//!     .unwrap();
//!     h.await
//! });
//! assert_eq!(r, Ok(42));
//! ```
//!
//! `fiber::sleep(duration)` and `fiber::wait(stream.read(&mut buf))` are
//! the same `wait` on bitwake's timers and sockets.
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
//! # Building on fibers
//!
//! A runtime layered on top (actors whose handlers run on fibers, say)
//! needs only these: [`spawn`] / [`spawn_on`] with a stack from a pool it
//! owns, the [`JoinHandle`] to learn the result or [`abort`](JoinHandle::abort)
//! a fiber that has not started, [`wait`] on its mailbox's receive future
//! (the fiber then costs nothing while the mailbox is empty: its task is
//! parked until the channel wakes it), [`in_fiber`] / [`try_wait`] for code
//! that may run on a fiber or not, and [`footprint`] to size its stacks
//! (closure + result + `control_block` + `stack_head` must fit with room
//! for the handler's frames; [`FiberStack::high_water`] measures it).
//!
//! # Footprint
//!
//! Beyond its stack a fiber costs one task-pool slot (a pointer) and its
//! 4-byte metadata word (12 bytes on 64-bit targets, 8 on 32-bit ones).
//! Inside its stack, at the top: the control block (switch context, state,
//! the stack's description) and the larger of the closure and its result.

mod arch;
mod atomic;
#[cfg(feature = "embedded-io-async-06")]
mod blocking;
mod control;
mod current;
mod error;
mod handle;
mod handoff;
#[cfg(all(
    any(feature = "linux", all(test, target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod mmap;
mod overflow;
mod stack;
mod task;

#[cfg(feature = "embedded-io-async-06")]
pub use blocking::Blocking;
pub use current::{in_fiber, sleep, sleep_until, stack_pointer, try_wait, wait, yield_now};
pub use error::{SpawnError, StackError};
pub use handle::JoinHandle;
#[cfg(all(
    any(feature = "linux", all(test, target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
pub use mmap::MmapStack;
pub use overflow::OVERFLOW_EXIT_STATUS;
pub use stack::{FiberStack, Stack, StackPool};
pub use task::MAX_FIBERS;

use crate::executor::{self, Executor};
use portable_atomic::{AtomicU32, Ordering::Relaxed};

/// Whether a switch saves and restores the floating-point control state
/// (x86-64: MXCSR and the x87 control word; crate feature
/// `fiber-fp-control`). When false, that state belongs to the thread and is
/// shared by its fibers: a fiber that changes it puts it back before it
/// yields or waits.
pub const SAVES_FP_CONTROL: bool = cfg!(all(target_arch = "x86_64", feature = "fiber-fp-control"));

/// What a fiber costs besides the closure and its result (see
/// [`footprint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    /// Bytes per fiber outside its stack: its task's pool slot and 4-byte
    /// metadata word (plus 4 bits of pool bitmaps, not counted).
    pub outside_stack: usize,
    /// Bytes at the top of a [`FiberStack`] for its state word and
    /// high-water mark.
    pub stack_head: usize,
    /// Bytes of the control block at the top of every fiber's stack (the
    /// closure or its result, whichever is larger, comes on top of it).
    pub control_block: usize,
}

/// The sizes of a fiber on this target.
pub const fn footprint() -> Footprint {
    Footprint {
        outside_stack: task::SLOT_BYTES + 4,
        stack_head: stack::ALIGN,
        control_block: core::mem::size_of::<control::Control>(),
    }
}

/// Hooks for `bench/` (not part of the API).
#[doc(hidden)]
pub mod __bench {
    use super::arch::{self, Context};
    use super::stack::{self, FiberStack, sealed::Sealed};

    unsafe extern "C" fn bounce(ctx: *mut Context) -> ! {
        loop {
            // SAFETY: runs on the fiber's stack, resumed by the loop below.
            unsafe { arch::suspend(ctx, 0) };
        }
    }

    /// `n` resume + suspend round trips with a fiber context that does
    /// nothing else, no executor: the cost of the switch itself. Returns
    /// the status words seen (so the loop cannot be optimised away).
    pub fn switch_round_trips(n: u64) -> u64 {
        static STACK: FiberStack<{ 16 * 1024 }> = FiberStack::new();
        let Ok(r) = (&STACK).claim() else {
            return 0;
        };
        let mut ctx = Context::new();
        let mut seen = 0;
        // SAFETY: the context starts on the claimed stack; the fiber only
        // loops on `suspend`, so after the last resume nothing on its stack
        // needs dropping and the stack can be released.
        unsafe {
            arch::init(&mut ctx, r.top as usize, bounce);
            for _ in 0..n {
                seen += arch::resume(&mut ctx) as u64 + 1;
            }
            stack::release(&r);
        }
        core::hint::black_box(seen)
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

/// Host tests of fibers on the std park.
#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::executor::{Executor, StdPark};
    use core::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::vec::Vec;

    static PARK: StdPark = StdPark::new();
    /// Fiber task pools bind to the first executor that runs a fiber, so every
    /// test uses this one, one test at a time.
    static EXEC: Executor = Executor::new(&PARK);
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[test]
    fn result_comes_back_through_the_handle() {
        let _s = serial();
        static STACK: FiberStack<{ 16 * 1024 }> = FiberStack::new();
        let r = EXEC.block_on(async {
            let h = spawn_on(&EXEC, &STACK, || {
                yield_now();
                40 + 2
            })
            .unwrap();
            h.await
        });
        assert_eq!(r, Ok(42));
        assert!(STACK.is_free());
        assert!(STACK.high_water().is_some());
    }

    #[test]
    fn a_live_stack_is_not_handed_out_twice() {
        let _s = serial();
        static STACK: FiberStack<4096> = FiberStack::new();
        EXEC.block_on(async {
            let a = spawn_on(&EXEC, &STACK, yield_now).unwrap();
            let b = spawn_on(&EXEC, &STACK, || ());
            assert_eq!(b.err(), Some(SpawnError::Stack(StackError::Busy)));
            a.await.unwrap();
            // Free again once the result is taken.
            spawn_on(&EXEC, &STACK, || ()).unwrap().await.unwrap();
        });
    }

    #[test]
    fn wait_runs_a_future_inside_a_fiber() {
        let _s = serial();
        static STACK: FiberStack<{ 16 * 1024 }> = FiberStack::new();
        let r = EXEC.block_on(async {
            spawn_on(&EXEC, &STACK, || {
                wait(current::PendingOnce(false));
                wait(async { 7 })
            })
            .unwrap()
            .await
        });
        assert_eq!(r, Ok(7));
    }

    #[test]
    fn a_waited_future_may_itself_switch_out() {
        // The future's poll yields the fiber and waits in a nested `wait`:
        // it goes on after later task polls, with the `Context` it was
        // given (which must still be valid then).
        let _s = serial();
        static STACK: FiberStack<{ 16 * 1024 }> = FiberStack::new();
        let r = EXEC.block_on(async {
            spawn_on(&EXEC, &STACK, || {
                wait(async {
                    yield_now();
                    let inner = wait(async {
                        current::PendingOnce(false).await;
                        20
                    });
                    current::PendingOnce(false).await;
                    yield_now();
                    inner + 1
                })
            })
            .unwrap()
            .await
        });
        assert_eq!(r, Ok(21));
    }

    #[test]
    fn fibers_interleave_in_order() {
        let _s = serial();
        static STACKS: StackPool<{ 8 * 1024 }, 4> = StackPool::new();
        static LOG: std::sync::Mutex<Vec<(usize, usize)>> = std::sync::Mutex::new(Vec::new());
        EXEC.block_on(async {
            let mut hs = Vec::new();
            for id in 0..4 {
                hs.push(
                    spawn_on(&EXEC, &STACKS, move || {
                        for step in 0..3 {
                            LOG.lock().unwrap().push((id, step));
                            yield_now();
                        }
                    })
                    .unwrap(),
                );
            }
            for h in hs {
                h.await.unwrap();
            }
        });
        let log = LOG.lock().unwrap();
        let want: Vec<_> = (0..3).flat_map(|s| (0..4).map(move |id| (id, s))).collect();
        assert_eq!(*log, want);
    }

    #[test]
    fn detached_result_is_dropped_and_stack_freed() {
        let _s = serial();
        static STACK: FiberStack<4096> = FiberStack::new();
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        struct D;
        impl Drop for D {
            fn drop(&mut self) {
                DROPS.fetch_add(1, SeqCst);
            }
        }
        EXEC.block_on(async {
            drop(spawn_on(&EXEC, &STACK, || D).unwrap());
            while !STACK.is_free() {
                crate::executor::yield_now().await;
            }
        });
        assert_eq!(DROPS.load(SeqCst), 1);
    }

    #[test]
    fn aborting_an_unstarted_fiber_drops_its_closure() {
        let _s = serial();
        static STACK: FiberStack<4096> = FiberStack::new();
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        struct D;
        impl Drop for D {
            fn drop(&mut self) {
                DROPS.fetch_add(1, SeqCst);
            }
        }
        let r = EXEC.block_on(async {
            let d = D;
            let h = spawn_on(&EXEC, &STACK, move || drop(d)).unwrap();
            h.abort();
            h.await
        });
        assert_eq!(r, Err(crate::executor::JoinError::Cancelled));
        assert_eq!(DROPS.load(SeqCst), 1);
        assert!(STACK.is_free());
    }

    #[test]
    fn aborting_a_suspended_fiber_never_resumes_it_and_keeps_its_stack() {
        let _s = serial();
        static STACK: FiberStack<4096> = FiberStack::new();
        static AFTER: AtomicUsize = AtomicUsize::new(0);
        let r = EXEC.block_on(async {
            let h = spawn_on(&EXEC, &STACK, || {
                wait(core::future::pending::<()>());
                AFTER.fetch_add(1, SeqCst);
            })
            .unwrap();
            crate::executor::yield_now().await;
            h.abort();
            h.await
        });
        assert_eq!(r, Err(crate::executor::JoinError::Cancelled));
        assert_eq!(AFTER.load(SeqCst), 0);
        // Its frames may hold pinned values: the stack is never reused.
        assert!(!STACK.is_free());
        EXEC.block_on(async {
            let again = spawn_on(&EXEC, &STACK, || ());
            assert_eq!(again.err(), Some(SpawnError::Stack(StackError::Busy)));
        });
    }

    #[test]
    fn a_too_small_stack_is_refused() {
        let _s = serial();
        static STACK: FiberStack<256> = FiberStack::new();
        EXEC.block_on(async {
            let big = [7u8; 512];
            let r = spawn_on(&EXEC, &STACK, move || big[0]);
            assert_eq!(r.err(), Some(SpawnError::Stack(StackError::TooSmall)));
            assert!(STACK.is_free());
        });
    }

    #[test]
    fn a_fiber_costs_at_most_16_bytes_outside_its_stack() {
        let f = footprint();
        assert!(f.outside_stack <= 16, "{f:?}");
        assert!(f.control_block <= 128, "{f:?}");
    }

    /// With `fiber-fp-control`, a fiber's rounding mode is its own: the
    /// executor side keeps the default while a fiber that set round-toward-
    /// zero is suspended, and the fiber still has it when resumed.
    #[cfg(all(target_arch = "x86_64", feature = "fiber-fp-control"))]
    #[test]
    fn fp_control_is_per_fiber() {
        fn mxcsr() -> u32 {
            let mut v = 0u32;
            // SAFETY: stores 4 bytes into `v`.
            unsafe { core::arch::asm!("stmxcsr [{}]", in(reg) &mut v, options(nostack)) };
            v
        }
        fn set_mxcsr(v: u32) {
            // SAFETY: loads a valid MXCSR value (only rounding bits changed).
            unsafe { core::arch::asm!("ldmxcsr [{}]", in(reg) &v, options(nostack)) };
        }
        let _s = serial();
        static STACK: FiberStack<{ 16 * 1024 }> = FiberStack::new();
        let mine = mxcsr();
        let r = EXEC.block_on(async {
            let h = spawn_on(&EXEC, &STACK, move || {
                set_mxcsr(mine | 0x6000);
                yield_now();
                let kept = mxcsr() & 0x6000 == 0x6000;
                set_mxcsr(mine);
                kept
            })
            .unwrap();
            crate::executor::yield_now().await;
            let executor_side = mxcsr();
            (h.await, executor_side)
        });
        assert_eq!(r.0, Ok(true));
        assert_eq!(r.1, mine);
    }

    #[test]
    fn raw_switch_round_trips() {
        assert_eq!(__bench::switch_round_trips(1000), 1000);
    }

    #[test]
    fn wait_outside_a_fiber_hands_the_future_back() {
        let _s = serial();
        assert!(!in_fiber());
        assert!(try_wait(async { 1 }).is_err());
        yield_now(); // no-op outside a fiber
    }

    #[test]
    fn a_mapped_stack_runs_a_fiber_and_is_unmapped() {
        let _s = serial();
        let r = EXEC.block_on(async {
            let h = spawn_on(&EXEC, MmapStack::new(256 * 1024), || {
                // Touch 48 KiB of it (a debug build copies the array more than once).
                let buf = core::hint::black_box([3u8; 48 * 1024]);
                yield_now();
                buf.iter().map(|&b| b as u32).sum::<u32>()
            })
            .unwrap();
            h.await
        });
        assert_eq!(r, Ok(3 * 48 * 1024));
    }
}
