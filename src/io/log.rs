//! [`LogBuffer`]: a bounded line log whose writer can never block or kill
//! the code that logs.
//!
//! A server that prints a line per request with a blocking `write` stops
//! serving everyone the moment its stdout is a pipe nobody reads. Here a
//! line is formatted straight into a fixed ring buffer (one short lock, no
//! system call), and one task writes the buffer out through the reactor
//! ([`LogBuffer::drain_to`]), waiting for the fd to become writable like any
//! other I/O. When the reader is too slow and the ring is full, lines are
//! dropped and counted; once the ring has drained, the writer puts
//! `[N lines dropped]` where they went missing. If the fd fails for good
//! (`EPIPE`: the reader left), the writer stops and every later line is
//! only counted.
//!
//! Why "drop until drained" rather than "drop only what does not fit": the
//! count then marks one gap at the exact place in the output where lines
//! are missing, instead of a scatter of short gaps between surviving lines.

use super::{AsyncFd, Error};
use crate::lock::Lock;
use crate::sync::Notify;
use core::fmt::{self, Write};

/// Bytes the writer takes from the ring per `write` (at most `PIPE_BUF`, so
/// a write to a blocking pipe that polled writable cannot block).
const CHUNK: usize = 512;

/// A bounded, non-blocking line log of `N` bytes, usable from a `static`.
///
/// ```no_run
/// use bitwake::io::LogBuffer;
/// static LOG: LogBuffer<16384> = LogBuffer::new();
///
/// # async fn demo() {
/// // In a task of its own, for as long as the program runs:
/// if let Ok(out) = bitwake::io::stdout() {
///     let _error = LOG.drain_to(&out).await; // returns only if stdout fails
/// }
/// # }
/// // Anywhere, never blocking:
/// LOG.line(format_args!("#{} - {}ms: {}", 1, 600, "hello"));
/// ```
///
/// The formatting runs under the buffer's lock: a `Display` implementation
/// that logs to the same buffer would deadlock. Do not log from a signal
/// handler.
pub struct LogBuffer<const N: usize> {
    ring: Lock<Ring<N>>,
    /// Tells the writer that the ring went from empty to not empty.
    ready: Notify,
}

impl<const N: usize> LogBuffer<N> {
    /// An empty log.
    pub const fn new() -> Self {
        const { assert!(N > 0, "a LogBuffer needs room for at least one byte") };
        LogBuffer {
            ring: Lock::new(Ring {
                bytes: [0; N],
                start: 0,
                len: 0,
                unreported: 0,
                dropped: 0,
                closed: false,
            }),
            ready: Notify::new(),
        }
    }

    /// Appends `args` and a newline as one line, or drops the whole line if
    /// it does not fit (see the module docs); never blocks. Returns whether
    /// the line was kept.
    pub fn line(&self, args: fmt::Arguments<'_>) -> bool {
        let (kept, was_empty) = self.ring.with(|r| {
            let was_empty = r.len == 0;
            (r.append_line(args), was_empty)
        });
        if kept && was_empty {
            self.ready.notify_one();
        }
        kept
    }

    /// Lines dropped so far (the ring was full, or the writer had failed).
    pub fn dropped(&self) -> u64 {
        self.ring.with(|r| r.dropped)
    }

    /// Bytes waiting to be written.
    pub fn pending(&self) -> usize {
        self.ring.with(|r| r.len)
    }

    /// Writes the log to `out` as lines arrive, forever. Returns only when a
    /// write fails (e.g. `EPIPE`); the log is then closed: later lines are
    /// counted as dropped and not kept.
    pub async fn drain_to(&self, out: &AsyncFd) -> Error {
        let mut chunk = [0u8; CHUNK];
        loop {
            let n = self.ring.with(|r| r.take(&mut chunk));
            if n == 0 {
                self.ready.notified().await;
                continue;
            }
            if let Err(e) = out.write_all(chunk.get(..n).unwrap_or_default()).await {
                self.ring.with(Ring::close);
                return e;
            }
        }
    }
}

impl<const N: usize> Default for LogBuffer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Debug for LogBuffer<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (len, dropped, closed) = self.ring.with(|r| (r.len, r.dropped, r.closed));
        f.debug_struct("LogBuffer")
            .field("capacity", &N)
            .field("pending", &len)
            .field("dropped", &dropped)
            .field("closed", &closed)
            .finish()
    }
}

/// The bytes waiting to be written: `len` bytes from `start`, wrapping.
struct Ring<const N: usize> {
    bytes: [u8; N],
    start: usize,
    len: usize,
    /// Lines dropped since the last `[N lines dropped]` marker.
    unreported: u64,
    /// Lines dropped in all.
    dropped: u64,
    /// The writer failed: lines are only counted.
    closed: bool,
}

impl<const N: usize> Ring<N> {
    fn append_line(&mut self, args: fmt::Arguments<'_>) -> bool {
        // After a drop, nothing is kept until the ring has drained and the
        // marker has gone out.
        if self.closed || self.unreported > 0 {
            self.drop_line();
            return false;
        }
        let before = self.len;
        let mut w = RingWriter { ring: self };
        if w.write_fmt(args).is_err() || w.write_str("\n").is_err() {
            self.len = before;
            self.drop_line();
            return false;
        }
        true
    }

    fn drop_line(&mut self) {
        self.unreported = self.unreported.saturating_add(1);
        self.dropped = self.dropped.saturating_add(1);
    }

    fn close(&mut self) {
        self.closed = true;
        self.dropped = self.dropped.saturating_add(self.unreported);
        self.unreported = 0;
        self.start = 0;
        self.len = 0;
    }

