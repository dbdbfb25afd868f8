//! A fiber's control block and its closure/result, at the top of its stack.
//!
//! `Frame<F, T>` is written at the top of a freshly claimed stack: the
//! control block (the switch context, the task's `Context` while a resume
//! lasts, the state word) followed by a union of the closure and, once it
//! has returned, its result. The fiber's first frame starts below it.
//!
//! Two parties use a frame: the fiber side (the executor task that resumes
//! the fiber) and the handle side (the `JoinHandle`). Each says once that it
//! is done with it (`handoff.rs`); whoever comes second drops a result
//! nobody took and releases the stack. A fiber dropped while suspended never
//! says so: its stack stays claimed for good (see `stack::abandon`).

use super::arch::{self, Context};
use super::error::StackError;
use super::handoff::{Handoff, Last};
use super::stack::{self, StackRef};
use core::mem::ManuallyDrop;
use core::ptr::NonNull;

/// Fiber → parent status words.
pub(crate) const YIELDED: usize = 0;
pub(crate) const WAITING: usize = 1;
pub(crate) const DONE: usize = 2;

/// What a fiber needs to run and to be resumed, type-erased.
#[repr(C)]
pub(crate) struct Control {
    /// First field: the entry function receives a pointer to it and finds
    /// the frame at the same address.
    pub(crate) ctx: Context,
    /// The `Context` of the task poll that resumed the fiber, valid until
    /// the fiber switches out (erased lifetime).
    pub(crate) cx: *mut (),
    pub(crate) state: Handoff,
    /// Number shown in overflow reports.
    pub(crate) id: u32,
    pub(crate) stack: StackRef,
    drop_closure: unsafe fn(*mut Control),
    drop_result: unsafe fn(*mut Control),
}

#[repr(C)]
struct Frame<F, T> {
    ctl: Control,
    payload: Payload<F, T>,
}

union Payload<F, T> {
    f: ManuallyDrop<F>,
    out: ManuallyDrop<T>,
}

/// Room the fiber must have below its frame for this to be worth it: its
/// first frames and the canary.
const MIN_ROOM: usize = 128;

/// Writes the frame for closure `f` at the top of `stack` and prepares the
/// first switch. Returns the control block and where the result will be.
/// A stack too small for the frame is released and `f` dropped.
pub(crate) fn place<F, T>(
    stack: StackRef,
    f: F,
    id: u32,
) -> Result<(NonNull<Control>, *mut T), StackError>
where
    F: FnOnce() -> T,
{
    let align = core::mem::align_of::<Frame<F, T>>().max(stack::ALIGN);
    let size = core::mem::size_of::<Frame<F, T>>();
    let top = stack.top as usize;
    let at = top.checked_sub(size).map(|a| a & !(align - 1));
    let Some(at) = at.filter(|&a| a >= stack.bottom as usize + MIN_ROOM) else {
        // SAFETY: just claimed, nothing placed on it.
        unsafe { stack::release(&stack) };
        return Err(StackError::TooSmall);
    };
    let frame = at as *mut Frame<F, T>;
    // SAFETY: `at..at + size` lies in the claimed stack, aligned for the
    // frame; the fiber's first frame goes below `at` (16-aligned).
    unsafe {
        frame.write(Frame {
            ctl: Control {
                ctx: Context::new(),
                cx: core::ptr::null_mut(),
                state: Handoff::new(),
                id,
                stack,
                drop_closure: drop_closure::<F, T>,
                drop_result: drop_result::<F, T>,
            },
            payload: Payload {
                f: ManuallyDrop::new(f),
            },
        });
        let ctl = &raw mut (*frame).ctl;
        arch::init(&raw mut (*ctl).ctx, at, entry::<F, T>);
        let out = (&raw mut (*frame).payload).cast::<T>();
        Ok((NonNull::new_unchecked(ctl), out))
    }
}

/// The fiber's first and only Rust frame: runs the closure, stores its
/// result, and leaves for good. A panic cannot unwind out of it (it is
/// `extern "C"`): it aborts, as a panic in a task does on these targets.
unsafe extern "C" fn entry<F: FnOnce() -> T, T>(ctx: *mut Context) -> ! {
    let frame = ctx.cast::<Frame<F, T>>();
    // SAFETY: `ctx` is the first field of the control block, the first
    // field of the frame (`repr(C)`); the closure is there, taken once.
    let f = unsafe { ManuallyDrop::take(&mut (*frame).payload.f) };
    let out = f();
    // SAFETY: the closure has been moved out; the union now takes the
    // result. Then the parent learns that the fiber is done; nothing on this
    // stack needs dropping.
    unsafe {
        (&raw mut (*frame).payload).cast::<T>().write(out);
        arch::exit(ctx, DONE)
    }
}

unsafe fn drop_closure<F, T>(ctl: *mut Control) {
    let frame = ctl.cast::<Frame<F, T>>();
    // SAFETY: called once, for a fiber that never started.
    unsafe { ManuallyDrop::drop(&mut (*frame).payload.f) };
}

unsafe fn drop_result<F, T>(ctl: *mut Control) {
    let frame = ctl.cast::<Frame<F, T>>();
    // SAFETY: called once, for a finished fiber whose result nobody took.
    unsafe { ManuallyDrop::drop(&mut (*frame).payload.out) };
}

/// The fiber side is done with the stack: it finished (`finished`: its
/// result is in the frame) or was dropped before it started (its closure is
/// dropped here).
///
/// # Safety
/// `ctl` is a placed frame; called once, by the fiber side.
pub(crate) unsafe fn fiber_off(ctl: *mut Control, finished: bool) {
    // SAFETY: the caller's contract.
    unsafe {
        if !finished {
            ((*ctl).drop_closure)(ctl);
        }
        if let Some(l) = (*ctl).state.fiber_off(finished) {
            last_off(ctl, l);
        }
    }
}

/// The handle side is done with the stack (`taken`: it moved the result
/// out).
///
/// # Safety
/// `ctl` is a placed frame; called once, by the handle side.
pub(crate) unsafe fn handle_off(ctl: *mut Control, taken: bool) {
    // SAFETY: the caller's contract.
    unsafe {
        if let Some(l) = (*ctl).state.handle_off(taken) {
            last_off(ctl, l);
        }
    }
}

/// Both sides are done: drop an untaken result, give the stack back.
unsafe fn last_off(ctl: *mut Control, l: Last) {
    // SAFETY: both sides are done, so this is the frame's last user; the
    // stack reference is copied out before the memory goes.
    unsafe {
        if l.drop_result {
            ((*ctl).drop_result)(ctl);
        }
        let r = core::ptr::read(&(*ctl).stack);
        stack::release(&r);
    }
}
