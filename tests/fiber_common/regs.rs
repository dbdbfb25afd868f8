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

/// Writes one word 256 bytes below the caller's stack pointer (deeper than
/// any small frame the caller's other calls make, even in debug builds) and
/// returns its address: the exact lowest stack word this touches.
#[allow(dead_code)]
#[inline(never)]
pub fn touch_below() -> usize {
    let at: usize;
    // SAFETY: moves the stack pointer down 256 bytes, stores the new stack
    // pointer there (memory below the caller's frame, on its own stack) and
    // moves it back; nothing else runs in between.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!("sub rsp, 256", "mov [rsp], rsp", "mov {0}, rsp", "add rsp, 256", out(reg) at);
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!("sub sp, sp, #256", "mov {0}, sp", "str {0}, [sp]", "add sp, sp, #256", out(reg) at);
        #[cfg(target_arch = "arm")]
        core::arch::asm!("sub sp, #256", "mov {0}, sp", "str {0}, [sp]", "add sp, #256", out(reg) at);
        #[cfg(target_arch = "riscv32")]
        core::arch::asm!("addi sp, sp, -256", "mv {0}, sp", "sw {0}, 0(sp)", "addi sp, sp, 256", out(reg) at);
    }
    at
}

/// Filled, hopped, verified; `hop` must be an `extern "C"` function that
/// switches away and back (it is called with the ABI's alignment).
#[allow(dead_code)]
pub fn check_preserved(seed: usize, hop: extern "C" fn()) -> usize {
    imp::check(seed, hop)
}

