//! [`Blocking`]: the blocking `embedded-io` traits over any async reader or
//! writer, for code running on a fiber.

use super::current::wait;

/// Wraps an async reader/writer (an `embedded-io-async` type: a
/// `TcpStream`, an `AsyncFd`, a driver) so that code on a fiber uses it
/// through the blocking `embedded_io_06::Read` / `Write` traits; every call is
/// [`wait`] on the async call, so the executor runs other tasks while it is
/// pending. Blocking protocol code written for `embedded-io` then runs on a
/// fiber unchanged.
///
/// ```ignore
/// use embedded_io_06::{Read, Write};
/// let mut s = fiber::Blocking(stream);
/// let n = s.read(&mut buf)?;
/// s.write_all(&buf[..n])?;
/// ```
///
/// # Panics
/// Its methods panic when called outside a fiber (there is nothing to
/// switch back to).
#[derive(Debug)]
pub struct Blocking<T>(pub T);

impl<T> Blocking<T> {
    /// The wrapped value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: embedded_io_async_06::ErrorType> embedded_io_06::ErrorType for Blocking<T> {
    type Error = T::Error;
}

impl<T: embedded_io_async_06::Read> embedded_io_06::Read for Blocking<T> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        wait(self.0.read(buf))
    }
}

impl<T: embedded_io_async_06::Write> embedded_io_06::Write for Blocking<T> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        wait(self.0.write(buf))
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        wait(self.0.flush())
    }
}
