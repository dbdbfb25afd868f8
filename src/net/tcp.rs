//! TCP listener and stream.

use crate::io::{AsyncFd, Error};
use crate::reactor::Direction;
use crate::sys::{self, Errno, OwnedFd, SockAddrIn};
use core::net::SocketAddrV4;

fn new_socket() -> Result<OwnedFd, Errno> {
    let fd = sys::socket(
        sys::AF_INET,
        sys::SOCK_STREAM | sys::SOCK_NONBLOCK | sys::SOCK_CLOEXEC,
        0,
    )?;
    // SAFETY: socket() just created `fd`; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw(fd) })
}

/// A listening TCP socket.
pub struct TcpListener {
    fd: AsyncFd,
}

impl TcpListener {
    /// Binds `addr` (port 0 picks an ephemeral port) and listens with a
    /// backlog of 1024. `SO_REUSEADDR` is set so a restarted server can bind
    /// at once.
    pub fn bind(addr: SocketAddrV4) -> Result<TcpListener, Error> {
        Self::bind_with_backlog(addr, 1024)
    }

    /// Like [`bind`](Self::bind) with an explicit backlog.
    pub fn bind_with_backlog(addr: SocketAddrV4, backlog: u32) -> Result<TcpListener, Error> {
        Self::bind_inner(addr, backlog, false)
    }

    /// Like [`bind`](Self::bind), with `SO_REUSEPORT` set before binding:
    /// every listener bound this way to the same address and port (by the
    /// same user) gets its own accept queue, and the kernel spreads new
    /// connections over them by a hash of the peer's address. A
    /// thread-per-core server binds one per core, on that core, so each core
    /// accepts and serves its own connections with no shared accept queue
    /// and no cross-core wake.
    ///
    /// Binding fails with `EADDRINUSE` if the port is held by a socket
    /// without `SO_REUSEPORT` (or by another user); a kernel without the
    /// option gives `ENOPROTOOPT`. Closing one listener drops the
    /// connections waiting in its own queue (their clients see a reset),
    /// not those of the others.
    pub fn bind_reuse_port(addr: SocketAddrV4) -> Result<TcpListener, Error> {
        Self::bind_inner(addr, 1024, true)
    }

    fn bind_inner(
        addr: SocketAddrV4,
        backlog: u32,
        reuse_port: bool,
    ) -> Result<TcpListener, Error> {
        let fd = new_socket()?;
        sys::setsockopt_int(fd.raw(), sys::SOL_SOCKET, sys::SO_REUSEADDR, 1)?;
        if reuse_port {
            sys::setsockopt_int(fd.raw(), sys::SOL_SOCKET, sys::SO_REUSEPORT, 1)?;
        }
        sys::bind(fd.raw(), &SockAddrIn::from(addr))?;
        sys::listen(fd.raw(), backlog)?;
        Ok(TcpListener {
            fd: AsyncFd::new_nonblocking(fd)?,
        })
    }

    /// The bound address (with the real port after binding port 0).
    pub fn local_addr(&self) -> Result<SocketAddrV4, Error> {
        Ok(sys::getsockname(self.fd.raw())?.into())
    }

    /// The core whose reactor watches this listener (0 outside a
    /// thread-per-core runtime; see [`AsyncFd`]'s "Which reactor").
    pub fn reactor_core(&self) -> usize {
        self.fd.reactor_core()
    }

