//! [`AsyncFd`]: any pollable file descriptor, driven by the reactor.

use super::Error;
use crate::reactor::{self, Direction, Interest, Token};
use crate::sys::{self, Errno, OwnedFd, RawFd};
use core::future::Future;

/// How an fd is driven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Non-blocking fd registered with the reactor: try the call, wait for
    /// an edge on `EAGAIN`.
    NonBlocking,
    /// A blocking fd we must not switch to non-blocking (a shared terminal or
    /// pipe on stdin/stdout): wait for readiness first (`ppoll`, 0 timeout,
    /// then the reactor), then make exactly one call, which cannot block.
    ProbeThenCall,
    /// An fd epoll refuses (a regular file is always ready): plain calls.
    AlwaysReady,
}

/// A file descriptor registered with the reactor, readable and writable
/// asynchronously. Dropping it deregisters it, then closes it (if owned).
///
/// # Which reactor
///
/// An `AsyncFd` registers with the reactor of the core it is created on
/// ([`reactor::local`]): on core `i` of a thread-per-core runtime
/// ([`rt::cores`](crate::rt::cores)) that is core `i`'s own reactor, so the
/// core that runs the task also dispatches its readiness, with no hop
/// through another core; anywhere else it is the process-wide reactor.
///
/// The value remembers that reactor for its whole life. Moved to another
/// core, it keeps working: its readiness is still dispatched by the core it
/// was created on and reaches the waiting task as a cross-core wake, and
/// dropping it deregisters from the right reactor wherever the drop runs.
/// If it outlives its core (the runtime ended, or a later one has fewer
/// cores), the process-wide reactor takes over dispatching its readiness
/// when it parks; it cannot be woken by that fd, so it looks at least every
/// 10 ms while such fds exist: they keep working, each wait for readiness
/// ending up to 10 ms late.
pub struct AsyncFd {
    fd: RawFd,
    owned: bool,
    /// The index of the reactor holding `token` (see [`reactor::of_core`]):
    /// a byte, so an `AsyncFd` is no larger than without it.
    core: u8,
    token: Option<Token>,
    mode: Mode,
}

impl AsyncFd {
    /// Takes `fd`, makes it non-blocking and registers it for both directions.
    pub fn new(fd: OwnedFd) -> Result<Self, Error> {
        let flags = sys::fcntl_getfl(fd.raw())?;
        if flags & sys::O_NONBLOCK == 0 {
            sys::fcntl_setfl(fd.raw(), flags | sys::O_NONBLOCK)?;
        }
        Self::new_nonblocking(fd)
    }

    /// Takes an fd that is already non-blocking (e.g. from `SOCK_NONBLOCK`)
    /// and registers it, without the `fcntl` round trip.
    pub fn new_nonblocking(fd: OwnedFd) -> Result<Self, Error> {
        let core = local_core();
        let token = reactor::of_core(core.into()).register(fd.raw(), Interest::Both)?;
        Ok(AsyncFd {
            fd: fd.into_raw(),
            owned: true,
            core,
            token: Some(token),
            mode: Mode::NonBlocking,
        })
    }

    /// Wraps a standard stream (0, 1, 2) without taking ownership or changing
    /// its flags, which other processes share.
    fn standard(fd: RawFd) -> Result<Self, Error> {
        let nonblocking = sys::fcntl_getfl(fd)? & sys::O_NONBLOCK != 0;
        let core = local_core();
        match reactor::of_core(core.into()).register(fd, Interest::Both) {
            Ok(token) => Ok(AsyncFd {
                fd,
                owned: false,
                core,
                token: Some(token),
                mode: if nonblocking {
                    Mode::NonBlocking
                } else {
                    Mode::ProbeThenCall
                },
            }),
            // Regular files and /dev/null cannot be polled; they never block.
            Err(Error::Os(Errno::EPERM)) => Ok(AsyncFd {
                fd,
                owned: false,
                core,
                token: None,
                mode: Mode::AlwaysReady,
            }),
            Err(e) => Err(e),
        }
    }

    /// The raw fd (still owned by `self`).
    pub fn raw(&self) -> RawFd {
        self.fd
    }

    /// The core whose reactor watches this fd (0: the process-wide reactor;
    /// see [Which reactor](Self#which-reactor)).
    pub fn reactor_core(&self) -> usize {
        self.core.into()
    }

