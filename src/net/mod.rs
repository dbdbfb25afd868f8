//! TCP over the reactor: [`TcpListener`] and [`TcpStream`], IPv4.
//!
//! Sockets are created `SOCK_NONBLOCK | SOCK_CLOEXEC`, registered
//! edge-triggered for both directions once, and written with
//! `send(MSG_NOSIGNAL)`: a peer that went away gives `EPIPE` or `ECONNRESET`
//! as an error value, never a SIGPIPE.

mod tcp;

pub use core::net::{Ipv4Addr, SocketAddrV4};
pub use tcp::{TcpListener, TcpStream};

/// Parses `"a.b.c.d:port"`; a malformed address is [`Error::InvalidInput`].
///
/// [`Error::InvalidInput`]: crate::io::Error::InvalidInput
pub fn parse_addr(s: &str) -> Result<SocketAddrV4, crate::io::Error> {
    s.parse().map_err(|_| crate::io::Error::InvalidInput)
}
