//! Server side of the book's delay protocol: parse `GET /{delay_ms}/{message}`,
//! format the `200` and `400` answers.

use heapless::Vec;

use crate::HttpError;
use crate::percent::percent_decode_in_place;
use crate::write::{SliceWriter, is_tchar, is_value_byte, parse_u64};

/// The complete `400 Bad Request` response the delay server sends for every
/// request-side [`HttpError`]; a constant, so answering costs no buffer.
pub const BAD_REQUEST: &[u8] = b"HTTP/1.1 400 Bad Request\r\n\
content-length: 12\r\n\
connection: close\r\n\
content-type: text/plain; charset=utf-8\r\n\
\r\n\
Bad Request\n";

/// Formats the head of the book's `200` answer for a body of `body_len` bytes:
/// `HTTP/1.1 200 OK\r\ncontent-length: N\r\nconnection: close\r\ncontent-type:
/// text/plain; charset=utf-8\r\n\r\n`. Write the body right after it (this
/// way the message need not be copied).
pub fn format_ok_head(body_len: usize, out: &mut [u8]) -> Result<usize, HttpError> {
    let mut w = SliceWriter::new(out);
    w.put(b"HTTP/1.1 200 OK\r\ncontent-length: ")?;
    w.put_u64(body_len as u64)?;
    w.put(b"\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\n\r\n")?;
    Ok(w.len())
}

/// Formats the whole `200` answer (head plus `message` as the body).
pub fn format_ok(message: &[u8], out: &mut [u8]) -> Result<usize, HttpError> {
    let n = format_ok_head(message.len(), out)?;
    let mut w = SliceWriter::new(out.get_mut(n..).ok_or(HttpError::BufferTooSmall)?);
    w.put(message)?;
    Ok(n + w.len())
}

/// A parsed delay-server request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DelayRequest<'a> {
    /// How long to wait before answering, in milliseconds.
    pub delay_ms: u64,
    /// The percent-decoded message: the response body.
    pub message: &'a str,
    /// `0` for HTTP/1.0, `1` for HTTP/1.1.
    pub version_minor: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    RequestLine,
    Headers,
    Done,
    Failed(HttpError),
}

/// An incremental parser for `GET /{delay_ms}/{message} HTTP/1.x` followed by
/// headers up to the blank line.
///
/// Capacities: `LINE` bytes for the request line (the only part stored: the
/// message is decoded in place there) and `HEAD` bytes for the whole head
/// including headers, which are validated as they stream past but not kept.
/// So a connection slot costs about `LINE` bytes, whatever clients send.
///
/// ```
/// use bitwake_http::RequestParser;
/// let mut p = RequestParser::<256>::new();
/// p.feed(b"GET /600/Hello%20World HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
/// let r = p.request().unwrap();
/// assert_eq!((r.delay_ms, r.message), (600, "Hello World"));
/// ```
///
/// The request line is checked as soon as it is complete, so a bad request
/// can be answered with [`BAD_REQUEST`] without waiting for the headers.
/// A request body (none is expected for `GET`) is not read.
#[derive(Debug)]
pub struct RequestParser<const LINE: usize, const HEAD: usize = 4096> {
    line: Vec<u8, LINE>,
    state: State,
    /// Bytes of head seen so far (bounded by `HEAD`).
    seen: usize,
    /// The request line's CR did not fit in `line` (it is not part of the
    /// line: a line of exactly `LINE` bytes must end in CRLF as well as LF).
    line_cr: bool,
    // Streaming state of the current header line.
    h_len: usize,
    h_colon: bool,
    h_cr: bool,
    // Results, valid in `Headers` and `Done`.
    delay_ms: u64,
    version_minor: u8,
    msg: [usize; 2],
}

impl<const LINE: usize, const HEAD: usize> Default for RequestParser<LINE, HEAD> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const LINE: usize, const HEAD: usize> RequestParser<LINE, HEAD> {
    /// A parser waiting for the request line.
    pub const fn new() -> Self {
        RequestParser {
            line: Vec::new(),
            state: State::RequestLine,
            seen: 0,
            line_cr: false,
            h_len: 0,
            h_colon: false,
            h_cr: false,
            delay_ms: 0,
            version_minor: 0,
            msg: [0, 0],
        }
    }

