//! Asynchronous I/O on file descriptors: the error type, pipes and the
//! standard streams. Every type here implements the `embedded-io-async`
//! `Read`/`Write` traits, so code written against those traits (drivers,
//! protocol crates) runs on bitwake unchanged.
// Linux only: see "Linux-only modules" in the crate root.
#![cfg(all(
    any(feature = "linux", all(test, target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]

mod error;
mod fd;
mod log;

pub use error::Error;
pub use fd::{AsyncFd, pipe, stderr, stdin, stdout};
pub use log::LogBuffer;