    /// Accepts one connection: the stream (non-blocking, registered) and the
    /// peer's address. Transient per-connection errors (`ECONNABORTED`)
    /// are skipped; resource errors (`EMFILE`, `ENFILE`, `ENOBUFS`,
    /// `ENOMEM`) and a full registry come back as errors so the caller can
    /// decide (a server should keep serving).
    pub async fn accept(&self) -> Result<(TcpStream, SocketAddrV4), Error> {
        loop {
            let r = self
                .fd
                .io(Direction::Read, |fd| {
                    sys::accept4(fd, sys::SOCK_NONBLOCK | sys::SOCK_CLOEXEC)
                })
                .await;
            match r {
                Ok((fd, peer)) => {
                    // SAFETY: accept4 just created `fd`; nothing else owns it.
                    let fd = unsafe { OwnedFd::from_raw(fd) };
                    // If registering fails (registry full), `fd` is closed
                    // on the way out: the peer sees the connection closed.
                    let io = AsyncFd::new_nonblocking(fd)?;
                    return Ok((TcpStream { fd: io }, peer.into()));
                }
                Err(Error::Os(Errno::ECONNABORTED)) => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// A connected TCP stream.
pub struct TcpStream {
    fd: AsyncFd,
}

impl TcpStream {
    /// Connects to `addr`: a non-blocking `connect` (`EINPROGRESS`), a wait
    /// for writability, then `SO_ERROR` says how it went (e.g.
    /// `ECONNREFUSED`). The socket is closed if connecting fails.
    pub async fn connect(addr: SocketAddrV4) -> Result<TcpStream, Error> {
        let fd = new_socket()?;
        let started = sys::connect(fd.raw(), &SockAddrIn::from(addr));
        let io = AsyncFd::new_nonblocking(fd)?;
        match started {
            Ok(()) => return Ok(TcpStream { fd: io }),
            Err(Errno::EINPROGRESS) | Err(Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
        // Wait for a writable (or error/hang-up) edge, then ask; a spurious
        // edge (still in progress) waits again. One await point keeps the
        // future small.
        loop {
            io.ready(Direction::Write).await?;
            match sys::getsockopt_int(io.raw(), sys::SOL_SOCKET, sys::SO_ERROR)? {
                0 => break,
                code => match Errno::from_raw(code) {
                    Errno::EINPROGRESS | Errno::EALREADY => continue,
                    e => return Err(e.into()),
                },
            }
        }
        // A writable edge without SO_ERROR may still be a not-yet-connected
        // socket (spurious); getpeername would tell, but SO_ERROR 0 after
        // EPOLLOUT is the documented success signal.
        Ok(TcpStream { fd: io })
    }

    /// Reads into `buf`; `Ok(0)` is end of stream.
    pub async fn read(&self, buf: &mut [u8]) -> Result<usize, Error> {
        self.fd
            .io(Direction::Read, |fd| sys::recv(fd, buf, 0))
            .await
    }

    /// Reads once into a buffer of `N` bytes on the stack and returns
    /// `f(bytes read)`; at end of stream `f` gets an empty slice.
    ///
    /// The buffer exists only while the task is being polled, not in its
    /// future: a server that holds thousands of connections waiting to
    /// read pays for one buffer, not one per connection (with
    /// [`read`](Self::read), the caller's buffer lives across the wait).
    // Not an `async fn`: that would keep a second copy of `self` and `f` in
    // the future; this returns the reactor's I/O future itself.
    pub fn read_with<'a, const N: usize, R>(
        &'a self,
        mut f: impl FnMut(&[u8]) -> R + 'a,
    ) -> impl Future<Output = Result<R, Error>> + 'a {
        self.fd.io(Direction::Read, move |fd| {
            let mut buf = [0u8; N];
            let n = sys::recv(fd, &mut buf, 0)?;
            Ok(f(buf.get(..n).unwrap_or_default()))
        })
    }

    /// Writes all of what `fill` puts into a buffer of `N` bytes on the
    /// stack (`fill` returns the length; more than `N` counts as `N`).
    ///
    /// Like [`read_with`](Self::read_with), the buffer is not part of the
    /// future: `fill` runs again on every attempt, so it must produce the
    /// same bytes each time (format an answer from state that does not
    /// change meanwhile).
    #[allow(clippy::manual_async_fn)] // on purpose: see the body
    pub fn write_all_with<const N: usize>(
        &self,
        fill: impl Fn(&mut [u8; N]) -> usize,
    ) -> impl Future<Output = Result<(), Error>> {
        // An `async` block, not an `async fn`: the arguments stay where
        // they were captured instead of being copied again.
        async move {
            let mut sent = 0;
            loop {
                let done = self
                    .fd
                    .io(Direction::Write, |fd| {
                        let mut buf = [0u8; N];
                        let len = fill(&mut buf).min(N);
                        let rest = buf.get(sent..len).unwrap_or_default();
                        if rest.is_empty() {
                            return Ok(true);
                        }
                        match sys::send(fd, rest, sys::MSG_NOSIGNAL)? {
                            // A stream socket never accepts 0 of a non-empty
                            // write; treat it as the peer being gone.
                            0 => Err(Errno::EPIPE),
                            n => {
                                sent += n;
                                Ok(sent >= len)
                            }
                        }
                    })
                    .await?;
                if done {
                    return Ok(());
                }
            }
        }
    }

    /// Writes from `buf` (may write fewer bytes); `EPIPE`/`ECONNRESET` come
    /// back as errors, never as SIGPIPE.
    pub async fn write(&self, buf: &[u8]) -> Result<usize, Error> {
        self.fd
            .io(Direction::Write, |fd| sys::send(fd, buf, sys::MSG_NOSIGNAL))
            .await
    }

    /// Writes all of `buf`.
    pub async fn write_all(&self, mut buf: &[u8]) -> Result<(), Error> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(Error::UnexpectedEof),
                n => buf = buf.get(n..).unwrap_or_default(),
            }
        }
        Ok(())
    }

    /// Shuts down the write half (`SHUT_WR`), the read half or both.
    pub fn shutdown(&self, how: u32) -> Result<(), Error> {
        Ok(sys::shutdown(self.fd.raw(), how)?)
    }

    /// Sets `TCP_NODELAY`.
    pub fn set_nodelay(&self, on: bool) -> Result<(), Error> {
        Ok(sys::setsockopt_int(
            self.fd.raw(),
            sys::IPPROTO_TCP,
            sys::TCP_NODELAY,
            on as i32,
        )?)
    }

    /// The local address.
    pub fn local_addr(&self) -> Result<SocketAddrV4, Error> {
        Ok(sys::getsockname(self.fd.raw())?.into())
    }

    /// Whether a read or write would not block right now (no waiting).
    pub fn is_ready(&self, dir: Direction) -> Result<bool, Error> {
        self.fd.is_ready(dir)
    }

    /// The raw fd (owned by the stream).
    pub fn raw_fd(&self) -> sys::RawFd {
        self.fd.raw()
    }

    /// The core whose reactor watches this stream (0 outside a
    /// thread-per-core runtime; see [`AsyncFd`]'s "Which reactor").
    pub fn reactor_core(&self) -> usize {
        self.fd.reactor_core()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback(port: u16) -> SocketAddrV4 {
        SocketAddrV4::new([127, 0, 0, 1].into(), port)
    }

    #[test]
    fn listeners_with_reuse_port_share_a_port() {
        let a = TcpListener::bind_reuse_port(loopback(0)).unwrap();
        let port = a.local_addr().unwrap().port();
        let b = TcpListener::bind_reuse_port(loopback(port)).unwrap();
        assert_eq!(b.local_addr().unwrap().port(), port);
        // Without the option on the newcomer the port is taken.
        assert_eq!(
            TcpListener::bind(loopback(port)).err(),
            Some(Error::Os(Errno::EADDRINUSE))
        );
        drop((a, b));
    }

    #[test]
    fn reuse_port_cannot_join_a_plain_listener() {
        let plain = TcpListener::bind(loopback(0)).unwrap();
        let port = plain.local_addr().unwrap().port();
        assert_eq!(
            TcpListener::bind_reuse_port(loopback(port)).err(),
            Some(Error::Os(Errno::EADDRINUSE))
        );
        assert_eq!(plain.reactor_core(), 0);
    }
}
