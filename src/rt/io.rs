//! Printing without libc: a small stack buffer per `print!`, written out with
//! as few `write` calls as the output needs (usually one).

use crate::sys::{self, Errno, POLLOUT, PollFd, RawFd};
use core::fmt;

/// Writes all of `buf` to `fd`, retrying on short writes and `EINTR`, and
/// waiting (with `ppoll`) when a non-blocking fd says `EAGAIN`.
pub fn write_all(fd: RawFd, mut buf: &[u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        match sys::write(fd, buf) {
            Ok(0) => return Err(Errno::EIO),
            Ok(n) => buf = &buf[n..],
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => {
                let mut pfd = [PollFd {
                    fd,
                    events: POLLOUT,
                    revents: 0,
                }];
                match sys::ppoll(&mut pfd, None) {
                    Ok(_) | Err(Errno::EINTR) => {}
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A `fmt::Write` into an `N`-byte stack buffer that flushes to `fd` when
/// full and on [`BufferedFd::flush`].
pub struct BufferedFd<const N: usize> {
    fd: RawFd,
    len: usize,
    buf: [u8; N],
    error: Option<Errno>,
}

impl<const N: usize> BufferedFd<N> {
    /// An empty buffer for `fd`.
    pub const fn new(fd: RawFd) -> Self {
        BufferedFd {
            fd,
            len: 0,
            buf: [0; N],
            error: None,
        }
    }

    /// Writes out what is buffered; reports the first error seen.
    pub fn flush(&mut self) -> Result<(), Errno> {
        let r = write_all(self.fd, &self.buf[..self.len]);
        self.len = 0;
        match self.error.take() {
            Some(e) => Err(e),
            None => r,
        }
    }
}

impl<const N: usize> fmt::Write for BufferedFd<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut bytes = s.as_bytes();
        while !bytes.is_empty() {
            if self.len == N {
                if let Err(e) = write_all(self.fd, &self.buf[..self.len]) {
                    self.error.get_or_insert(e);
                }
                self.len = 0;
            }
            let n = bytes.len().min(N - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
            self.len += n;
            bytes = &bytes[n..];
        }
        Ok(())
    }
}

#[doc(hidden)]
pub fn _print(fd: RawFd, args: fmt::Arguments<'_>) {
    let mut w = BufferedFd::<256>::new(fd);
    // Printing has nowhere to report failure (like std's print!, minus the
    // panic): a closed stdout must not crash a server.
    let _ = fmt::write(&mut w, args);
    let _ = w.flush();
}

/// Prints to stdout (fd 1).
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::rt::io::_print(1, format_args!($($arg)*)) };
}

/// Prints a line to stdout (fd 1).
#[macro_export]
macro_rules! println {
    () => { $crate::rt::io::_print(1, format_args!("\n")) };
    ($($arg:tt)*) => { $crate::rt::io::_print(1, format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints to stderr (fd 2).
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::rt::io::_print(2, format_args!($($arg)*)) };
}

/// Prints a line to stderr (fd 2).
#[macro_export]
macro_rules! eprintln {
    () => { $crate::rt::io::_print(2, format_args!("\n")) };
    ($($arg:tt)*) => { $crate::rt::io::_print(2, format_args!("{}\n", format_args!($($arg)*))) };
}
