//! One error type for bitwake's I/O: the kernel's [`Errno`], or a static
//! capacity of the runtime running out.

use crate::reactor::CapacityError;
use crate::sys::Errno;
use core::fmt;

/// An I/O error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// A system call failed.
    Os(Errno),
    /// A static capacity (registrations, timers) is exhausted.
    Capacity(CapacityError),
    /// The peer closed the connection before the operation could finish
    /// (e.g. `write_all` wrote 0 bytes, or `read_exact` hit end of file).
    UnexpectedEof,
    /// An argument was rejected before reaching the kernel (e.g. a bad address).
    InvalidInput,
}

impl Error {
    /// The `Errno`, when the kernel reported this error.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            Error::Os(e) => Some(*e),
            _ => None,
        }
    }
}

impl From<Errno> for Error {
    fn from(e: Errno) -> Self {
        Error::Os(e)
    }
}

impl From<CapacityError> for Error {
    fn from(e: CapacityError) -> Self {
        Error::Capacity(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Os(e) => fmt::Display::fmt(e, f),
            Error::Capacity(c) => fmt::Display::fmt(c, f),
            Error::UnexpectedEof => f.write_str("unexpected end of file"),
            Error::InvalidInput => f.write_str("invalid input"),
        }
    }
}

impl core::error::Error for Error {}
