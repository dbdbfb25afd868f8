//! Start-up for freestanding Linux programs: no std, no libc.
//!
//! **Needs the `rt` feature** (`bitwake = { ..., features = ["rt"] }`),
//! on x86-64 or aarch64; documented regardless.
//!
//! A program declares its entry point in one line, [`main!`](crate::main):
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! bitwake::main!(main);
//! fn main() -> Result<(), bitwake::sys::Errno> { bitwake::println!("hi"); Ok(()) }
//! ```
//!
//! The path from the kernel to `main`: the kernel jumps to `_start` (naked
//! asm from `bitwake-arch`, emitted by the macro) with the stack pointer at
//! `argc`; `_start` calls [`start::entry`], which records argc/argv/envp for
//! [`args`]/[`env()`], calls `main`, and passes its [`Termination`] status to
//! `exit_group`. SIGPIPE is ignored before `main` runs, so a write to a
//! pipe whose reader left is an `EPIPE` error value, never a silent death.
//! A panic prints its message to stderr and exits with 101.
//!
//! Before `main`'s code runs at all, `_start` relocates the program if it is
//! a static-PIE (cargo's default for `x86_64-unknown-none`): pointers stored
//! in statics are then right wherever the kernel loaded it. An image that
//! needs more than that (a symbolic relocation, text relocations) stops at
//! start-up with a message on stderr saying how to link it instead, and exit
//! status 78.

mod args;
mod core_park;
mod park_latch;
/// The atomics `park_latch.rs` uses (loom's in its model).
mod atomic {
    pub(crate) use core::sync::atomic::{AtomicU32, Ordering};
}
pub mod cores;
pub mod io;
mod panic;
#[doc(hidden)]
pub mod relocate;
mod runtime;
#[doc(hidden)]
pub mod start;
pub mod testing;

pub use args::{Args, args, env};
pub use panic::handle_panic;
pub(crate) use runtime::install_trace_from_env;
pub use start::Termination;

#[doc(hidden)]
pub use bitwake_arch as __arch;

/// Declares the program's entry point: `bitwake::main!(path_to_main);`.
///
/// `main` takes no arguments (use [`rt::args`](crate::rt::args) and
/// [`rt::env`](crate::rt::env)) and returns anything that implements
/// [`Termination`]: `()`, an `i32` exit status, or `Result<(), E: Debug>`.
/// The macro also defines `_start` and the panic handler, so the program needs
/// nothing else to link.
///
/// *Needs the `rt` feature on freestanding Linux; on a microcontroller
/// `bitwake-mcu` provides it.*
#[macro_export]
macro_rules! main {
    ($main:path) => {
        $crate::rt::__arch::start!(
            $crate::rt::relocate::relocate_self,
            $crate::rt::start::entry
        );

        #[unsafe(no_mangle)]
        fn __bitwake_main() -> i32 {
            $crate::rt::Termination::report($main())
        }

        #[panic_handler]
        fn __bitwake_panic(info: &::core::panic::PanicInfo<'_>) -> ! {
            $crate::rt::handle_panic(info)
        }
    };
}