    /// Appends `data` if it fits whole.
    fn push(&mut self, data: &[u8]) -> bool {
        if data.len() > N - self.len {
            return false;
        }
        let end = (self.start + self.len) % N;
        let first = data.len().min(N - end);
        let (a, b) = data.split_at(first);
        self.bytes[end..end + first].copy_from_slice(a);
        self.bytes[..b.len()].copy_from_slice(b);
        self.len += data.len();
        true
    }

    /// Moves up to `out.len()` bytes out; when the ring is empty and lines
    /// were dropped, the marker instead. Returns how many bytes are in `out`.
    fn take(&mut self, out: &mut [u8]) -> usize {
        if self.closed {
            return 0;
        }
        if self.len == 0 {
            if self.unreported == 0 {
                return 0;
            }
            let mut w = SliceWriter { out, len: 0 };
            // Fits: `CHUNK` holds the longest marker (37 bytes).
            let _ = writeln!(w, "[{} lines dropped]", self.unreported);
            self.unreported = 0;
            return w.len;
        }
        let n = self.len.min(out.len()).min(N - self.start);
        out[..n].copy_from_slice(&self.bytes[self.start..self.start + n]);
        self.start = (self.start + n) % N;
        self.len -= n;
        if self.len == 0 {
            self.start = 0;
        }
        n
    }
}

/// Formats into the ring's free space; fails when it is full.
struct RingWriter<'a, const N: usize> {
    ring: &'a mut Ring<N>,
}

impl<const N: usize> Write for RingWriter<'_, N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.ring.push(s.as_bytes()) {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

/// Formats into a byte slice; fails when it is full.
struct SliceWriter<'a> {
    out: &'a mut [u8],
    len: usize,
}

impl Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let dst = self
            .out
            .get_mut(self.len..self.len + s.len())
            .ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len += s.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{self, Errno};

    fn take_all<const N: usize>(log: &LogBuffer<N>) -> String {
        let mut out = Vec::new();
        let mut chunk = [0u8; 40]; // the longest marker fits
        loop {
            let n = log.ring.with(|r| r.take(&mut chunk));
            if n == 0 {
                return String::from_utf8(out).unwrap();
            }
            out.extend_from_slice(&chunk[..n]);
        }
    }

    #[test]
    fn lines_come_out_in_order_across_the_wrap() {
        let log = LogBuffer::<32>::new();
        for round in 0..20 {
            assert!(log.line(format_args!("line {round}")));
            assert!(log.line(format_args!("{}", "x".repeat(round % 9))));
            let want = format!("line {round}\n{}\n", "x".repeat(round % 9));
            assert_eq!(take_all(&log), want);
        }
        assert_eq!(log.dropped(), 0);
    }

    #[test]
    fn a_full_ring_drops_until_drained_then_says_how_many() {
        let log = LogBuffer::<16>::new();
        assert!(log.line(format_args!("0123456789")));
        assert!(!log.line(format_args!("abcdef")), "11 + 7 > 16");
        // Fits now, but a gap is pending: dropped too, so the gap is one.
        assert!(!log.line(format_args!("z")));
        assert_eq!(log.dropped(), 2);
        assert_eq!(take_all(&log), "0123456789\n[2 lines dropped]\n");
        assert!(log.line(format_args!("after")));
        assert_eq!(take_all(&log), "after\n");
        // A line longer than the whole ring is dropped, never split.
        assert!(!log.line(format_args!("{}", "y".repeat(40))));
        assert_eq!(log.pending(), 0);
        assert_eq!(take_all(&log), "[1 lines dropped]\n");
    }

    #[test]
    fn a_failed_writer_closes_the_log_and_lines_are_counted() {
        let [r, w] = sys::pipe2(sys::O_NONBLOCK | sys::O_CLOEXEC).unwrap();
        // SAFETY: fresh fds from pipe2.
        let w = AsyncFd::new_nonblocking(unsafe { sys::OwnedFd::from_raw(w) }).unwrap();
        sys::close(r).unwrap();
        crate::io::stdout().ok(); // ignores SIGPIPE in this test process
        static LOG: LogBuffer<64> = LogBuffer::new();
        assert!(LOG.line(format_args!("to nobody")));
        let e = crate::platform::block_on_serial(LOG.drain_to(&w));
        assert_eq!(e, Error::Os(Errno::EPIPE));
        assert!(!LOG.line(format_args!("after")));
        assert_eq!((LOG.dropped(), LOG.pending()), (1, 0));
    }

    #[test]
    fn the_writer_waits_for_lines_and_writes_them_whole() {
        let [r, w] = sys::pipe2(sys::O_NONBLOCK | sys::O_CLOEXEC).unwrap();
        // SAFETY: fresh fds from pipe2.
        let (r, w) = unsafe { (sys::OwnedFd::from_raw(r), sys::OwnedFd::from_raw(w)) };
        let w = AsyncFd::new_nonblocking(w).unwrap();
        static LOG: LogBuffer<256> = LogBuffer::new();
        crate::platform::block_on_serial(async {
            let logger = async {
                for i in 0..50u32 {
                    // 60-byte lines: more than the ring holds in all.
                    assert!(LOG.line(format_args!("{i:>8}{}", "-".repeat(51))));
                    while LOG.pending() > 0 {
                        crate::time::sleep(crate::time::Duration::from_micros(100)).await;
                    }
                }
            };
            crate::executor::select(LOG.drain_to(&w), logger).await;
        });
        let mut got = vec![0u8; 8192];
        let n = sys::read(r.raw(), &mut got).unwrap();
        let want: String = (0..50)
            .map(|i| format!("{i:>8}{}\n", "-".repeat(51)))
            .collect();
        assert_eq!(core::str::from_utf8(&got[..n]).unwrap(), want);
    }
}
