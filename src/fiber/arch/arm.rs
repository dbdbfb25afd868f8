//! The Cortex-M (Thumb, AAPCS) context switch: ARMv6-M and ARMv7-M/7E-M.
//!
//! Callee-saved state: r4–r11, sp, and with a hardware FPU (the `eabihf`
//! targets) s16–s31. r4, r5, r8–r11 and s16–s31 are declared clobbered (with
//! `clobber_abi`), so the compiler saves only those it has live values in;
//! r6 (LLVM's base pointer) and r7 (the Thumb frame pointer) are pushed here
//! by hand, together with the address to resume at.
//!
//! Both directions are the same three steps: push `{r6, r7, resume
//! address}`, swap stack pointers through the context, `pop {r6, r7, pc}`.
//! Only instructions ARMv6-M has are used (low registers, `adr` to a
//! word-aligned label).
//!
//! Saved frame of a suspended fiber, from its stack pointer up:
//! `[r6, r7, resume address | 1]`.

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

/// A fresh fiber's first `pop {r6, r7, pc}` lands here with sp at the entry
/// function's address (pushed by [`init`]) and r0 = the context: pop it
/// (sp is then the 8-aligned top), end the frame chain (lr = 0) and jump.
#[unsafe(naked)]
unsafe extern "C" fn start() {
    naked_asm!("pop {{r2}}", "movs r3, #0", "mov lr, r3", "bx r2")
}

/// Builds the first frame of a fiber whose stack ends at `top` (exclusive,
/// 8-byte aligned) and stores its stack pointer in `ctx`.
///
/// # Safety
/// `top - 16 .. top` must be writable memory of the fiber's stack.
pub(crate) unsafe fn init(
    ctx: *mut Context,
    top: usize,
    entry: unsafe extern "C" fn(*mut Context) -> !,
) {
    debug_assert!(top.is_multiple_of(8));
    let sp = (top - 16) as *mut usize;
    // SAFETY: the caller gives us the top 16 bytes of the stack. Function
    // addresses carry the Thumb bit already, as `pop {pc}` needs.
    unsafe {
        sp.write(0);
        sp.add(1).write(0);
        sp.add(2).write(start as *const () as usize);
        sp.add(3).write(entry as *const () as usize);
        (*ctx).sp = sp as usize;
    }
}

// The registers a switch clobbers, as `asm!` operands: every callee-saved
// register LLVM lets inline asm name.
macro_rules! switch_asm {
    ($($body:tt)*) => {
        #[cfg(target_abi = "eabihf")]
        asm!(
            $($body)*
            lateout("r4") _, lateout("r5") _, lateout("r8") _, lateout("r9") _,
            lateout("r10") _, lateout("r11") _,
            lateout("s16") _, lateout("s17") _, lateout("s18") _, lateout("s19") _,
            lateout("s20") _, lateout("s21") _, lateout("s22") _, lateout("s23") _,
            lateout("s24") _, lateout("s25") _, lateout("s26") _, lateout("s27") _,
            lateout("s28") _, lateout("s29") _, lateout("s30") _, lateout("s31") _,
            // `clobber_abi("C")` would name d16–d31, which these FPUs lack
            // (LLVM warns): the caller-saved registers are listed instead.
            lateout("r2") _, lateout("r3") _, lateout("r12") _, lateout("lr") _,
            lateout("s0") _, lateout("s1") _, lateout("s2") _, lateout("s3") _,
            lateout("s4") _, lateout("s5") _, lateout("s6") _, lateout("s7") _,
            lateout("s8") _, lateout("s9") _, lateout("s10") _, lateout("s11") _,
            lateout("s12") _, lateout("s13") _, lateout("s14") _, lateout("s15") _,
        );
        #[cfg(not(target_abi = "eabihf"))]
        asm!(
            $($body)*
            lateout("r4") _, lateout("r5") _, lateout("r8") _, lateout("r9") _,
            lateout("r10") _, lateout("r11") _,
            clobber_abi("C"),
        );
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
        switch_asm!(
            "adr r3, 2f",
            "adds r3, #1",
            "push {{r3}}",
            "push {{r6, r7}}",
            "mov r2, sp",
            "str r2, [r0, #4]",
            "ldr r2, [r0]",
            "mov sp, r2",
            "pop {{r6, r7, pc}}",
            ".balign 4",
            "2:",
            inout("r0") ctx => _,
            lateout("r1") status,
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
    // SAFETY: the caller's contract.
    unsafe {
        switch_asm!(
            "adr r3, 2f",
            "adds r3, #1",
            "push {{r3}}",
            "push {{r6, r7}}",
            "mov r2, sp",
            "str r2, [r0]",
            "ldr r2, [r0, #4]",
            "mov sp, r2",
            "pop {{r6, r7, pc}}",
            ".balign 4",
            "2:",
            inout("r0") ctx => _,
            inout("r1") status => _,
        );
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
            "ldr r2, [r0, #4]",
            "mov sp, r2",
            "pop {{r6, r7, pc}}",
            in("r0") ctx,
            in("r1") status,
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
