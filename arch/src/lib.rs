//! The only place in bitwake that speaks to the CPU directly.
//!
//! Each architecture file holds exactly four things, and nothing typed:
//!
//! * the raw `syscall0..=syscall6` family (plus a `noreturn` exit), returning the
//!   kernel's raw `usize` (errors are `-4095..=-1` as two's complement; decoding
//!   them is the typed layer's job, in `bitwake::sys`);
//! * the syscall-number table [`nr`] for that architecture;
//! * program start-up: the [`start!`] macro that defines `_start`, the
//!   relocation types start-up applies ([`reloc`]), and the signal-return
//!   trampoline [`restore_rt`] that `SA_RESTORER` needs;
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
    clone_thread, nr, reloc, restore_rt, set_thread_pointer, syscall0, syscall1, syscall1_noreturn,
    syscall2, syscall3, syscall4, syscall5, syscall6, thread_pointer,
};

/// Defines the program entry point `_start` for the current architecture.
///
/// `_start` receives control from the kernel with the stack pointer at `argc`
/// (followed by `argv[]`, `NULL`, `envp[]`, `NULL`, auxv). It clears the frame
/// pointer and calls two functions with that stack pointer as the first
/// argument:
///
/// 1. `$relocate` (`unsafe extern "C" fn(*const usize, *const u8)`), with the
///    run-time address of `_DYNAMIC` as the second argument. In a static-PIE
///    (what cargo links for `x86_64-unknown-none` by default) nobody else
///    applies the image's relocations, so this must, before any code reads a
///    pointer stored in memory. `_DYNAMIC` is a weak reference: a static
///    non-PIE executable has none, and the value is then meaningless (it is
///    only used when the program headers name a `PT_DYNAMIC` segment).
/// 2. `$entry` (`unsafe extern "C" fn(*const usize) -> !`), which never
///    returns.
///
/// They are two calls from assembly, not one Rust function calling the other,
/// so that no code of `$entry` (inlined or hoisted) can run before the
/// relocations are applied.
///
/// It is a macro rather than a function in this crate so that `_start` is
/// emitted into the final binary's own object file: the linker then always
/// sees it, whatever LTO and archive member selection decide.
#[macro_export]
macro_rules! start {
    ($relocate:path, $entry:path) => {
        #[cfg(target_arch = "x86_64")]
        #[unsafe(naked)]
        #[unsafe(no_mangle)]
        unsafe extern "C" fn _start() -> ! {
            // rsp is 16-byte aligned and points at argc, so at `$relocate`
            // (reached by a `call`) rsp % 16 == 8, as the SysV ABI promises a
            // callee. Then clear rbp (the end of the frame-pointer chain),
            // pass rsp again and push a zero "return address" so `$entry`
            // sees the same alignment after a `jmp`.
            ::core::arch::naked_asm!(
                ".weak _DYNAMIC",
                ".hidden _DYNAMIC",
                "xor ebp, ebp",
                "mov rdi, rsp",
                "lea rsi, [rip + _DYNAMIC]",
                "call {relocate}",
                "mov rdi, rsp",
                "push rbp",
                "jmp {entry}",
                relocate = sym $relocate,
                entry = sym $entry,
            )
        }

        #[cfg(target_arch = "aarch64")]
        #[unsafe(naked)]
        #[unsafe(no_mangle)]
        unsafe extern "C" fn _start() -> ! {
            // sp is 16-byte aligned and points at argc. Zero the frame pointer
            // and link register (end of the chain), pass sp in x0 to both
            // calls. `$entry` never returns; `brk` traps if it somehow does.
            ::core::arch::naked_asm!(
                ".weak _DYNAMIC",
                ".hidden _DYNAMIC",
                "mov x29, xzr",
                "mov x30, xzr",
                "mov x0, sp",
                "adrp x1, _DYNAMIC",
                "add x1, x1, :lo12:_DYNAMIC",
                "bl {relocate}",
                "mov x29, xzr",
                "mov x30, xzr",
                "mov x0, sp",
                "bl {entry}",
                "brk #0",
                relocate = sym $relocate,
                entry = sym $entry,
            )
        }
    };
}
