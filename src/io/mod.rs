//! Asynchronous I/O on file descriptors: the error type, pipes and the
//! standard streams. Every type here implements the `embedded-io-async`
//! `Read`/`Write` traits, so code written against those traits (drivers,
//! protocol crates) runs on bitwake unchanged.

mod error;
mod fd;

pub use error::Error;
pub use fd::{AsyncFd, pipe, stderr, stdin, stdout};