    /// Forgets everything, ready for a new connection.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Consumes bytes and returns how many were used: all of them, unless the
    /// head ends inside `data` (what follows is not part of the head). After
    /// an error every call returns that error again.
    pub fn feed(&mut self, data: &[u8]) -> Result<usize, HttpError> {
        for (i, &b) in data.iter().enumerate() {
            match self.state {
                State::Done => return Ok(i),
                State::Failed(e) => return Err(e),
                State::RequestLine | State::Headers => {
                    if let Err(e) = self.byte(b) {
                        self.state = State::Failed(e);
                        return Err(e);
                    }
                }
            }
        }
        match self.state {
            State::Failed(e) => Err(e),
            _ => Ok(data.len()),
        }
    }

    /// Signals EOF: an incomplete head is [`HttpError::Truncated`].
    pub fn finish(&mut self) -> Result<(), HttpError> {
        match self.state {
            State::Done => Ok(()),
            State::Failed(e) => Err(e),
            State::RequestLine | State::Headers => {
                self.state = State::Failed(HttpError::Truncated);
                Err(HttpError::Truncated)
            }
        }
    }

    /// `true` once the blank line ending the head was parsed.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The error the parser stopped at, if any.
    pub fn error(&self) -> Option<HttpError> {
        match self.state {
            State::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The request, once [`is_done`](Self::is_done).
    pub fn request(&self) -> Option<DelayRequest<'_>> {
        if self.state != State::Done {
            return None;
        }
        Some(DelayRequest {
            delay_ms: self.delay_ms,
            // Validated as UTF-8 when the request line was parsed.
            message: core::str::from_utf8(self.line.get(self.msg[0]..self.msg[1])?).ok()?,
            version_minor: self.version_minor,
        })
    }

    fn byte(&mut self, b: u8) -> Result<(), HttpError> {
        self.seen += 1;
        if self.seen > HEAD {
            return Err(HttpError::HeadTooLarge);
        }
        if self.state == State::RequestLine {
            if self.line_cr && b != b'\n' {
                return Err(HttpError::HeadTooLarge);
            }
            if b != b'\n' {
                return match self.line.push(b) {
                    Ok(()) => Ok(()),
                    Err(b'\r') => {
                        self.line_cr = true;
                        Ok(())
                    }
                    Err(_) => Err(HttpError::HeadTooLarge),
                };
            }
            if !self.line_cr && self.line.last() == Some(&b'\r') {
                self.line.pop();
            }
            self.line_cr = false;
            if self.line.is_empty() {
                // RFC 9112 §2.2: ignore empty lines before the request line.
                return Ok(());
            }
            self.request_line()?;
            self.state = State::Headers;
            return Ok(());
        }
        // Header line, validated byte by byte without storing it.
        if self.h_cr && b != b'\n' {
            return Err(HttpError::MalformedHeader);
        }
        match b {
            b'\n' => {
                if self.h_len == 0 {
                    self.state = State::Done;
                } else if !self.h_colon {
                    return Err(HttpError::MalformedHeader);
                }
                self.h_len = 0;
                self.h_colon = false;
                self.h_cr = false;
            }
            b'\r' => self.h_cr = true,
            b':' if !self.h_colon && self.h_len > 0 => {
                self.h_colon = true;
                self.h_len += 1;
            }
            // Name bytes; a leading SP/HTAB (obs-fold) or "Name :" fails here.
            _ if !self.h_colon && is_tchar(b) => self.h_len += 1,
            _ if self.h_colon && is_value_byte(b) => self.h_len += 1,
            _ => return Err(HttpError::MalformedHeader),
        }
        Ok(())
    }

    /// Checks `METHOD SP /{delay}/{message}[?query] SP HTTP/1.x` and decodes
    /// the message in place.
    fn request_line(&mut self) -> Result<(), HttpError> {
        let line = &self.line[..];
        if line.contains(&b'\r') {
            return Err(HttpError::MalformedRequestLine);
        }
        let mut parts = line.splitn(3, |&b| b == b' ');
        let (Some(method), Some(target), Some(version)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(HttpError::MalformedRequestLine);
        };
        if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) || target.is_empty() {
            return Err(HttpError::MalformedRequestLine);
        }
        self.version_minor = match version {
            b"HTTP/1.1" => 1,
            b"HTTP/1.0" => 0,
            v if v.starts_with(b"HTTP/") && !v.contains(&b' ') => {
                return Err(HttpError::UnsupportedVersion);
            }
            _ => return Err(HttpError::MalformedRequestLine),
        };
        if method != b"GET" {
            return Err(HttpError::MethodNotAllowed);
        }
        if !target.iter().all(|b| b.is_ascii_graphic()) {
            return Err(HttpError::InvalidTarget);
        }
        // Origin form only; the query (if any) is ignored, like actix's router.
        let path = target.split(|&b| b == b'?').next().unwrap_or(&[]);
        let Some(path) = path.strip_prefix(b"/") else {
            return Err(HttpError::InvalidTarget);
        };
        let slash = path
            .iter()
            .position(|&b| b == b'/')
            .ok_or(HttpError::InvalidTarget)?;
        self.delay_ms = parse_u64(&path[..slash]).ok_or(HttpError::InvalidDelay)?;
        let message = &path[slash + 1..];
        if message.is_empty() || message.contains(&b'/') {
            return Err(HttpError::InvalidTarget);
        }
        // Offset of the message inside the line.
        let start = method.len() + 1 + 1 + slash + 1;
        let end = start + message.len();
        let len = percent_decode_in_place(&mut self.line[start..end])?;
        let decoded = &self.line[start..start + len];
        // UTF-8 because the answer says `charset=utf-8`; no ASCII controls
        // (e.g. `%0A`) so the server's one-line-per-request log stays intact
        // and a client cannot inject terminal escapes into it.
        if core::str::from_utf8(decoded).is_err() || decoded.iter().any(|b| b.is_ascii_control()) {
            return Err(HttpError::InvalidTarget);
        }
        self.msg = [start, start + len];
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type P = RequestParser<128, 512>;

    fn parse(raw: &[u8]) -> Result<(u64, String), HttpError> {
        let mut p = P::new();
        p.feed(raw)?;
        p.finish()?;
        let r = p.request().unwrap();
        Ok((r.delay_ms, r.message.to_string()))
    }

    #[test]
    fn formats_answers() {
        let mut buf = [0u8; 256];
        let n = format_ok(b"HelloAsyncAwait", &mut buf).unwrap();
        assert_eq!(
            &buf[..n],
            &b"HTTP/1.1 200 OK\r\ncontent-length: 15\r\nconnection: close\r\n\
content-type: text/plain; charset=utf-8\r\n\r\nHelloAsyncAwait"[..]
        );
        assert_eq!(
            format_ok(b"HelloAsyncAwait", &mut buf[..100]),
            Err(HttpError::BufferTooSmall)
        );
        assert_eq!(
            format_ok(b"x", &mut buf[..10]),
            Err(HttpError::BufferTooSmall)
        );
        // BAD_REQUEST parses as a response whose content-length is right.
        let mut rp = crate::ResponseParser::<256, 64>::new();
        assert_eq!(rp.feed(BAD_REQUEST), Ok(BAD_REQUEST.len()));
        let r = rp.response().unwrap();
        assert_eq!((r.status, r.body), (400, &b"Bad Request\n"[..]));
    }

    #[test]
    fn parses_requests() {
        let ok = |s: &str| parse(s.as_bytes());
        assert_eq!(
            ok("GET /600/HelloAsyncAwait HTTP/1.1\r\nHost: localhost\r\n\r\n"),
            Ok((600, "HelloAsyncAwait".into()))
        );
        assert_eq!(ok("GET /0/x HTTP/1.0\n\n"), Ok((0, "x".into())));
        assert_eq!(
            ok("\r\nGET /1/a%2Fb%20c HTTP/1.1\r\n\r\n"),
            Ok((1, "a/b c".into()))
        );
        assert_eq!(
            ok("GET /1/caf%C3%A9?q=1 HTTP/1.1\r\nX:\r\n\r\n"),
            Ok((1, "café".into()))
        );
        assert_eq!(
            ok("GET /18446744073709551615/m HTTP/1.1\r\n\r\n"),
            Ok((u64::MAX, "m".into()))
        );
    }

    #[test]
    fn rejects_bad_requests() {
        for (raw, e) in [
            ("POST /1/x HTTP/1.1\r\n\r\n", HttpError::MethodNotAllowed),
            ("get /1/x HTTP/1.1\r\n\r\n", HttpError::MethodNotAllowed),
            ("GET /1/x HTTP/2.0\r\n\r\n", HttpError::UnsupportedVersion),
            ("GET /1/x FTP/1.0\r\n\r\n", HttpError::MalformedRequestLine),
            ("GET /1/x\r\n\r\n", HttpError::MalformedRequestLine),
            (
                "GET  /1/x HTTP/1.1\r\n\r\n",
                HttpError::MalformedRequestLine,
            ),
            (
                "GET /1/x HTTP/1.1 \r\n\r\n",
                HttpError::MalformedRequestLine,
            ),
            (
                "GET /1/x\rHTTP/1.1\r\n\r\n",
                HttpError::MalformedRequestLine,
            ),
            (
                "\x16\x03\x01\x02\x00\x01\x00\x01\x7e\x03\x03\n",
                HttpError::MalformedRequestLine,
            ),
            ("GET /x/y HTTP/1.1\r\n\r\n", HttpError::InvalidDelay),
            ("GET //y HTTP/1.1\r\n\r\n", HttpError::InvalidDelay),
            ("GET /-1/y HTTP/1.1\r\n\r\n", HttpError::InvalidDelay),
            (
                "GET /18446744073709551616/y HTTP/1.1\r\n\r\n",
                HttpError::InvalidDelay,
            ),
            ("GET /100 HTTP/1.1\r\n\r\n", HttpError::InvalidTarget),
            ("GET /100/ HTTP/1.1\r\n\r\n", HttpError::InvalidTarget),
            ("GET /100/a/b HTTP/1.1\r\n\r\n", HttpError::InvalidTarget),
            ("GET /100/a%2 HTTP/1.1\r\n\r\n", HttpError::InvalidTarget),
            ("GET /100/a%zz HTTP/1.1\r\n\r\n", HttpError::InvalidTarget),
            ("GET /100/%ff HTTP/1.1\r\n\r\n", HttpError::InvalidTarget),
            ("GET /100/a%0Ab HTTP/1.1\r\n\r\n", HttpError::InvalidTarget),
            ("GET /100/%1b[2J HTTP/1.1\r\n\r\n", HttpError::InvalidTarget),
            ("GET /100/%7F HTTP/1.1\r\n\r\n", HttpError::InvalidTarget),
            (
                "GET http://h/1/x HTTP/1.1\r\n\r\n",
                HttpError::InvalidTarget,
            ),
            ("GET /1/é HTTP/1.1\r\n\r\n", HttpError::InvalidTarget),
            (
                "GET /1/x HTTP/1.1\r\nno colon\r\n\r\n",
                HttpError::MalformedHeader,
            ),
            (
                "GET /1/x HTTP/1.1\r\n: v\r\n\r\n",
                HttpError::MalformedHeader,
            ),
            (
                "GET /1/x HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
                HttpError::MalformedHeader,
            ),
            (
                "GET /1/x HTTP/1.1\r\nA : b\r\n\r\n",
                HttpError::MalformedHeader,
            ),
            (
                "GET /1/x HTTP/1.1\r\nA: b\rc\r\n\r\n",
                HttpError::MalformedHeader,
            ),
            (
                "GET /1/x HTTP/1.1\r\nA: \x00\r\n\r\n",
                HttpError::MalformedHeader,
            ),
            ("GET /1/x HTTP/1.1\r\n\r", HttpError::Truncated),
            ("GET /1/x HTTP/1.1\r\nHost: x\r\n", HttpError::Truncated),
            ("GET /1/x HTT", HttpError::Truncated),
            ("", HttpError::Truncated),
        ] {
            assert_eq!(parse(raw.as_bytes()), Err(e), "{raw:?}");
        }
    }

    #[test]
    fn limits_and_leftovers() {
        let mut p = RequestParser::<16, 64>::new();
        assert_eq!(p.feed(b"GET /1/0123456789"), Err(HttpError::HeadTooLarge));
        assert_eq!(p.feed(b"x"), Err(HttpError::HeadTooLarge), "sticky");
        let mut p = RequestParser::<24, 64>::new();
        p.feed(b"GET /1/x HTTP/1.1\r\n").unwrap();
        assert_eq!(p.feed(&[b'a'; 64]), Err(HttpError::HeadTooLarge));
        let mut p = RequestParser::<16, 64>::new();
        assert_eq!(p.feed(&[b'\n'; 65]), Err(HttpError::HeadTooLarge));
        // A request line of exactly LINE bytes fits with CRLF as with LF.
        for end in [&b"\r\n\r\n"[..], b"\n\n"] {
            let mut p = RequestParser::<17, 64>::new();
            p.feed(b"GET /1/x HTTP/1.1").unwrap();
            assert_eq!(p.feed(end), Ok(end.len()), "{end:?}");
            assert_eq!(p.request().map(|r| r.message), Some("x"));
        }
        let mut p = RequestParser::<17, 64>::new();
        assert_eq!(
            p.feed(b"GET /1/x HTTP/1.1\rX"),
            Err(HttpError::HeadTooLarge)
        );
        let mut p = P::new();
        assert_eq!(p.feed(b"GET /1/x HTTP/1.1\r\n\r\nBODY"), Ok(21));
        assert_eq!(p.feed(b"more"), Ok(0));
        assert!(p.is_done());
        assert_eq!(p.request().unwrap().version_minor, 1);
        p.reset();
        assert!(p.request().is_none());
        assert_eq!(p.error(), None);
    }
}
