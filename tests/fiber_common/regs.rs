//! Register preservation across fiber switches, checked in asm: every
//! callee-saved register (and the FP control state) is filled with a pattern
//! derived from `seed`, `hop()` is called (it switches fibers), and the
//! registers are compared with the pattern afterwards. Returns the number of
//! registers that did not survive (0 = all preserved).
//!
//! Shared by the freestanding test programs of every target.

/// The floating-point control state (x86-64: MXCSR and the x87 control
/// word), or 0 where the switch does not carry one.
#[allow(dead_code)]
pub fn fp_control() -> u64 {
    #[cfg(target_arch = "x86_64")]
    return imp::fp_control();
    #[cfg(not(target_arch = "x86_64"))]
    return 0;
}

/// Filled, hopped, verified; `hop` must be an `extern "C"` function that
/// switches away and back (it is called with the ABI's alignment).
#[allow(dead_code)]
pub fn check_preserved(seed: usize, hop: extern "C" fn()) -> usize {
    imp::check(seed, hop)
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use core::arch::asm;

    /// MXCSR and the x87 control word, as one number.
    pub fn fp_control() -> u64 {
        let mut w = [0u32; 2];
        // SAFETY: stores 4 + 2 bytes into `w`.
        unsafe {
            asm!("stmxcsr [{p}]", "fnstcw [{p} + 4]", p = in(reg) w.as_mut_ptr(), options(nostack));
        }
        (u64::from(w[0]) << 16) | u64::from(w[1] & 0xffff)
    }

    pub fn check(seed: usize, hop: extern "C" fn()) -> usize {
        let bad: usize;
        // SAFETY: the asm saves rbx and rbp itself, declares r12–r15
        // clobbered, aligns the stack for the call and restores it, and sets
        // MXCSR's rounding control to round-toward-zero (bits 13–14) and the
        // x87 precision control to single precision only between its own
        // save and restore of both.
        unsafe {
            asm!(
                "push rbx",
                "push rbp",
                "mov rax, rsp",
                "and rsp, -16",
                "push rax",
                "sub rsp, 24",
                "stmxcsr [rsp]",
                "fnstcw [rsp + 4]",
                "mov eax, [rsp]",
                "or eax, 0x6000",
                "mov [rsp + 8], eax",
                "ldmxcsr [rsp + 8]",
                "mov ax, [rsp + 4]",
                "and ax, 0xfcff",
                "mov [rsp + 12], ax",
                "fldcw [rsp + 12]",
                "mov rbx, rdi", "add rbx, 1",
                "mov rbp, rdi", "add rbp, 2",
                "mov r12, rdi", "add r12, 3",
                "mov r13, rdi", "add r13, 4",
                "mov r14, rdi", "add r14, 5",
                "mov r15, rdi", "add r15, 6",
                "mov [rsp + 16], rdi",
                "call rsi",
                "mov rdi, [rsp + 16]",
                "xor eax, eax",
                "lea rcx, [rdi + 1]", "cmp rbx, rcx", "setne cl", "movzx ecx, cl", "add eax, ecx",
                "lea rcx, [rdi + 2]", "cmp rbp, rcx", "setne cl", "movzx ecx, cl", "add eax, ecx",
                "lea rcx, [rdi + 3]", "cmp r12, rcx", "setne cl", "movzx ecx, cl", "add eax, ecx",
                "lea rcx, [rdi + 4]", "cmp r13, rcx", "setne cl", "movzx ecx, cl", "add eax, ecx",
                "lea rcx, [rdi + 5]", "cmp r14, rcx", "setne cl", "movzx ecx, cl", "add eax, ecx",
                "lea rcx, [rdi + 6]", "cmp r15, rcx", "setne cl", "movzx ecx, cl", "add eax, ecx",
                "stmxcsr [rsp + 16]",
                "mov ecx, [rsp + 16]", "cmp ecx, [rsp + 8]", "setne cl", "movzx ecx, cl", "add eax, ecx",
                "fnstcw [rsp + 16]",
                "mov cx, [rsp + 16]", "cmp cx, [rsp + 12]", "setne cl", "movzx ecx, cl", "add eax, ecx",
                "ldmxcsr [rsp]",
                "fldcw [rsp + 4]",
                "add rsp, 24",
                "pop rsp",
                "pop rbp",
                "pop rbx",
                inout("rdi") seed => _,
                inout("rsi") hop => _,
                out("rax") bad,
                out("r12") _, out("r13") _, out("r14") _, out("r15") _,
                clobber_abi("C"),
            );
        }
        bad
    }
}

