//! The AArch64 (AAPCS64) context switch.
//!
//! Callee-saved state: x19–x28, the frame pointer x29, the link register
//! x30, sp, and the low halves of v8–v15 (d8–d15). x20–x28 and d8–d15 are
//! declared clobbered (with `clobber_abi`), so the compiler saves only those
//! it has live values in; x19 and x29 are reserved by LLVM and saved here by
//! hand; x30 is clobbered by the `blr`.
//!
//! The parent enters a fiber with `blr` and the fiber leaves with `ret` to
//! the link the parent left, so call and return stay paired for the
//! return-address predictor.
//!
//! Saved frame of a suspended fiber, from its stack pointer up:
//! `[resume address, unused, x29, x19]`.

use core::arch::{asm, naked_asm};

/// The fiber's stack pointer while it is suspended; the parent's stack
/// pointer and return address while it runs.
#[repr(C)]
pub(crate) struct Context {
    sp: usize,
    link_sp: usize,
    link_lr: usize,
}

impl Context {
    pub(crate) const fn new() -> Self {
        Self {
            sp: 0,
            link_sp: 0,
            link_lr: 0,
        }
    }
}

/// The first resume of a fresh fiber lands here, through the `blr` of
/// [`resume`], with x0 = the context, x1 = the frame [`init`] built and x30 =
/// the parent's return address. It records the parent's link, moves to the
/// fiber stack and jumps to the entry function (x0 still the context), which
/// never returns; x29 = x30 = 0 end the frame chain.
#[unsafe(naked)]
unsafe extern "C" fn start() {
    naked_asm!(
        "mov x2, sp",
        "stp x2, x30, [x0, #8]",
        "ldr x2, [x1, #8]",
        "add sp, x1, #32",
        "mov x29, xzr",
        "mov x30, xzr",
        "br x2",
    )
}

/// Builds the first frame of a fiber whose stack ends at `top` (exclusive,
/// 16-byte aligned) and stores its stack pointer in `ctx`.
///
/// # Safety
/// `top - 32 .. top` must be writable memory of the fiber's stack.
pub(crate) unsafe fn init(
    ctx: *mut Context,
    top: usize,
    entry: unsafe extern "C" fn(*mut Context) -> !,
) {
    debug_assert!(top.is_multiple_of(16));
    let sp = (top - 32) as *mut usize;
    // SAFETY: the caller gives us the top 32 bytes of the stack.
    unsafe {
        sp.write(start as *const () as usize);
        sp.add(1).write(entry as *const () as usize);
        sp.add(2).write(0);
        sp.add(3).write(0);
        (*ctx).sp = sp as usize;
    }
}

/// Switches from the parent into the fiber of `ctx`; returns the status word
/// the fiber passed to [`suspend`] when it switches back.
///
/// # Safety
/// `ctx` is a context initialised by [`init`] whose fiber is suspended (or
/// not started), not running, and whose stack is alive.
#[inline(always)]
pub(crate) unsafe fn resume(ctx: *mut Context) -> usize {
    let status: usize;
    // SAFETY: the caller's contract; x19 and x29 are saved here, the rest
    // is declared clobbered, and the fiber side restores sp before it
    // returns to the instruction after the `blr`.
    unsafe {
        asm!(
            "stp x29, x19, [sp, #-16]!",
            "ldr x2, [x1]",
            "blr x2",
            "ldp x29, x19, [sp], #16",
            in("x0") ctx,
            in("x1") (*ctx).sp,
            lateout("x3") status,
            lateout("x20") _, lateout("x21") _, lateout("x22") _, lateout("x23") _,
            lateout("x24") _, lateout("x25") _, lateout("x26") _, lateout("x27") _,
            lateout("x28") _,
            lateout("d8") _, lateout("d9") _, lateout("d10") _, lateout("d11") _,
            lateout("d12") _, lateout("d13") _, lateout("d14") _, lateout("d15") _,
            clobber_abi("C"),
        );
    }
    status
}

/// Switches from the running fiber of `ctx` back to its parent, which sees
/// `status` as the value of its [`resume`]; returns when the parent resumes
/// this fiber again.
///
/// # Safety
/// Called on the fiber's own stack, while it runs.
#[inline(always)]
pub(crate) unsafe fn suspend(ctx: *mut Context, status: usize) {
    // SAFETY: the caller's contract. The frame stored here is exactly what
    // the resume point after `2:` loads when the parent calls into it.
    unsafe {
        asm!(
            "sub sp, sp, #32",
            "stp x29, x19, [sp, #16]",
            "adr x2, 2f",
            "str x2, [sp]",
            "mov x2, sp",
            "str x2, [x0]",
            "ldp x2, x30, [x0, #8]",
            "mov sp, x2",
            "ret",
            "2:",
            "mov x2, sp",
            "stp x2, x30, [x0, #8]",
            "ldp x29, x19, [x1, #16]",
            "add sp, x1, #32",
            in("x0") ctx,
            in("x3") status,
            lateout("x20") _, lateout("x21") _, lateout("x22") _, lateout("x23") _,
            lateout("x24") _, lateout("x25") _, lateout("x26") _, lateout("x27") _,
            lateout("x28") _,
            lateout("d8") _, lateout("d9") _, lateout("d10") _, lateout("d11") _,
            lateout("d12") _, lateout("d13") _, lateout("d14") _, lateout("d15") _,
            clobber_abi("C"),
        );
    }
}

/// Switches from the running fiber of `ctx` to its parent for the last time.
///
/// # Safety
/// As [`suspend`]; the fiber's stack holds nothing that needs dropping.
#[inline(always)]
pub(crate) unsafe fn exit(ctx: *mut Context, status: usize) -> ! {
    // SAFETY: the parent's link is current; its own saved registers are
    // loaded by the code after its `blr`.
    unsafe {
        asm!(
            "ldp x2, x30, [x0, #8]",
            "mov sp, x2",
            "ret",
            in("x0") ctx,
            in("x3") status,
            options(noreturn),
        )
    }
}

/// The stack pointer of the caller.
#[inline(always)]
pub(crate) fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads a register.
    unsafe { asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags)) };
    sp
}
