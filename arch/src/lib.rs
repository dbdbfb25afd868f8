//! The only place in bitwake that speaks to the CPU directly.
//!
//! Each architecture file holds exactly four things, and nothing typed:
//!
//! * the raw `syscall0..=syscall6` family (plus a `noreturn` exit), returning the
//!   kernel's raw `usize` (errors are `-4095..=-1` as two's complement; decoding
//!   them is the typed layer's job, in `bitwake::sys`);
//! * the syscall-number table [`nr`] for that architecture;
//! * program start-up: the [`start!`] macro that defines `_start`, and the
//!   signal-return trampoline [`restore_rt`] that `SA_RESTORER` needs;
//! * threads: [`clone_thread`] (a `clone` whose child runs on its own stack,
//!   which no typed wrapper could express) and the thread pointer
//!   ([`thread_pointer`], [`set_thread_pointer`]).
//!
//! Arguments are plain `usize` registers: the kernel sees integers, and the
//! typed layer above is where pointers and lengths get their meaning.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[cfg(target_arch = "x86_64")]
#[path = "x86_64.rs"]
mod imp;

#[cfg(target_arch = "aarch64")]
#[path = "aarch64.rs"]
mod imp;

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
compile_error!("bitwake-arch supports x86_64 and aarch64 Linux only");

pub use imp::{
    clone_thread, nr, restore_rt, set_thread_pointer, syscall0, syscall1, syscall1_noreturn,
    syscall2, syscall3, syscall4, syscall5, syscall6, thread_pointer,
};

/// Defines the program entry point `_start` for the current architecture.
///
/// `_start` receives control from the kernel with the stack pointer at `argc`
/// (followed by `argv[]`, `NULL`, `envp[]`, `NULL`, auxv). It clears the frame
/// pointer, passes that stack pointer as the first argument to `$entry`
/// (`unsafe extern "C" fn(*const usize) -> !`) and never returns.
///
/// It is a macro rather than a function in this crate so that `_start` is
/// emitted into the final binary's own object file: the linker then always
/// sees it, whatever LTO and archive member selection decide.
#[macro_export]
macro_rules! start {
    ($entry:path) => {
        #[cfg(target_arch = "x86_64")]
        #[unsafe(naked)]
        #[unsafe(no_mangle)]
        unsafe extern "C" fn _start() -> ! {
            // rsp is 16-byte aligned and points at argc. Clear rbp (the end of
            // the frame-pointer chain), pass rsp as arg 1, then push a zero
            // "return address" so that at `$entry` rsp % 16 == 8, exactly as
            // after a `call`, which is what the SysV ABI promises a callee.
            ::core::arch::naked_asm!(
                "xor ebp, ebp",
                "mov rdi, rsp",
                "push rbp",
                "jmp {entry}",
                entry = sym $entry,
            )
        }

        #[cfg(target_arch = "aarch64")]
        #[unsafe(naked)]
        #[unsafe(no_mangle)]
        unsafe extern "C" fn _start() -> ! {
            // sp is 16-byte aligned and points at argc. Zero the frame pointer
            // and link register (end of the chain), pass sp in x0. `$entry`
            // never returns; `brk` traps if it somehow does.
            ::core::arch::naked_asm!(
                "mov x29, xzr",
                "mov x30, xzr",
                "mov x0, sp",
                "bl {entry}",
                "brk #0",
                entry = sym $entry,
            )
        }
    };
}