#[cfg(target_arch = "aarch64")]
mod imp {
    use core::arch::asm;

    pub fn check(seed: usize, hop: extern "C" fn()) -> usize {
        let bad: usize;
        // SAFETY: the asm saves x19, x29 and x30 itself, declares x20–x28 and
        // d8–d15 clobbered and keeps sp 16-aligned.
        unsafe {
            asm!(
                "stp x29, x30, [sp, #-48]!",
                "str x19, [sp, #16]",
                "str x0, [sp, #24]",
                "add x19, x0, #1", "add x20, x0, #2", "add x21, x0, #3", "add x22, x0, #4",
                "add x23, x0, #5", "add x24, x0, #6", "add x25, x0, #7", "add x26, x0, #8",
                "add x27, x0, #9", "add x28, x0, #10", "add x29, x0, #11",
                "add x9, x0, #12", "fmov d8, x9", "add x9, x0, #13", "fmov d9, x9",
                "add x9, x0, #14", "fmov d10, x9", "add x9, x0, #15", "fmov d11, x9",
                "add x9, x0, #16", "fmov d12, x9", "add x9, x0, #17", "fmov d13, x9",
                "add x9, x0, #18", "fmov d14, x9", "add x9, x0, #19", "fmov d15, x9",
                "blr x1",
                "ldr x0, [sp, #24]",
                "mov x2, #0",
                "add x9, x0, #1", "cmp x19, x9", "cinc x2, x2, ne",
                "add x9, x0, #2", "cmp x20, x9", "cinc x2, x2, ne",
                "add x9, x0, #3", "cmp x21, x9", "cinc x2, x2, ne",
                "add x9, x0, #4", "cmp x22, x9", "cinc x2, x2, ne",
                "add x9, x0, #5", "cmp x23, x9", "cinc x2, x2, ne",
                "add x9, x0, #6", "cmp x24, x9", "cinc x2, x2, ne",
                "add x9, x0, #7", "cmp x25, x9", "cinc x2, x2, ne",
                "add x9, x0, #8", "cmp x26, x9", "cinc x2, x2, ne",
                "add x9, x0, #9", "cmp x27, x9", "cinc x2, x2, ne",
                "add x9, x0, #10", "cmp x28, x9", "cinc x2, x2, ne",
                "add x9, x0, #11", "cmp x29, x9", "cinc x2, x2, ne",
                "add x9, x0, #12", "fmov x10, d8", "cmp x10, x9", "cinc x2, x2, ne",
                "add x9, x0, #13", "fmov x10, d9", "cmp x10, x9", "cinc x2, x2, ne",
                "add x9, x0, #14", "fmov x10, d10", "cmp x10, x9", "cinc x2, x2, ne",
                "add x9, x0, #15", "fmov x10, d11", "cmp x10, x9", "cinc x2, x2, ne",
                "add x9, x0, #16", "fmov x10, d12", "cmp x10, x9", "cinc x2, x2, ne",
                "add x9, x0, #17", "fmov x10, d13", "cmp x10, x9", "cinc x2, x2, ne",
                "add x9, x0, #18", "fmov x10, d14", "cmp x10, x9", "cinc x2, x2, ne",
                "add x9, x0, #19", "fmov x10, d15", "cmp x10, x9", "cinc x2, x2, ne",
                "ldr x19, [sp, #16]",
                "ldp x29, x30, [sp], #48",
                inout("x0") seed => _,
                inout("x1") hop => _,
                out("x2") bad,
                out("x20") _, out("x21") _, out("x22") _, out("x23") _, out("x24") _,
                out("x25") _, out("x26") _, out("x27") _, out("x28") _,
                out("d8") _, out("d9") _, out("d10") _, out("d11") _,
                out("d12") _, out("d13") _, out("d14") _, out("d15") _,
                clobber_abi("C"),
            );
        }
        bad
    }
}
