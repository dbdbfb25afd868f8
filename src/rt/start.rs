//! From `_start` to `main` and back to the kernel.

use super::args;
use crate::sys::{SIGPIPE, SigAction, exit_group, rt_sigaction};

unsafe extern "Rust" {
    /// Defined by [`main!`](crate::main) in the program.
    safe fn __bitwake_main() -> i32;
}

/// Called by `_start` with the initial stack pointer, which points at
/// `argc`, followed by `argv[0..argc]`, a null, `envp[..]`, a null, auxv.
///
/// # Safety
/// Only `_start` may call this, once, with the kernel's initial stack pointer.
pub unsafe extern "C" fn entry(sp: *const usize) -> ! {
    // SAFETY: the kernel's initial stack has the layout described above.
    unsafe { args::init(sp) };
    // The main thread's block behind the thread pointer, before any code
    // could ask which core it is.
    crate::thread::block::install_main();
    // A write to a pipe or terminal whose reader left must come back as
    // `EPIPE`, not kill the program: a server logging to `| head` keeps
    // serving. (Sockets use `MSG_NOSIGNAL`; this covers every other fd.)
    let _ = rt_sigaction(SIGPIPE, &SigAction::ignore());
    // Fault-injection builds only: a script from BITWAKE_FAULTS, and what
    // it injected reported at exit.
    #[cfg(feature = "fault-inject")]
    crate::sys::fault::install_from_env();
    let status = __bitwake_main();
    #[cfg(feature = "fault-inject")]
    crate::sys::fault::report_from_env();
    exit_group(status)
}

/// What `main` may return; turned into the process exit status.
pub trait Termination {
    /// The exit status to report (0 is success).
    fn report(self) -> i32;
}

impl Termination for () {
    fn report(self) -> i32 {
        0
    }
}

impl Termination for i32 {
    fn report(self) -> i32 {
        self
    }
}

impl<E: core::fmt::Debug> Termination for Result<(), E> {
    fn report(self) -> i32 {
        match self {
            Ok(()) => 0,
            Err(e) => {
                crate::eprintln!("Error: {e:?}");
                1
            }
        }
    }
}
