//! Server side of the book's delay protocol: parse `GET /{delay_ms}/{message}`,
//! format the `200` and `400` answers.

use crate::HttpError;
use crate::request_line::{RequestLine, Step};
use crate::write::{SliceWriter, is_tchar, is_value_byte};

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
/// Capacities: `MSG` bytes for the percent-decoded message (the only part
/// of the request stored: it is decoded as it streams past) and `HEAD`
/// bytes (at most 65535) for the whole head, request line and headers,
/// which are validated byte by byte but not kept. So a connection costs
/// about `MSG` bytes plus a few dozen, whatever clients send; a message
/// that decodes to more than `MSG` bytes is [`HttpError::HeadTooLarge`].
///
/// ```
/// use bitwake_http::RequestParser;
/// let mut p = RequestParser::<64>::new();
/// p.feed(b"GET /600/Hello%20World HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
/// let r = p.request().unwrap();
/// assert_eq!((r.delay_ms, r.message), (600, "Hello World"));
/// ```
///
/// The request line is checked as soon as it is complete, so a bad request
/// can be answered with [`BAD_REQUEST`] without waiting for the headers.
/// A request body (none is expected for `GET`) is not read.
#[derive(Debug)]
pub struct RequestParser<const MSG: usize, const HEAD: usize = 4096> {
    line: RequestLine<MSG>,
    state: State,
    /// Bytes of head seen so far (bounded by `HEAD`).
    seen: u16,
    // Streaming state of the current header line.
    h_started: bool,
    h_colon: bool,
    h_cr: bool,
}

impl<const MSG: usize, const HEAD: usize> Default for RequestParser<MSG, HEAD> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const MSG: usize, const HEAD: usize> RequestParser<MSG, HEAD> {
    /// The head's length is counted in a `u16`.
    const HEAD_OK: () = assert!(
        HEAD <= u16::MAX as usize,
        "RequestParser HEAD must be <= 65535"
    );

    /// A parser waiting for the request line.
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::HEAD_OK;
        RequestParser {
            line: RequestLine::new(),
            state: State::RequestLine,
            seen: 0,
            h_started: false,
            h_colon: false,
            h_cr: false,
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
            delay_ms: self.line.delay_ms(),
            // Validated as UTF-8 when the request line ended.
            message: core::str::from_utf8(self.line.message()).ok()?,
            version_minor: self.line.version_minor(),
        })
    }

    fn byte(&mut self, b: u8) -> Result<(), HttpError> {
        self.seen = self.seen.saturating_add(1);
        if usize::from(self.seen) > HEAD {
            return Err(HttpError::HeadTooLarge);
        }
        if self.state == State::RequestLine {
            // RFC 9112 §2.2: empty lines before the request line are skipped.
            if let Step::Done(verdict) = self.line.byte(b)? {
                verdict?;
                self.state = State::Headers;
            }
            return Ok(());
        }
        // Header line, validated byte by byte without storing it.
        if self.h_cr && b != b'\n' {
            return Err(HttpError::MalformedHeader);
        }
        match b {
            b'\n' => {
                if !self.h_started {
                    self.state = State::Done;
                } else if !self.h_colon {
                    return Err(HttpError::MalformedHeader);
                }
                self.h_started = false;
                self.h_colon = false;
                self.h_cr = false;
            }
            b'\r' => self.h_cr = true,
            b':' if !self.h_colon && self.h_started => self.h_colon = true,
            // Name bytes; a leading SP/HTAB (obs-fold) or "Name :" fails here.
            _ if !self.h_colon && is_tchar(b) => self.h_started = true,
            _ if self.h_colon && is_value_byte(b) => {}
            _ => return Err(HttpError::MalformedHeader),
        }
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
        // The message decodes to more than MSG bytes; the line itself may
        // be longer than MSG (escapes, query, version).
        let mut p = RequestParser::<4, 64>::new();
        assert_eq!(p.feed(b"GET /1/01234"), Err(HttpError::HeadTooLarge));
        assert_eq!(p.feed(b"x"), Err(HttpError::HeadTooLarge), "sticky");
        let mut p = RequestParser::<4, 64>::new();
        p.feed(b"GET /1/%41%42%43%44?query=long HTTP/1.1\r\n\r\n")
            .unwrap();
        assert_eq!(p.request().map(|r| r.message), Some("ABCD"));
        let mut p = RequestParser::<24, 64>::new();
        p.feed(b"GET /1/x HTTP/1.1\r\n").unwrap();
        assert_eq!(p.feed(&[b'a'; 64]), Err(HttpError::HeadTooLarge));
        let mut p = RequestParser::<16, 64>::new();
        assert_eq!(p.feed(&[b'\n'; 65]), Err(HttpError::HeadTooLarge));
        // A message of exactly MSG bytes fits, with CRLF as with LF.
        for end in [&b"\r\n\r\n"[..], b"\n\n"] {
            let mut p = RequestParser::<1, 64>::new();
            p.feed(b"GET /1/x HTTP/1.1").unwrap();
            assert_eq!(p.feed(end), Ok(end.len()), "{end:?}");
            assert_eq!(p.request().map(|r| r.message), Some("x"));
        }
        let mut p = RequestParser::<1, 64>::new();
        assert_eq!(
            p.feed(b"GET /1/x HTTP/1.1\rX\r\n"),
            Err(HttpError::MalformedRequestLine)
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
