//! The book's chapter-10 client on bitwake's reactor: `http.get(path)` on an
//! [`Http`] value that knows its server.
//!
//! One request per connection (`Connection: close`), the response collected
//! into a bounded [`ResponseParser`]; a malformed, oversized or truncated
//! response is an error value, and the socket is closed on every path.

use crate::request::format_get_bytes;
use crate::write::SliceWriter;
use crate::{GetError, HttpError, ResponseParser};
use bitwake::net::{SocketAddrV4, TcpStream};
use bitwake::time::{Duration, timeout};

/// Largest response head [`Http::get`] accepts.
pub const MAX_HEAD: usize = 1024;
/// Largest response body [`Http::get`] accepts.
pub const MAX_BODY: usize = 4096;
/// How long [`Http::get`] waits for a complete response unless told
/// otherwise ([`Http::with_timeout`]).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

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

/// The book's `Http`: a client for one server, so a request reads
/// `http.get("/600/HelloAsyncAwait").await`.
///
/// The server address is part of the value (no global setting): make one
/// with [`Http::new`] and copy it into every task that makes requests.
///
/// Every request has one deadline, [`DEFAULT_TIMEOUT`] unless set with
/// [`with_timeout`](Self::with_timeout): connecting, sending and receiving
/// the *whole* response must fit in it, so neither a server that accepts
/// and never answers nor one that drips its answer a byte at a time can
/// hold a request longer ([`GetError::Timeout`]).
///
/// ```
/// use bitwake_http::Http;
/// use bitwake::time::Duration;
/// let http = Http::new("127.0.0.1:8080".parse().unwrap()).with_timeout(Duration::from_secs(2));
/// assert_eq!(http.server().port(), 8080);
/// assert_eq!(http.timeout(), Duration::from_secs(2));
/// // In an async fn: `let response = http.get("/600/HelloAsyncAwait").await?;`
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Http {
    server: SocketAddrV4,
    timeout: Duration,
}

impl Http {
    /// A client for `server` (the book's delay server listens on
    /// 127.0.0.1:8080).
    pub const fn new(server: SocketAddrV4) -> Self {
        Http {
            server,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// This client with another deadline per request.
    pub const fn with_timeout(self, timeout: Duration) -> Self {
        Http { timeout, ..self }
    }

    /// The deadline per request.
    pub const fn timeout(self) -> Duration {
        self.timeout
    }

    /// The server this client talks to.
    pub const fn server(self) -> SocketAddrV4 {
        self.server
    }

    /// `GET path` from this client's server.
    //
    // Returns `request`'s future itself rather than being an `async fn` that
    // awaits it: a wrapper future would nest another state machine around
    // the whole request and copy the response out once more, in the code and
    // in every task slot that holds a request. `self` is taken by value so
    // the future borrows only `path`.
    pub fn get(self, path: &str) -> impl Future<Output = Result<HttpResponse, GetError>> + '_ {
        request(self.server, self.timeout, path)
    }
}

/// One request to `server`, within `limit`.
async fn request(
    server: SocketAddrV4,
    limit: Duration,
    path: &str,
) -> Result<HttpResponse, GetError> {
    let mut request = [0u8; 512];
    let mut host = [0u8; 21];
    let n = format_get_bytes(host_of(server, &mut host)?, path, &mut request)?;
    timeout(
        limit,
        exchange(server, request.get(..n).unwrap_or_default()),
    )
    .await
    .unwrap_or(Err(GetError::Timeout))
}

/// Connects, sends `request` and reads the response.
async fn exchange(server: SocketAddrV4, request: &[u8]) -> Result<HttpResponse, GetError> {
    let stream = TcpStream::connect(server).await?;
    stream.write_all(request).await?;
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
/// would bring address formatting into every program that makes a request.
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

    #[test]
    fn a_client_is_its_server() {
        let a: SocketAddrV4 = "10.0.0.2:9000".parse().unwrap();
        let b: SocketAddrV4 = "10.0.0.3:9000".parse().unwrap();
        let (ha, hb) = (Http::new(a), Http::new(b));
        assert_eq!((ha.server(), hb.server()), (a, b));
        assert_ne!(ha, hb);
    }

    #[test]
    fn a_bad_path_fails_before_connecting() {
        // An invalid path is reported at the first poll, before any socket:
        // this runs without a network (and under Miri).
        let http = Http::new("127.0.0.1:9".parse().unwrap());
        let mut fut = core::pin::pin!(http.get("no-leading-slash"));
        let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
        match fut.as_mut().poll(&mut cx) {
            core::task::Poll::Ready(Err(GetError::Http(HttpError::InvalidPath))) => {}
            other => panic!("expected InvalidPath, got {:?}", other.map(|r| r.err())),
        }
    }
}
