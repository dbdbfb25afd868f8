//! The RISC-V (RV32, ilp32) context switch.
//!
//! Callee-saved state: s0–s11 and sp; ra is caller-saved but is where a
//! switch returns to. s2–s11 are declared clobbered (with `clobber_abi`), so
//! the compiler saves only those it has live values in; s0 (the frame
//! pointer) and s1 (LLVM's base pointer) are stored here by hand, together
//! with the address to resume at. The supported cores (`imac`) have no
//! floating-point registers.
//!
//! Both directions are the same: store `{s0, s1, resume address}` below sp,
//! swap stack pointers through the context, load the other side's three
//! words and jump.
//!
//! Saved frame of a suspended fiber, from its stack pointer up:
//! `[s0, s1, resume address, unused]`.

use core::arch::{asm, naked_asm};

/// The fiber's stack pointer while it is suspended, the parent's while it
/// runs.
#[repr(C)]
pub(crate) struct Context {
    sp: usize,
    link: usize,
}

impl Context {
    pub(crate) const fn new() -> Self {
        Self { sp: 0, link: 0 }
    }
}

/// A fresh fiber's first switch lands here with sp at the 16-aligned top and
/// the entry function's address just below it (see [`init`]), a0 = the
/// context: end the frame chain (ra = s0 = 0) and jump.
#[unsafe(naked)]
unsafe extern "C" fn start() {
    naked_asm!("lw t0, -4(sp)", "li ra, 0", "li s0, 0", "jr t0")
}

/// Builds the first frame of a fiber whose stack ends at `top` (exclusive,
/// 16-byte aligned) and stores its stack pointer in `ctx`.
///
/// # Safety
/// `top - 16 .. top` must be writable memory of the fiber's stack.
pub(crate) unsafe fn init(
    ctx: *mut Context,
    top: usize,
    entry: unsafe extern "C" fn(*mut Context) -> !,
) {
    debug_assert!(top.is_multiple_of(16));
    let sp = (top - 16) as *mut usize;
    // SAFETY: the caller gives us the top 16 bytes of the stack.
    unsafe {
        sp.write(0);
        sp.add(1).write(0);
        sp.add(2).write(start as *const () as usize);
        sp.add(3).write(entry as *const () as usize);
        (*ctx).sp = sp as usize;
    }
}

macro_rules! switch_asm {
    ($save:literal, $load:literal, $($ops:tt)*) => {
        asm!(
            "addi sp, sp, -16",
            "sw s0, 0(sp)",
            "sw s1, 4(sp)",
            "la t0, 2f",
            "sw t0, 8(sp)",
            concat!("sw sp, ", $save, "(a0)"),
            concat!("lw sp, ", $load, "(a0)"),
            "lw s0, 0(sp)",
            "lw s1, 4(sp)",
            "lw t0, 8(sp)",
            "addi sp, sp, 16",
            "jr t0",
            "2:",
            $($ops)*
            lateout("s2") _, lateout("s3") _, lateout("s4") _, lateout("s5") _,
            lateout("s6") _, lateout("s7") _, lateout("s8") _, lateout("s9") _,
            lateout("s10") _, lateout("s11") _,
            clobber_abi("C"),
        )
    };
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
    // SAFETY: the caller's contract; see the module docs for what is saved.
    unsafe {
        switch_asm!("4", "0", in("a0") ctx, lateout("a1") status,);
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
    // SAFETY: the caller's contract.
    unsafe {
        switch_asm!("0", "4", in("a0") ctx, in("a1") status,);
    }
}

/// Switches from the running fiber of `ctx` to its parent for the last time.
///
/// # Safety
/// As [`suspend`]; the fiber's stack holds nothing that needs dropping.
#[inline(always)]
pub(crate) unsafe fn exit(ctx: *mut Context, status: usize) -> ! {
    // SAFETY: the parent's saved frame is at its stack pointer.
    unsafe {
        asm!(
            "lw sp, 4(a0)",
            "lw s0, 0(sp)",
            "lw s1, 4(sp)",
            "lw t0, 8(sp)",
            "addi sp, sp, 16",
            "jr t0",
            in("a0") ctx,
            in("a1") status,
            options(noreturn),
        )
    }
}

/// The stack pointer of the caller.
#[inline(always)]
pub(crate) fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads a register.
    unsafe { asm!("mv {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags)) };
    sp
}
