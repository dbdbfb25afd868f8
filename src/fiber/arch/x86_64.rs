//! The x86-64 (System V) context switch.
//!
//! Callee-saved state: rbx, rbp, r12–r15, rsp, and the control bits of MXCSR
//! and the x87 control word. r12–r15 are declared clobbered (with
//! `clobber_abi`), so the compiler saves only those it has live values in;
//! rbx and rbp are reserved by LLVM and saved here by hand.
//!
//! The two control words are saved and restored only with the crate feature
//! `fiber-fp-control`. Without it they are per-thread state that all fibers
//! of a thread share (as in corosensei): a fiber that changes the rounding
//! mode or the exception masks must put them back before it yields or
//! waits. The reason is cost: `stmxcsr` and `ldmxcsr` take tens of
//! nanoseconds each on some machines (virtual ones in particular), several
//! times the whole switch.
//!
//! The parent enters a fiber with `call` and the fiber leaves with `ret`, so
//! the CPU's return-address predictor stays in step: the fiber's resume point
//! is reached by an indirect `call` through the word at the top of its saved
//! stack, and its suspend returns to the instruction after that `call`.
//!
//! Saved frame of a suspended fiber, from its stack pointer up:
//! `[resume address, (MXCSR | x87 control word,) rbx, rbp]`.

use core::arch::{asm, naked_asm};

/// Saves MXCSR and the x87 control word below the stack pointer.
#[cfg(feature = "fiber-fp-control")]
macro_rules! fp_save {
    () => {
        "sub rsp, 8\nstmxcsr [rsp]\nfnstcw [rsp + 4]"
    };
}
/// Loads what [`fp_save`] saved.
#[cfg(feature = "fiber-fp-control")]
macro_rules! fp_load {
    () => {
        "ldmxcsr [rsp]\nfldcw [rsp + 4]\nadd rsp, 8"
    };
}
#[cfg(not(feature = "fiber-fp-control"))]
macro_rules! fp_save {
    () => {
        ""
    };
}
#[cfg(not(feature = "fiber-fp-control"))]
macro_rules! fp_load {
    () => {
        ""
    };
}

/// Stack pointers of one fiber: its own while it is suspended, its parent's
/// (pointing at the return address of the parent's `call`) while it runs.
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

/// The first resume of a fresh fiber lands here, through the `call [rsi]`
/// of [`resume`], with rdi = the context and rsi = the frame [`init`] built.
/// It records the parent's stack pointer, moves to the fiber stack and jumps
/// to the entry function (rdi still the context), which never returns: the
/// zero word above the entry's frame ends backtraces, rbp = 0 ends the frame
/// pointer chain.
#[unsafe(naked)]
unsafe extern "C" fn start() {
    naked_asm!(
        "mov [rdi + 8], rsp",
        "lea rsp, [rsi + 8]",
        "pop rax",
        "xor ebp, ebp",
        "jmp rax",
    )
}

/// Builds the first frame of a fiber whose stack ends at `top` (exclusive,
/// 16-byte aligned) and stores its stack pointer in `ctx`: the first
/// [`resume`] calls `entry(ctx)` on that stack.
///
/// # Safety
/// `top - 24 .. top` must be writable memory of the fiber's stack.
pub(crate) unsafe fn init(
    ctx: *mut Context,
    top: usize,
    entry: unsafe extern "C" fn(*mut Context) -> !,
) {
    debug_assert!(top.is_multiple_of(16));
    let sp = (top - 24) as *mut usize;
    // SAFETY: the caller gives us the top 24 bytes of the stack. After
    // `start` pops the entry's address, rsp = top - 8 (as after a `call`),
    // pointing at the zero "return address".
    unsafe {
        sp.write(start as *const () as usize);
        sp.add(1).write(entry as usize);
        sp.add(2).write(0);
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
    // SAFETY: the caller's contract; the asm saves what the ABI requires of
    // a call (see the module docs) and the fiber side restores the parent's
    // stack pointer before it returns here.
    unsafe {
        asm!(
            "push rbp",
            "push rbx",
            fp_save!(),
            "call [rsi]",
            fp_load!(),
            "pop rbx",
            "pop rbp",
            in("rdi") ctx,
            in("rsi") (*ctx).sp,
            lateout("rdx") status,
            lateout("r12") _, lateout("r13") _, lateout("r14") _, lateout("r15") _,
            clobber_abi("sysv64"),
        );
    }
    status
}

/// Switches from the running fiber of `ctx` back to its parent, which sees
/// `status` as the value of its [`resume`]; returns when the parent resumes
/// this fiber again.
///
/// # Safety
/// Called on the fiber's own stack, while it runs (so the parent's link in
/// `ctx` is current).
#[inline(always)]
pub(crate) unsafe fn suspend(ctx: *mut Context, status: usize) {
    // SAFETY: the caller's contract. The frame pushed here is exactly what
    // the resume point after `2:` pops when the parent calls into it.
    unsafe {
        asm!(
            "push rbp",
            "push rbx",
            fp_save!(),
            "lea rax, [rip + 2f]",
            "push rax",
            "mov [rdi], rsp",
            "mov rsp, [rdi + 8]",
            "ret",
            "2:",
            "mov [rdi + 8], rsp",
            "lea rsp, [rsi + 8]",
            fp_load!(),
            "pop rbx",
            "pop rbp",
            in("rdi") ctx,
            in("rdx") status,
            lateout("r12") _, lateout("r13") _, lateout("r14") _, lateout("r15") _,
            clobber_abi("sysv64"),
        );
    }
}

/// Switches from the running fiber of `ctx` to its parent for the last time.
///
/// # Safety
/// As [`suspend`]; the fiber's stack holds nothing that needs dropping.
#[inline(always)]
pub(crate) unsafe fn exit(ctx: *mut Context, status: usize) -> ! {
    // SAFETY: the parent's stack pointer points at its return address; its
    // own saved registers are popped by the code after its `call`.
    unsafe {
        asm!(
            "mov rsp, [rdi + 8]",
            "ret",
            in("rdi") ctx,
            in("rdx") status,
            options(noreturn),
        )
    }
}

/// The stack pointer of the caller (for tests and stack-depth reports).
#[inline(always)]
pub(crate) fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads a register.
    unsafe { asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags)) };
    sp
}