    /// The reactor this fd is registered with.
    fn reactor(&self) -> &'static reactor::GlobalReactor {
        reactor::of_core(self.core.into())
    }

    /// Runs `op` (one system call on this fd) until it does not say
    /// `EAGAIN`, waiting for readiness in `dir` in between; `EINTR` retries.
    /// Any number of operations may wait on one fd at once (from tasks
    /// sharing `&self`): every readiness edge wakes them all.
    pub fn io<'a, R>(
        &'a self,
        dir: Direction,
        mut op: impl FnMut(RawFd) -> Result<R, Errno> + 'a,
    ) -> impl Future<Output = Result<R, Error>> + 'a {
        let fd = self.fd;
        let probe_first = self.mode == Mode::ProbeThenCall;
        let attempt = move || {
            // A blocking fd: call only when `ppoll` says the call cannot
            // block; "not ready" waits for an edge like `EAGAIN` does.
            if probe_first && !probe(fd, dir)? {
                return Err(Errno::EAGAIN);
            }
            op(fd)
        };
        self.reactor().io(self.token, dir, attempt)
    }

    /// Waits until the fd is ready in `dir` (no I/O).
    pub async fn ready(&self, dir: Direction) -> Result<(), Error> {
        let mut first = true;
        // Pretend the first attempt said EAGAIN, so we wait for the next
        // edge (or return at once if one arrived meanwhile).
        self.io(dir, |_| {
            if core::mem::take(&mut first) {
                Err(Errno::EAGAIN)
            } else {
                Ok(())
            }
        })
        .await
    }

    /// Whether a call in `dir` would not block right now (no waiting).
    pub fn is_ready(&self, dir: Direction) -> Result<bool, Error> {
        if self.mode == Mode::AlwaysReady {
            return Ok(true);
        }
        Ok(probe(self.fd, dir)?)
    }

    /// Reads into `buf`; `Ok(0)` is end of file.
    pub async fn read(&self, buf: &mut [u8]) -> Result<usize, Error> {
        self.io(Direction::Read, |fd| sys::read(fd, buf)).await
    }

    /// Writes from `buf`; may write fewer bytes.
    pub async fn write(&self, buf: &[u8]) -> Result<usize, Error> {
        self.io(Direction::Write, |fd| sys::write(fd, buf)).await
    }

    /// Writes all of `buf`.
    pub async fn write_all(&self, mut buf: &[u8]) -> Result<(), Error> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(Error::UnexpectedEof),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }
}

/// The index of this core's reactor, as stored in an [`AsyncFd`]; core
/// indices stop at `MAX_CORE_REACTORS` (15), so the byte always fits.
fn local_core() -> u8 {
    u8::try_from(reactor::current_core_index()).unwrap_or(0)
}

/// Whether `fd` is ready in `dir` right now (`ppoll` with a zero timeout).
fn probe(fd: RawFd, dir: Direction) -> Result<bool, Errno> {
    let events = match dir {
        Direction::Read => sys::POLLIN,
        Direction::Write => sys::POLLOUT,
    };
    let mut pfd = [sys::PollFd {
        fd,
        events,
        revents: 0,
    }];
    let zero = sys::Timespec::default();
    loop {
        match sys::ppoll(&mut pfd, Some(&zero)) {
            Ok(n) => return Ok(n > 0),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
        }
    }
}

impl Drop for AsyncFd {
    fn drop(&mut self) {
        if let Some(token) = self.token.take() {
            // Deregister first: closing alone would leave a dup'ed file
            // description registered in epoll.
            let _ = self.reactor().deregister(token);
        }
        if self.owned {
            let _ = sys::close(self.fd);
        }
    }
}

/// A non-blocking pipe: `(read_end, write_end)`, both registered.
///
/// Writing to a pipe whose reader is gone raises SIGPIPE; bitwake programs
/// ignore SIGPIPE at start-up (see `rt`), so the write reports `EPIPE`.
pub fn pipe() -> Result<(AsyncFd, AsyncFd), Error> {
    ignore_sigpipe();
    let [r, w] = sys::pipe2(sys::O_NONBLOCK | sys::O_CLOEXEC)?;
    // SAFETY: pipe2 just created both fds; nothing else owns them.
    let (r, w) = unsafe { (OwnedFd::from_raw(r), OwnedFd::from_raw(w)) };
    Ok((AsyncFd::new_nonblocking(r)?, AsyncFd::new_nonblocking(w)?))
}

/// Standard input, read asynchronously (its flags are left alone).
pub fn stdin() -> Result<AsyncFd, Error> {
    AsyncFd::standard(0)
}

/// Standard output, written asynchronously (its flags are left alone).
pub fn stdout() -> Result<AsyncFd, Error> {
    ignore_sigpipe();
    AsyncFd::standard(1)
}

/// Standard error, written asynchronously (its flags are left alone).
pub fn stderr() -> Result<AsyncFd, Error> {
    ignore_sigpipe();
    AsyncFd::standard(2)
}

/// Ignores SIGPIPE, once per process, the first time bitwake hands out a
/// pipe or a standard stream: `send(MSG_NOSIGNAL)` protects sockets, but a
/// `write` to a pipe whose reader left can only be made to return `EPIPE` by
/// ignoring the signal. Freestanding programs (`rt`) already ignore it at
/// start-up; this covers hosted programs that use bitwake's I/O.
fn ignore_sigpipe() {
    use core::sync::atomic::{AtomicBool, Ordering};
    static DONE: AtomicBool = AtomicBool::new(false);
    if !DONE.swap(true, Ordering::Relaxed) {
        let _ = sys::rt_sigaction(sys::SIGPIPE, &sys::SigAction::ignore());
    }
}