/// [`check_preserved`] that also changes the floating-point control state
/// (x86-64: MXCSR rounding and x87 precision) before the hop and checks it
/// after: for switches that save it (`fiber::SAVES_FP_CONTROL`).
#[allow(dead_code)]
pub fn check_preserved_with_fp(seed: usize, hop: extern "C" fn()) -> usize {
    #[cfg(target_arch = "x86_64")]
    return imp::check_fp(seed, hop);
    #[cfg(not(target_arch = "x86_64"))]
    return imp::check(seed, hop);
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
        // clobbered, aligns the stack for the call and restores it.
        unsafe {
            asm!(
                "push rbx",
                "push rbp",
                "mov rax, rsp",
                "and rsp, -16",
                "push rax",
                "sub rsp, 24",
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

    pub fn check_fp(seed: usize, hop: extern "C" fn()) -> usize {
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

#[cfg(target_arch = "arm")]
mod imp {
    use core::arch::asm;

    pub fn check(seed: usize, hop: extern "C" fn()) -> usize {
        let bad: usize;
        // SAFETY: the asm saves r6 and r7 itself (with the seed, 16 bytes, so
        // sp keeps its 8-byte alignment for the call) and declares r4, r5,
        // r8–r11 (and s16–s31 with an FPU) clobbered.
        unsafe {
            #[cfg(target_abi = "eabihf")]
            asm!(
                "push {{r0, r1, r6, r7}}",
                "adds r4, r0, #1",
                "adds r5, r0, #2",
                "adds r6, r0, #3",
                "adds r7, r0, #4",
                "adds r2, r0, #5", "mov r8, r2",
                "adds r2, r0, #6", "mov r9, r2",
                "adds r2, r0, #7", "mov r10, r2",
                "adds r2, r0, #7", "adds r2, #1", "mov r11, r2",
                "adds r2, r0, #7", "adds r2, #2", "vmov s16, r2",
                "adds r2, r0, #7", "adds r2, #3", "vmov s17, r2",
                "adds r2, r0, #7", "adds r2, #4", "vmov s18, r2",
                "adds r2, r0, #7", "adds r2, #5", "vmov s19, r2",
                "adds r2, r0, #7", "adds r2, #6", "vmov s20, r2",
                "adds r2, r0, #7", "adds r2, #7", "vmov s21, r2",
                "adds r2, r0, #7", "adds r2, #8", "vmov s22, r2",
                "adds r2, r0, #7", "adds r2, #9", "vmov s23, r2",
                "adds r2, r0, #7", "adds r2, #10", "vmov s24, r2",
                "adds r2, r0, #7", "adds r2, #11", "vmov s25, r2",
                "adds r2, r0, #7", "adds r2, #12", "vmov s26, r2",
                "adds r2, r0, #7", "adds r2, #13", "vmov s27, r2",
                "adds r2, r0, #7", "adds r2, #14", "vmov s28, r2",
                "adds r2, r0, #7", "adds r2, #15", "vmov s29, r2",
                "adds r2, r0, #7", "adds r2, #16", "vmov s30, r2",
                "adds r2, r0, #7", "adds r2, #17", "vmov s31, r2",
                "blx r1",
                "ldr r0, [sp]",
                "movs r3, #0",
                "adds r2, r0, #1",
                "cmp r4, r2", "beq 10f", "adds r3, #1", "10:",
                "adds r2, r0, #2",
                "cmp r5, r2", "beq 11f", "adds r3, #1", "11:",
                "adds r2, r0, #3",
                "cmp r6, r2", "beq 12f", "adds r3, #1", "12:",
                "adds r2, r0, #4",
                "cmp r7, r2", "beq 13f", "adds r3, #1", "13:",
                "adds r2, r0, #5",
                "cmp r8, r2", "beq 14f", "adds r3, #1", "14:",
                "adds r2, r0, #6",
                "cmp r9, r2", "beq 15f", "adds r3, #1", "15:",
                "adds r2, r0, #7",
                "cmp r10, r2", "beq 16f", "adds r3, #1", "16:",
                "adds r2, r0, #7", "adds r2, #1",
                "cmp r11, r2", "beq 17f", "adds r3, #1", "17:",
                "adds r2, r0, #7", "adds r2, #2", "vmov r1, s16", "cmp r1, r2", "beq 18f", "adds r3, #1", "18:",
                "adds r2, r0, #7", "adds r2, #3", "vmov r1, s17", "cmp r1, r2", "beq 19f", "adds r3, #1", "19:",
                "adds r2, r0, #7", "adds r2, #4", "vmov r1, s18", "cmp r1, r2", "beq 20f", "adds r3, #1", "20:",
                "adds r2, r0, #7", "adds r2, #5", "vmov r1, s19", "cmp r1, r2", "beq 21f", "adds r3, #1", "21:",
                "adds r2, r0, #7", "adds r2, #6", "vmov r1, s20", "cmp r1, r2", "beq 22f", "adds r3, #1", "22:",
                "adds r2, r0, #7", "adds r2, #7", "vmov r1, s21", "cmp r1, r2", "beq 23f", "adds r3, #1", "23:",
                "adds r2, r0, #7", "adds r2, #8", "vmov r1, s22", "cmp r1, r2", "beq 24f", "adds r3, #1", "24:",
                "adds r2, r0, #7", "adds r2, #9", "vmov r1, s23", "cmp r1, r2", "beq 25f", "adds r3, #1", "25:",
                "adds r2, r0, #7", "adds r2, #10", "vmov r1, s24", "cmp r1, r2", "beq 26f", "adds r3, #1", "26:",
                "adds r2, r0, #7", "adds r2, #11", "vmov r1, s25", "cmp r1, r2", "beq 27f", "adds r3, #1", "27:",
                "adds r2, r0, #7", "adds r2, #12", "vmov r1, s26", "cmp r1, r2", "beq 28f", "adds r3, #1", "28:",
                "adds r2, r0, #7", "adds r2, #13", "vmov r1, s27", "cmp r1, r2", "beq 29f", "adds r3, #1", "29:",
                "adds r2, r0, #7", "adds r2, #14", "vmov r1, s28", "cmp r1, r2", "beq 30f", "adds r3, #1", "30:",
                "adds r2, r0, #7", "adds r2, #15", "vmov r1, s29", "cmp r1, r2", "beq 31f", "adds r3, #1", "31:",
                "adds r2, r0, #7", "adds r2, #16", "vmov r1, s30", "cmp r1, r2", "beq 32f", "adds r3, #1", "32:",
                "adds r2, r0, #7", "adds r2, #17", "vmov r1, s31", "cmp r1, r2", "beq 33f", "adds r3, #1", "33:",
                "add sp, #8",
                "pop {{r6, r7}}",
                inout("r0") seed => _,
                inout("r1") hop => _,
                out("r3") bad,
                out("r4") _, out("r5") _, out("r8") _, out("r9") _, out("r10") _, out("r11") _,
                out("s16") _, out("s17") _, out("s18") _, out("s19") _,
                out("s20") _, out("s21") _, out("s22") _, out("s23") _,
                out("s24") _, out("s25") _, out("s26") _, out("s27") _,
                out("s28") _, out("s29") _, out("s30") _, out("s31") _,
                // Not `clobber_abi("C")`: it names d16–d31, which these FPUs
                // lack.
                out("r2") _, out("r12") _, out("lr") _,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _,
                out("s4") _, out("s5") _, out("s6") _, out("s7") _,
                out("s8") _, out("s9") _, out("s10") _, out("s11") _,
                out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            );
            #[cfg(not(target_abi = "eabihf"))]
            asm!(
                "push {{r0, r1, r6, r7}}",
                "adds r4, r0, #1",
                "adds r5, r0, #2",
                "adds r6, r0, #3",
                "adds r7, r0, #4",
                "adds r2, r0, #5", "mov r8, r2",
                "adds r2, r0, #6", "mov r9, r2",
                "adds r2, r0, #7", "mov r10, r2",
                "adds r2, r0, #7", "adds r2, #1", "mov r11, r2",
                "blx r1",
                "ldr r0, [sp]",
                "movs r3, #0",
                "adds r2, r0, #1",
                "cmp r4, r2", "beq 10f", "adds r3, #1", "10:",
                "adds r2, r0, #2",
                "cmp r5, r2", "beq 11f", "adds r3, #1", "11:",
                "adds r2, r0, #3",
                "cmp r6, r2", "beq 12f", "adds r3, #1", "12:",
                "adds r2, r0, #4",
                "cmp r7, r2", "beq 13f", "adds r3, #1", "13:",
                "adds r2, r0, #5",
                "cmp r8, r2", "beq 14f", "adds r3, #1", "14:",
                "adds r2, r0, #6",
                "cmp r9, r2", "beq 15f", "adds r3, #1", "15:",
                "adds r2, r0, #7",
                "cmp r10, r2", "beq 16f", "adds r3, #1", "16:",
                "adds r2, r0, #7", "adds r2, #1",
                "cmp r11, r2", "beq 17f", "adds r3, #1", "17:",
                "add sp, #8",
                "pop {{r6, r7}}",
                inout("r0") seed => _,
                inout("r1") hop => _,
                out("r3") bad,
                out("r4") _, out("r5") _, out("r8") _, out("r9") _, out("r10") _, out("r11") _,
                clobber_abi("C"),
            );
        }
        bad
    }
}

#[cfg(target_arch = "riscv32")]
mod imp {
    use core::arch::asm;

    pub fn check(seed: usize, hop: extern "C" fn()) -> usize {
        let bad: usize;
        // SAFETY: the asm saves s0 and s1 itself (sp stays 16-aligned) and
        // declares s2–s11 clobbered.
        unsafe {
            asm!(
                "addi sp, sp, -16",
                "sw s0, 0(sp)",
                "sw s1, 4(sp)",
                "sw a0, 8(sp)",
                "addi s0, a0, 1",
                "addi s1, a0, 2",
                "addi s2, a0, 3",
                "addi s3, a0, 4",
                "addi s4, a0, 5",
                "addi s5, a0, 6",
                "addi s6, a0, 7",
                "addi s7, a0, 8",
                "addi s8, a0, 9",
                "addi s9, a0, 10",
                "addi s10, a0, 11",
                "addi s11, a0, 12",
                "jalr ra, 0(a1)",
                "lw a0, 8(sp)",
                "li a2, 0",
                "addi t0, a0, 1", "sub t0, t0, s0", "snez t0, t0", "add a2, a2, t0",
                "addi t0, a0, 2", "sub t0, t0, s1", "snez t0, t0", "add a2, a2, t0",
                "addi t0, a0, 3", "sub t0, t0, s2", "snez t0, t0", "add a2, a2, t0",
                "addi t0, a0, 4", "sub t0, t0, s3", "snez t0, t0", "add a2, a2, t0",
                "addi t0, a0, 5", "sub t0, t0, s4", "snez t0, t0", "add a2, a2, t0",
                "addi t0, a0, 6", "sub t0, t0, s5", "snez t0, t0", "add a2, a2, t0",
                "addi t0, a0, 7", "sub t0, t0, s6", "snez t0, t0", "add a2, a2, t0",
                "addi t0, a0, 8", "sub t0, t0, s7", "snez t0, t0", "add a2, a2, t0",
                "addi t0, a0, 9", "sub t0, t0, s8", "snez t0, t0", "add a2, a2, t0",
                "addi t0, a0, 10", "sub t0, t0, s9", "snez t0, t0", "add a2, a2, t0",
                "addi t0, a0, 11", "sub t0, t0, s10", "snez t0, t0", "add a2, a2, t0",
                "addi t0, a0, 12", "sub t0, t0, s11", "snez t0, t0", "add a2, a2, t0",
                "lw s0, 0(sp)",
                "lw s1, 4(sp)",
                "addi sp, sp, 16",
                inout("a0") seed => _,
                inout("a1") hop => _,
                out("a2") bad,
                out("s2") _, out("s3") _, out("s4") _, out("s5") _, out("s6") _,
                out("s7") _, out("s8") _, out("s9") _, out("s10") _, out("s11") _,
                clobber_abi("C"),
            );
        }
        bad
    }
}
