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
            Ok(n) => buf = buf.get(n..).unwrap_or_default(),
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
        self.sink().flush()
    }

    /// The buffer as the non-generic [`Sink`] every `N` shares.
    fn sink(&mut self) -> Sink<'_> {
        Sink {
            fd: self.fd,
            buf: &mut self.buf,
            len: &mut self.len,
            error: &mut self.error,
        }
    }
}

impl<const N: usize> fmt::Write for BufferedFd<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.sink().write_str(s)
    }

    fn write_char(&mut self, c: char) -> fmt::Result {
        self.sink().write_char(c)
    }

    fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> fmt::Result {
        self.sink().write_fmt(args)
    }
}

/// A [`BufferedFd`] of any size, borrowed: its `fmt::Write` code exists
/// once per program instead of once per buffer size.
struct Sink<'a> {
    fd: RawFd,
    buf: &'a mut [u8],
    len: &'a mut usize,
    error: &'a mut Option<Errno>,
}

impl Sink<'_> {
    #[inline(never)]
    fn flush(&mut self) -> Result<(), Errno> {
        let r = write_all(self.fd, self.buf.get(..*self.len).unwrap_or_default());
        *self.len = 0;
        match self.error.take() {
            Some(e) => Err(e),
            None => r,
        }
    }
}

impl fmt::Write for Sink<'_> {
    #[inline(never)]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut bytes = s.as_bytes();
        while !bytes.is_empty() {
            if *self.len >= self.buf.len()
                && let Err(e) = self.flush()
            {
                self.error.get_or_insert(e);
            }
            let free = self.buf.get_mut(*self.len..).unwrap_or_default();
            let n = bytes.len().min(free.len());
            let (now, later) = bytes.split_at(n);
            free[..n].copy_from_slice(now);
            *self.len += n;
            bytes = later;
        }
        Ok(())
    }
}

#[doc(hidden)]
pub fn _print(fd: RawFd, args: fmt::Arguments<'_>) {
    let mut w = BufferedFd::<256>::new(fd);
    let mut w = w.sink();
    // Printing has nowhere to report failure (like std's print!, minus the
    // panic): a closed stdout must not crash a server.
    let _ = fmt::write(&mut w, args);
    let _ = w.flush();
}

/// Prints to stdout (fd 1).
///
/// *Needs the `rt` feature on freestanding Linux; on a microcontroller
/// `bitwake-mcu` provides it.*
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::rt::io::_print(1, format_args!($($arg)*)) };
}

/// Prints a line to stdout (fd 1).
///
/// *Needs the `rt` feature on freestanding Linux; on a microcontroller
/// `bitwake-mcu` provides it.*
#[macro_export]
macro_rules! println {
    () => { $crate::rt::io::_print(1, format_args!("\n")) };
    ($($arg:tt)*) => { $crate::rt::io::_print(1, format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints to stderr (fd 2).
///
/// *Needs the `rt` feature on freestanding Linux; on a microcontroller
/// `bitwake-mcu` provides it.*
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::rt::io::_print(2, format_args!($($arg)*)) };
}

/// Prints a line to stderr (fd 2).
///
/// *Needs the `rt` feature on freestanding Linux; on a microcontroller
/// `bitwake-mcu` provides it.*
#[macro_export]
macro_rules! eprintln {
    () => { $crate::rt::io::_print(2, format_args!("\n")) };
    ($($arg:tt)*) => { $crate::rt::io::_print(2, format_args!("{}\n", format_args!($($arg)*))) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write;

    /// Everything written reaches the fd, in order, whatever the buffer size.
    #[test]
    fn buffered_fd_flushes_in_order() {
        let [r, w] = sys::pipe2(sys::O_CLOEXEC).unwrap();
        let mut small = BufferedFd::<7>::new(w);
        let greeting = "hello, world";
        write!(small, "{greeting}-{:>5}|{:?}|", 42u64, 'é').unwrap();
        small.write_char('ß').unwrap();
        small.flush().unwrap();
        let mut big = BufferedFd::<512>::new(w);
        big.write_str("!").unwrap();
        big.flush().unwrap();
        _print(w, format_args!("{}", "x".repeat(600)));
        let mut got = [0u8; 1024];
        let n = sys::read(r, &mut got).unwrap();
        let want = format!("hello, world-   42|'é'|ß!{}", "x".repeat(600));
        assert_eq!(core::str::from_utf8(&got[..n]).unwrap(), want);
        // A failed write is reported once, by the next flush.
        let _ = sys::close(r);
        let mut dead = BufferedFd::<4>::new(w);
        dead.write_str("abcdefgh").unwrap();
        assert!(dead.flush().is_err());
        let _ = sys::close(w);
    }
}
