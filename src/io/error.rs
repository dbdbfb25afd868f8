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

impl embedded_io_async::Error for Error {
    fn kind(&self) -> embedded_io_async::ErrorKind {
        use embedded_io_async::ErrorKind as K;
        match *self {
            Error::Os(e) => match e {
                Errno::ENOENT => K::NotFound,
                Errno::EACCES | Errno::EPERM => K::PermissionDenied,
                Errno::ECONNREFUSED => K::ConnectionRefused,
                Errno::ECONNRESET => K::ConnectionReset,
                Errno::ECONNABORTED => K::ConnectionAborted,
                Errno::ENOTCONN => K::NotConnected,
                Errno::EADDRINUSE => K::AddrInUse,
                Errno::EADDRNOTAVAIL => K::AddrNotAvailable,
                Errno::EPIPE => K::BrokenPipe,
                Errno::EEXIST => K::AlreadyExists,
                Errno::EINVAL => K::InvalidInput,
                Errno::ETIMEDOUT => K::TimedOut,
                Errno::EINTR => K::Interrupted,
                Errno::EOPNOTSUPP => K::Unsupported,
                Errno::ENOMEM => K::OutOfMemory,
                _ => K::Other,
            },
            Error::Capacity(_) => K::OutOfMemory,
            Error::UnexpectedEof => K::Other,
            Error::InvalidInput => K::InvalidInput,
        }
    }
}
