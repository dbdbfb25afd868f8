//! Asynchronous I/O on file descriptors: the error type, pipes and the
//! standard streams. With feature `embedded-io-async-06` and/or
//! `embedded-io-async-07`, [`AsyncFd`] (and `net::TcpStream`) implement that
//! release's `Read`, `Write`, `ReadReady` and `WriteReady`, and [`Error`] its
//! `Error`, so code written against either release (drivers, protocol
//! crates, embassy-sync's pipes) takes a bitwake stream unchanged.
//!
//! **Needs the `linux` feature** (enabled by `rt`), on x86-64 or aarch64;
//! documented regardless.
// Linux only: see "Linux-only modules" in the crate root.
#![cfg(all(
    any(feature = "linux", all(any(test, doc), target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]

mod eio06;
mod eio07;
#[cfg(any(feature = "embedded-io-async-06", feature = "embedded-io-async-07"))]
pub(crate) mod embedded_io;
mod error;
mod fd;
mod log;

pub use error::Error;
pub use fd::{AsyncFd, pipe, stderr, stdin, stdout};
pub use log::LogBuffer;
