//! What code running on a fiber calls: [`yield_now`], [`wait`], [`sleep`].
//!
//! The task poll that resumes a fiber records it as the thread's current
//! fiber for as long as the resume lasts; these functions find it there.

use super::arch;
use super::control::{Control, WAITING, YIELDED};
use core::future::{Future, IntoFuture};
use core::pin::pin;
use core::task::{Context, Poll};

#[cfg(any(test, feature = "std"))]
mod slot {
    extern crate std;
    use super::Control;
    use core::cell::Cell;

    std::thread_local! {
        static CURRENT: Cell<*mut Control> = const { Cell::new(core::ptr::null_mut()) };
    }

    #[inline]
    pub(super) fn get() -> *mut Control {
        CURRENT.with(|c| c.get())
    }

    #[inline]
    pub(super) fn set(ctl: *mut Control) -> *mut Control {
        CURRENT.with(|c| c.replace(ctl))
    }
}

// Without `std` there is one thread running executors (freestanding Linux
// programs have no threads; a microcontroller has one core), so the current
// fiber is a plain static; Relaxed suffices because only that thread uses
// it.
#[cfg(not(any(test, feature = "std")))]
mod slot {
    use super::Control;
    use portable_atomic::{AtomicPtr, Ordering::Relaxed};

    static CURRENT: AtomicPtr<Control> = AtomicPtr::new(core::ptr::null_mut());

    #[inline]
    pub(super) fn get() -> *mut Control {
        CURRENT.load(Relaxed)
    }

    #[inline]
    pub(super) fn set(ctl: *mut Control) -> *mut Control {
        let prev = CURRENT.load(Relaxed);
        CURRENT.store(ctl, Relaxed);
        prev
    }
}

/// Makes `ctl` the current fiber; returns the one to restore afterwards.
#[inline]
pub(crate) fn enter(ctl: *mut Control) -> *mut Control {
    slot::set(ctl)
}

/// Restores the current fiber saved by [`enter`].
#[inline]
pub(crate) fn leave(prev: *mut Control) {
    slot::set(prev);
}

/// The running fiber's control block, if code is running on a fiber.
#[inline]
pub(crate) fn current() -> Option<*mut Control> {
    let c = slot::get();
    (!c.is_null()).then_some(c)
}

/// Whether the calling code runs on a fiber.
pub fn in_fiber() -> bool {
    current().is_some()
}

/// Switches back to the executor with `status`; returns when the fiber's
/// task is polled again.
///
/// # Safety
/// `ctl` is the current fiber and this code runs on its stack.
#[inline(always)]
unsafe fn switch_out(ctl: *mut Control, status: usize) {
    // SAFETY: the caller's contract.
    unsafe { arch::suspend(&raw mut (*ctl).ctx, status) }
}

/// Lets the executor run other tasks (and fibers) before this fiber goes on:
/// the fiber's task is re-queued behind everything already ready.
/// Outside a fiber it returns at once.
pub fn yield_now() {
    if let Some(ctl) = current() {
        // SAFETY: `ctl` is the current fiber, and we run on it.
        unsafe { switch_out(ctl, YIELDED) }
    }
}

/// Runs `future` to completion from a fiber, in plain blocking style, and
/// returns its output.
///
/// While the future is pending the fiber switches back to the executor,
/// which runs other tasks; the future's waker is the fiber's task's waker,
/// so waking it (the future's I/O or timer being ready) makes the executor
/// resume the fiber, which polls again. Anything that is a `Future` works:
/// bitwake's timers and sockets, `sync` channels and locks, other crates'
/// futures.
///
/// ```ignore
/// let n = fiber::wait(stream.read(&mut buf))?;   // reads like std
/// ```
///
/// # Panics
/// When called outside a fiber ([`try_wait`] returns the future back
/// instead).
pub fn wait<F: IntoFuture>(future: F) -> F::Output {
    match try_wait(future) {
        Ok(v) => v,
        Err(_) => panic!("bitwake::fiber::wait called outside a fiber"),
    }
}

/// [`wait`] that hands the future back (unpolled) when not called on a
/// fiber.
pub fn try_wait<F: IntoFuture>(future: F) -> Result<F::Output, F::IntoFuture> {
    let Some(ctl) = current() else {
        return Err(future.into_future());
    };
    let mut fut = pin!(future.into_future());
    // The future is polled with a `Context` of our own, on this fiber's
    // stack, around a clone of the fiber's task's waker: the one the
    // executor passes lives only as long as one task poll, but the future's
    // poll may itself switch out of the fiber (it may call `yield_now` or a
    // nested `wait`) and go on after later task polls; what it holds must
    // still be valid then.
    // SAFETY: the poll that resumed this fiber stored its `Context`, which
    // lives until this fiber switches out; we only clone its waker.
    let waker = unsafe { (*(*ctl).cx.cast::<Context<'_>>()).waker().clone() };
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return Ok(v);
        }
        // SAFETY: `ctl` is the current fiber, and we run on it.
        unsafe { switch_out(ctl, WAITING) };
    }
}

/// Blocks the fiber for `duration` ([`time::sleep`](crate::time::sleep)
/// through [`wait`]). The executor runs other tasks meanwhile.
///
/// # Panics
/// When called outside a fiber.
pub fn sleep(duration: crate::time::Duration) {
    wait(crate::time::sleep(duration))
}

/// Blocks the fiber until `deadline`.
///
/// # Panics
/// When called outside a fiber.
pub fn sleep_until(deadline: crate::time::Instant) {
    wait(crate::time::sleep_until(deadline))
}

/// The stack pointer of the caller: with a fiber stack's
/// [`range`](super::FiberStack::range), how deep the fiber is.
#[inline(always)]
pub fn stack_pointer() -> usize {
    arch::stack_pointer()
}

/// A future that is pending once (for tests of [`wait`]).
#[cfg(test)]
pub(crate) struct PendingOnce(pub(crate) bool);

#[cfg(test)]
impl Future for PendingOnce {
    type Output = ();
    fn poll(mut self: core::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}
