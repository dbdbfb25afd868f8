//! Typed Linux system calls, written once over the raw [`backend`].
//!
//! Every wrapper returns `Result<_, Errno>` and does exactly one system call:
//! no retry loops hide here (EINTR and EAGAIN are decisions for the caller,
//! which knows whether it may block). Pointers are derived from Rust
//! references, so the kernel only ever sees memory the caller lent it.
//!
//! **Needs the `linux` feature** (enabled by `rt`), on x86-64 or aarch64;
//! documented regardless.
// Linux only: see "Linux-only modules" in the crate root.
#![cfg(all(
    any(feature = "linux", all(any(test, doc), target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]

pub mod backend;
mod errno;
#[cfg(any(feature = "fault-inject", test, doc))]
pub mod fault;
mod fd;
mod threads;
pub mod types;
mod wrappers;

pub use errno::Errno;
pub use fd::OwnedFd;
pub use threads::*;
pub use types::*;
pub use wrappers::*;

/// The syscall-number table of the selected backend's architecture (used by
/// the typed wrappers, and by fault scripts to name the calls they target).
#[cfg(feature = "syscalls-crate")]
pub use backend::syscalls_nr as nr;
/// The syscall-number table of the selected backend's architecture (used by
/// the typed wrappers, and by fault scripts to name the calls they target).
#[cfg(not(feature = "syscalls-crate"))]
pub use bitwake_arch::nr;

/// Issues syscall `$nr` with integer arguments through the selected backend
/// and decodes the result. Internal: every argument is converted to a
/// register with `as usize`, so callers pass `fd as usize`, `ptr as usize`...
macro_rules! syscall {
    ($nr:expr) => {
        Errno::from_ret(
            <$crate::sys::backend::Selected as $crate::sys::backend::Backend>::syscall0($nr),
        )
    };
    ($nr:expr, $a:expr) => {
        Errno::from_ret(
            <$crate::sys::backend::Selected as $crate::sys::backend::Backend>::syscall1($nr, $a),
        )
    };
    ($nr:expr, $a:expr, $b:expr) => {
        Errno::from_ret(
            <$crate::sys::backend::Selected as $crate::sys::backend::Backend>::syscall2(
                $nr, $a, $b,
            ),
        )
    };
    ($nr:expr, $a:expr, $b:expr, $c:expr) => {
        Errno::from_ret(
            <$crate::sys::backend::Selected as $crate::sys::backend::Backend>::syscall3(
                $nr, $a, $b, $c,
            ),
        )
    };
    ($nr:expr, $a:expr, $b:expr, $c:expr, $d:expr) => {
        Errno::from_ret(
            <$crate::sys::backend::Selected as $crate::sys::backend::Backend>::syscall4(
                $nr, $a, $b, $c, $d,
            ),
        )
    };
    ($nr:expr, $a:expr, $b:expr, $c:expr, $d:expr, $e:expr) => {
        Errno::from_ret(
            <$crate::sys::backend::Selected as $crate::sys::backend::Backend>::syscall5(
                $nr, $a, $b, $c, $d, $e,
            ),
        )
    };
    ($nr:expr, $a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr) => {
        Errno::from_ret(
            <$crate::sys::backend::Selected as $crate::sys::backend::Backend>::syscall6(
                $nr, $a, $b, $c, $d, $e, $f,
            ),
        )
    };
}
use syscall;
