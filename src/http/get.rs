//! `Http::get(path)`: the book's chapter-10 client, on bitwake's reactor.
//!
//! One request per connection (`Connection: close`), the response collected
//! into a bounded [`ResponseParser`]; a malformed, oversized or truncated
//! response is an error value, and the socket is closed on every path.

use super::client::format_get_bytes;
use super::write::SliceWriter;
use super::{HttpError, ResponseParser};
use crate::io;
use crate::net::{SocketAddrV4, TcpStream};
use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

/// Largest response head `Http::get` accepts.
pub const MAX_HEAD: usize = 1024;
/// Largest response body `Http::get` accepts.
pub const MAX_BODY: usize = 4096;

/// A complete response owned by the caller.
pub struct HttpResponse {
    parser: ResponseParser<MAX_HEAD, MAX_BODY>,
}

impl HttpResponse {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.parser.parts().map_or(0, |(status, _, _)| status)
    }
    /// The raw head (status line, headers, blank line) as received.
    pub fn head(&self) -> &[u8] {
        self.parser.parts().map_or(&[], |(_, head, _)| head)
    }
    /// The body.
    pub fn body(&self) -> &[u8] {
        self.parser.parts().map_or(&[], |(_, _, body)| body)
    }
    /// The body as text (lossy: invalid UTF-8 gives `None`).
    pub fn text(&self) -> Option<&str> {
        core::str::from_utf8(self.body()).ok()
    }
}

/// What can go wrong in `Http::get`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetError {
    /// Connecting, writing or reading failed.
    Io(io::Error),
    /// The response (or the request we were asked to make) is not valid.
    Http(HttpError),
}

impl From<io::Error> for GetError {
    fn from(e: io::Error) -> Self {
        GetError::Io(e)
    }
}

impl From<HttpError> for GetError {
    fn from(e: HttpError) -> Self {
        GetError::Http(e)
    }
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetError::Io(e) => {
                f.write_str("I/O error: ")?;
                fmt::Display::fmt(e, f)
            }
            GetError::Http(e) => {
                f.write_str("HTTP error: ")?;
                fmt::Display::fmt(e, f)
            }
        }
    }
}

/// The book's `Http` namespace.
pub struct Http;

/// The server `Http::get` talks to, packed as `ip << 16 | port`
/// (default 127.0.0.1:8080, the book's delay server).
static SERVER: AtomicU64 = AtomicU64::new((0x7f00_0001u64 << 16) | 8080);

impl Http {
    /// Sets the server that [`Http::get`] talks to.
    pub fn set_server(addr: SocketAddrV4) {
        SERVER.store(
            ((u32::from(*addr.ip()) as u64) << 16) | addr.port() as u64,
            Ordering::Relaxed,
        );
    }

    /// The server that [`Http::get`] talks to.
    pub fn server() -> SocketAddrV4 {
        let v = SERVER.load(Ordering::Relaxed);
        SocketAddrV4::new(((v >> 16) as u32).into(), v as u16)
    }

    /// `GET path` from the configured server (read when the request
    /// starts, at the first poll).
    //
    // Both entry points return `request`'s future itself rather than being
    // `async fn`s that await it: a wrapper future would nest another state
    // machine around the whole request and copy the response out once more
    // (272 bytes of code in the demo, and 24 bytes in each task slot that
    // holds a request).
    pub fn get(path: &str) -> impl Future<Output = Result<HttpResponse, GetError>> + '_ {
        request(None, path)
    }

    /// `GET path` from `server`.
    pub fn get_from(
        server: SocketAddrV4,
        path: &str,
    ) -> impl Future<Output = Result<HttpResponse, GetError>> + '_ {
        request(Some(server), path)
    }
}

/// One request: to `server`, or to [`Http::server`] when `None`.
async fn request(server: Option<SocketAddrV4>, path: &str) -> Result<HttpResponse, GetError> {
    let server = server.unwrap_or_else(Http::server);
    let mut request = [0u8; 512];
    let mut host = [0u8; 21];
    let n = format_get_bytes(host_of(server, &mut host)?, path, &mut request)?;
    let stream = TcpStream::connect(server).await?;
    stream
        .write_all(request.get(..n).unwrap_or_default())
        .await?;
    let mut response = HttpResponse {
        parser: ResponseParser::new(),
    };
    let mut buf = [0u8; 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            response.parser.finish()?;
            break;
        }
        response.parser.feed(buf.get(..n).unwrap_or_default())?;
        if response.parser.is_done() {
            break;
        }
    }
    Ok(response)
}

/// Writes `a.b.c.d:port` into `buf` (21 bytes fit the longest) and returns
/// it. Hand-written rather than `core::fmt`: `SocketAddrV4`'s `Display`
/// costs about 1.5 KB of code in every program that makes a request.
fn host_of(server: SocketAddrV4, buf: &mut [u8; 21]) -> Result<&[u8], HttpError> {
    let mut w = SliceWriter::new(buf);
    for (i, octet) in server.ip().octets().into_iter().enumerate() {
        if i > 0 {
            w.put(b".")?;
        }
        w.put_u64(octet.into())?;
    }
    w.put(b":")?;
    w.put_u64(server.port().into())?;
    let n = w.len();
    Ok(buf.get(..n).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_matches_display() {
        for addr in [
            "127.0.0.1:8080",
            "0.0.0.0:0",
            "255.255.255.255:65535",
            "10.20.3.4:443",
        ] {
            let a: SocketAddrV4 = addr.parse().unwrap();
            let mut buf = [0u8; 21];
            assert_eq!(host_of(a, &mut buf), Ok(addr.as_bytes()));
        }
    }
}
