//! The `embedded-io-async` impls, written once for every supported release
//! of the crate (0.6 and 0.7 have the same trait shapes; each release is its
//! own crate, so each gets its own impls, from `eio06.rs` / `eio07.rs` here
//! and in `net`).
//!
//! Semantics both releases ask for, and how they hold:
//! * `read`/`write` with an empty buffer return `Ok(0)` at once, without
//!   waiting for readiness (a blocking stdin would otherwise wait).
//! * `write` of a non-empty buffer never returns `Ok(0)`: the kernel does
//!   not for pipes, sockets and terminals.
//! * `read` and `write` are cancel-safe: a dropped future has made no
//!   system call that moved bytes (each call completes before the future
//!   returns).
//! * `ReadReady`/`WriteReady` ask the kernel (`ppoll`, zero timeout).

/// `embedded_io::Error` for [`crate::io::Error`] from release `$eio`.
macro_rules! impl_error {
    ($eio:ident) => {
        impl $eio::Error for $crate::io::Error {
            fn kind(&self) -> $eio::ErrorKind {
                use $crate::io::Error as E;
                use $crate::sys::Errno;
                use $eio::ErrorKind as K;
                match *self {
                    E::Os(e) => match e {
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
                    E::Capacity(_) => K::OutOfMemory,
                    E::UnexpectedEof => K::WriteZero,
                    E::InvalidInput => K::InvalidInput,
                }
            }
        }
    };
}

/// `ErrorType`, `Read`, `Write`, `ReadReady` and `WriteReady` from release
/// `$eio` for `$ty`, which has inherent `read(&self, &mut [u8])`,
/// `write(&self, &[u8])` and `is_ready(&self, Direction)`.
macro_rules! impl_stream {
    ($eio:ident, $ty:ty) => {
        impl $eio::ErrorType for $ty {
            type Error = $crate::io::Error;
        }

        impl $eio::Read for $ty {
            async fn read(&mut self, buf: &mut [u8]) -> Result<usize, $crate::io::Error> {
                if buf.is_empty() {
                    return Ok(0);
                }
                <$ty>::read(self, buf).await
            }
        }

        impl $eio::Write for $ty {
            async fn write(&mut self, buf: &[u8]) -> Result<usize, $crate::io::Error> {
                if buf.is_empty() {
                    return Ok(0);
                }
                <$ty>::write(self, buf).await
            }

            async fn flush(&mut self) -> Result<(), $crate::io::Error> {
                // Every write went to the kernel: nothing is buffered here.
                Ok(())
            }
        }

        impl $eio::ReadReady for $ty {
            fn read_ready(&mut self) -> Result<bool, $crate::io::Error> {
                self.is_ready($crate::reactor::Direction::Read)
            }
        }

        impl $eio::WriteReady for $ty {
            fn write_ready(&mut self) -> Result<bool, $crate::io::Error> {
                self.is_ready($crate::reactor::Direction::Write)
            }
        }
    };
}

pub(crate) use {impl_error, impl_stream};
