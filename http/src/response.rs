//! The response side of the client: an incremental, bounded response parser.

use heapless::Vec;

use crate::HttpError;
use crate::write::{is_tchar, is_value_byte, parse_u64, trim_ows};

/// Offsets into the head buffer: `[name_start, name_end, value_start, value_end]`.
/// `u16` keeps a parser with 16 headers at 128 bytes of index.
type HeaderIdx = [u16; 4];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Reading the status line and headers, one byte at a time.
    Head,
    /// Reading a `Content-Length` body; bytes still expected.
    Body { remaining: u64 },
    /// Reading a body delimited by EOF.
    UntilEof,
    /// A complete response is available.
    Done,
    /// Sticky: every later call returns the same error.
    Failed(HttpError),
}

/// An incremental HTTP/1.1 response parser with fixed capacities:
/// `HEAD` bytes for the status line plus headers (at most 65535), `BODY`
/// bytes of body, and `MAX_HEADERS` indexed header lines.
///
/// ```
/// use bitwake_http::ResponseParser;
/// let mut p = ResponseParser::<512, 64>::new();
/// p.feed(b"HTTP/1.1 200 OK\r\ncontent-le").unwrap();
/// p.feed(b"ngth: 5\r\n\r\nhello").unwrap();
/// let r = p.response().unwrap();
/// assert_eq!((r.status, r.body), (200, &b"hello"[..]));
/// ```
///
/// Feed it every chunk the socket returns; when `read` returns 0 call
/// [`finish`](Self::finish). [`is_done`](Self::is_done) turns true as soon as a
/// `Content-Length` body is complete, so the caller need not wait for EOF.
#[derive(Debug)]
pub struct ResponseParser<const HEAD: usize, const BODY: usize, const MAX_HEADERS: usize = 16> {
    head: Vec<u8, HEAD>,
    body: Vec<u8, BODY>,
    headers: Vec<HeaderIdx, MAX_HEADERS>,
    line_start: u16,
    state: State,
    status_seen: bool,
    status: u16,
    version_minor: u8,
    reason: [u16; 2],
    content_length: Option<u64>,
}

impl<const HEAD: usize, const BODY: usize, const MAX_HEADERS: usize> Default
    for ResponseParser<HEAD, BODY, MAX_HEADERS>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const HEAD: usize, const BODY: usize, const MAX_HEADERS: usize>
    ResponseParser<HEAD, BODY, MAX_HEADERS>
{
    /// Offsets into the head are `u16`.
    const HEAD_OK: () = assert!(
        HEAD <= u16::MAX as usize,
        "ResponseParser HEAD must be <= 65535"
    );

    /// A parser waiting for the status line.
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::HEAD_OK;
        ResponseParser {
            head: Vec::new(),
            body: Vec::new(),
            headers: Vec::new(),
            line_start: 0,
            state: State::Head,
            status_seen: false,
            status: 0,
            version_minor: 0,
            reason: [0, 0],
            content_length: None,
        }
    }

    /// Forgets everything, ready for a new response.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Consumes bytes from `data` and returns how many were used.
    ///
    /// All of `data` is used unless the response completes inside it (bytes
    /// after a `Content-Length` body are not part of the response and are left
    /// to the caller). After an error, every call returns that error again.
    #[inline(never)]
    pub fn feed(&mut self, data: &[u8]) -> Result<usize, HttpError> {
        let r = self.feed_inner(data);
        if let Err(e) = r {
            self.state = State::Failed(e);
        }
        r
    }

    /// Signals EOF. Completes a body delimited by EOF; anything else that is
    /// not yet complete becomes [`HttpError::Truncated`].
    pub fn finish(&mut self) -> Result<(), HttpError> {
        match self.state {
            State::Done => Ok(()),
            State::UntilEof => {
                self.state = State::Done;
                Ok(())
            }
            State::Head | State::Body { .. } => {
                self.state = State::Failed(HttpError::Truncated);
                Err(HttpError::Truncated)
            }
            State::Failed(e) => Err(e),
        }
    }

    /// `true` once a complete response is available.
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

    /// The parsed response, once [`is_done`](Self::is_done).
    pub fn response(&self) -> Option<Response<'_>> {
        if self.state != State::Done {
            return None;
        }
        Some(Response {
            version_minor: self.version_minor,
            status: self.status,
            reason: &self.head[self.reason[0] as usize..self.reason[1] as usize],
            content_length: self.content_length,
            head: &self.head,
            body: &self.body,
            index: &self.headers,
        })
    }

    /// `(status, head, body)` of a complete response (`None` before it is
    /// complete) without building a [`Response`] and its header index: the
    /// cheap accessor when only the status and raw bytes are needed.
    pub fn parts(&self) -> Option<(u16, &[u8], &[u8])> {
        self.is_done()
            .then_some((self.status, &self.head[..], &self.body[..]))
    }

    fn feed_inner(&mut self, data: &[u8]) -> Result<usize, HttpError> {
        let mut i = 0;
        loop {
            match self.state {
                State::Failed(e) => return Err(e),
                State::Done => return Ok(i),
                State::Head => {
                    let Some(&b) = data.get(i) else { return Ok(i) };
                    i += 1;
                    self.head_byte(b)?;
                }
                State::Body { remaining } => {
                    let rest = data.get(i..).unwrap_or_default();
                    // `remaining <= BODY`, checked at the end of the head.
                    let n = usize::try_from(remaining).map_or(rest.len(), |r| r.min(rest.len()));
                    if n == 0 {
                        return Ok(i);
                    }
                    self.body
                        .extend_from_slice(&rest[..n])
                        .map_err(|_| HttpError::BodyTooLarge)?;
                    i += n;
                    let remaining = remaining - n as u64;
                    self.state = if remaining == 0 {
                        State::Done
                    } else {
                        State::Body { remaining }
                    };
                }
                State::UntilEof => {
                    self.body
                        .extend_from_slice(data.get(i..).unwrap_or_default())
                        .map_err(|_| HttpError::BodyTooLarge)?;
                    return Ok(data.len());
                }
            }
        }
    }

    /// One byte of the head; a complete line is processed at its `\n`.
    fn head_byte(&mut self, b: u8) -> Result<(), HttpError> {
        self.head.push(b).map_err(|_| HttpError::HeadTooLarge)?;
        if b != b'\n' {
            return Ok(());
        }
        let start = self.line_start as usize;
        let mut end = self.head.len() - 1;
        // HEAD <= u16::MAX, so the length fits.
        self.line_start = self.head.len() as u16;
        if end > start && self.head[end - 1] == b'\r' {
            end -= 1;
        }
        if !self.status_seen {
            self.status_line(start, end)?;
            self.status_seen = true;
            Ok(())
        } else if start == end {
            self.end_of_head()
        } else {
            self.header_line(start, end)
        }
    }

    fn status_line(&mut self, start: usize, end: usize) -> Result<(), HttpError> {
        let line = self.head.get(start..end).unwrap_or_default();
        let Some(after_proto) = line.strip_prefix(b"HTTP/") else {
            return Err(HttpError::MalformedStatusLine);
        };
        let sp = after_proto.iter().position(|&b| b == b' ');
        let version = &after_proto[..sp.unwrap_or(after_proto.len())];
        self.version_minor = match version {
            b"1.1" => 1,
            b"1.0" => 0,
            v if !v.is_empty() && v.iter().all(|&b| b.is_ascii_digit() || b == b'.') => {
                return Err(HttpError::UnsupportedVersion);
            }
            _ => return Err(HttpError::MalformedStatusLine),
        };
        let Some(sp) = sp else {
            return Err(HttpError::InvalidStatusCode);
        };
        let rest = after_proto.get(sp + 1..).unwrap_or_default();
        // Three digits, then end of line or SP + reason.
        let (code, reason) = match rest {
            [a, b, c] => ([*a, *b, *c], &rest[3..]),
            [a, b, c, b' ', ..] => ([*a, *b, *c], &rest[4..]),
            _ => return Err(HttpError::InvalidStatusCode),
        };
        let code = parse_u64(&code).ok_or(HttpError::InvalidStatusCode)?;
        if !(100..=599).contains(&code) {
            return Err(HttpError::InvalidStatusCode);
        }
        if !reason.iter().all(|&b| is_value_byte(b)) {
            return Err(HttpError::MalformedStatusLine);
        }
        self.status = code as u16;
        let reason_start = end - reason.len();
        self.reason = [reason_start as u16, end as u16];
        Ok(())
    }

    fn header_line(&mut self, start: usize, end: usize) -> Result<(), HttpError> {
        let line = self.head.get(start..end).unwrap_or_default();
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(HttpError::MalformedHeader)?;
        let name = &line[..colon];
        // Also rejects obs-fold (leading SP/HTAB) and "Name :" (RFC 9112 §5.1).
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(HttpError::MalformedHeader);
        }
        let raw_value = &line[colon + 1..];
        if !raw_value.iter().all(|&b| is_value_byte(b)) {
            return Err(HttpError::MalformedHeader);
        }
        let value = trim_ows(raw_value);
        // Offset of `value` inside `raw_value`: the leading OWS it skipped.
        let lead = raw_value
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let vs = start + colon + 1 + lead;
        let ve = vs + value.len();
        if name.eq_ignore_ascii_case(b"content-length") {
            let n = parse_u64(value).ok_or(HttpError::InvalidContentLength)?;
            match self.content_length {
                Some(old) if old != n => return Err(HttpError::ConflictingContentLength),
                _ => self.content_length = Some(n),
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            return Err(HttpError::Unsupported);
        }
        let idx = [start as u16, (start + colon) as u16, vs as u16, ve as u16];
        self.headers
            .push(idx)
            .map_err(|_| HttpError::TooManyHeaders)
    }

    fn end_of_head(&mut self) -> Result<(), HttpError> {
        self.state = match (self.status, self.content_length) {
            (100..=199, _) => return Err(HttpError::Unsupported),
            // No body by definition (RFC 9110 §6.4.1), whatever the headers say.
            (204 | 304, _) => State::Done,
            (_, Some(n)) if n > BODY as u64 => return Err(HttpError::BodyTooLarge),
            (_, Some(0)) => State::Done,
            (_, Some(n)) => State::Body { remaining: n },
            (_, None) => State::UntilEof,
        };
        Ok(())
    }
}

/// A complete response, borrowed from its [`ResponseParser`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response<'a> {
    /// `0` for HTTP/1.0, `1` for HTTP/1.1.
    pub version_minor: u8,
    /// The status code, 100..=599.
    pub status: u16,
    /// The reason phrase (may be empty).
    pub reason: &'a [u8],
    /// The `Content-Length`, if the server sent one.
    pub content_length: Option<u64>,
    /// The raw head: status line, headers and the blank line, exactly as
    /// received — what the book's demo prints before the body.
    pub head: &'a [u8],
    /// The body.
    pub body: &'a [u8],
    index: &'a [HeaderIdx],
}

impl<'a> Response<'a> {
    /// The header lines in order, values with surrounding whitespace trimmed.
    pub fn headers(&self) -> Headers<'a> {
        Headers {
            head: self.head,
            index: self.index.iter(),
        }
    }

    /// The first header called `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers()
            .find(|h| h.name.eq_ignore_ascii_case(name.as_bytes()))
            .map(|h| h.value)
    }
}

/// One header line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// The name, as sent (compare case-insensitively).
    pub name: &'a [u8],
    /// The value without leading/trailing whitespace.
    pub value: &'a [u8],
}

/// Iterator over a [`Response`]'s headers.
#[derive(Clone, Debug)]
pub struct Headers<'a> {
    head: &'a [u8],
    index: core::slice::Iter<'a, HeaderIdx>,
}

impl<'a> Iterator for Headers<'a> {
    type Item = Header<'a>;
    fn next(&mut self) -> Option<Header<'a>> {
        let &[ns, ne, vs, ve] = self.index.next()?;
        Some(Header {
            name: &self.head[ns as usize..ne as usize],
            value: &self.head[vs as usize..ve as usize],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type P = ResponseParser<1024, 256, 8>;

    fn parse(input: &[u8]) -> Result<(u16, std::vec::Vec<u8>), HttpError> {
        let mut p = P::new();
        p.feed(input)?;
        if !p.is_done() {
            p.finish()?;
        }
        let r = p.response().unwrap();
        Ok((r.status, r.body.to_vec()))
    }

    #[test]
    fn parses_the_books_response() {
        let raw = b"HTTP/1.1 200 OK\r\ncontent-length: 15\r\nconnection: close\r\n\
content-type: text/plain; charset=utf-8\r\ndate: Sun, 22 Nov 2026 04:11:12 GMT\r\n\r\nHelloAsyncAwait";
        let mut p = P::new();
        assert_eq!(p.feed(raw), Ok(raw.len()));
        assert!(p.is_done());
        let r = p.response().unwrap();
        assert_eq!((r.version_minor, r.status, r.reason), (1, 200, &b"OK"[..]));
        assert_eq!(r.body, b"HelloAsyncAwait");
        assert_eq!(r.content_length, Some(15));
        assert_eq!(
            r.header("Content-Type"),
            Some(&b"text/plain; charset=utf-8"[..])
        );
        assert_eq!(
            r.header("DATE"),
            Some(&b"Sun, 22 Nov 2026 04:11:12 GMT"[..])
        );
        assert_eq!(r.headers().count(), 4);
        assert_eq!([r.head, r.body].concat(), raw.to_vec());
        assert_eq!(p.finish(), Ok(()));
    }

    #[test]
    fn body_until_eof_and_leftovers() {
        let mut p = P::new();
        p.feed(b"HTTP/1.0 200 OK\n\nabc").unwrap();
        assert!(!p.is_done());
        p.feed(b"def").unwrap();
        p.finish().unwrap();
        let r = p.response().unwrap();
        assert_eq!((r.version_minor, r.body), (0, &b"abcdef"[..]));
        // Bytes after a Content-Length body are not consumed.
        let mut p = P::new();
        assert_eq!(
            p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabXYZ"),
            Ok(40)
        );
        assert_eq!(p.feed(b"more"), Ok(0));
        assert_eq!(p.response().unwrap().body, b"ab");
    }

    #[test]
    fn status_lines() {
        assert_eq!(parse(b"HTTP/1.1 404\r\n\r\n"), Ok((404, vec![])));
        assert_eq!(
            parse(b"HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\n"),
            Ok((204, vec![]))
        );
        assert_eq!(
            parse(b"HTTP/1.1 200 \r\ncontent-length: 0\r\n\r\n"),
            Ok((200, vec![]))
        );
        for (raw, e) in [
            (&b"HTTP/2 200 OK\r\n\r\n"[..], HttpError::UnsupportedVersion),
            (b"HTTP/1.2 200 OK\r\n\r\n", HttpError::UnsupportedVersion),
            (b"HTTX/1.1 200 OK\r\n\r\n", HttpError::MalformedStatusLine),
            (b"\r\n", HttpError::MalformedStatusLine),
            (b"HTTP/1.1x 200 OK\r\n", HttpError::MalformedStatusLine),
            (b"HTTP/1.1\r\n", HttpError::InvalidStatusCode),
            (b"HTTP/1.1 20 OK\r\n", HttpError::InvalidStatusCode),
            (b"HTTP/1.1 2000 OK\r\n", HttpError::InvalidStatusCode),
            (b"HTTP/1.1 099 OK\r\n", HttpError::InvalidStatusCode),
            (b"HTTP/1.1 600 OK\r\n", HttpError::InvalidStatusCode),
            (b"HTTP/1.1 -20 OK\r\n", HttpError::InvalidStatusCode),
            (b"HTTP/1.1 200 O\rK\r\n", HttpError::MalformedStatusLine),
            (b"HTTP/1.1 200 O\x00K\r\n", HttpError::MalformedStatusLine),
            (b"HTTP/1.1 100 Continue\r\n\r\n", HttpError::Unsupported),
        ] {
            assert_eq!(parse(raw), Err(e), "{:?}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn headers_and_lengths() {
        let ok = |h: &str| parse(format!("HTTP/1.1 200 OK\r\n{h}\r\n\r\nhello").as_bytes());
        assert_eq!(ok("Content-Length: 5"), Ok((200, b"hello".to_vec())));
        assert_eq!(ok("CONTENT-LENGTH:5"), Ok((200, b"hello".to_vec())));
        assert_eq!(ok("content-length: \t5 "), Ok((200, b"hello".to_vec())));
        assert_eq!(
            ok("content-length: 5\r\nContent-Length: 5"),
            Ok((200, b"hello".to_vec()))
        );
        assert_eq!(ok("X-Empty:"), Ok((200, b"hello".to_vec())));
        assert_eq!(ok("X-Latin: café"), Ok((200, b"hello".to_vec())));
        for (h, e) in [
            (
                "content-length: 5\r\ncontent-length: 6",
                HttpError::ConflictingContentLength,
            ),
            ("content-length: -5", HttpError::InvalidContentLength),
            ("content-length: +5", HttpError::InvalidContentLength),
            ("content-length:", HttpError::InvalidContentLength),
            ("content-length: 5, 5", HttpError::InvalidContentLength),
            ("content-length: 0x5", HttpError::InvalidContentLength),
            (
                "content-length: 99999999999999999999",
                HttpError::InvalidContentLength,
            ),
            (
                "content-length: 18446744073709551615",
                HttpError::BodyTooLarge,
            ),
            ("content-length: 257", HttpError::BodyTooLarge),
            ("content-length: 6", HttpError::Truncated),
            ("Transfer-Encoding: chunked", HttpError::Unsupported),
            ("no colon", HttpError::MalformedHeader),
            (": novalue", HttpError::MalformedHeader),
            ("Bad Name: x", HttpError::MalformedHeader),
            ("Name : x", HttpError::MalformedHeader),
            ("X: a\r\n folded", HttpError::MalformedHeader),
            ("X: a\rb", HttpError::MalformedHeader),
            ("X: a\x01b", HttpError::MalformedHeader),
            ("X: a\x7fb", HttpError::MalformedHeader),
        ] {
            assert_eq!(ok(h), Err(e), "{h:?}");
        }
    }

    #[test]
    fn capacities() {
        let mut p = ResponseParser::<32, 4, 2>::new();
        assert_eq!(
            p.feed(b"HTTP/1.1 200 OK\r\nX-Long-Header: 0123456789\r\n"),
            Err(HttpError::HeadTooLarge)
        );
        assert_eq!(
            p.feed(b""),
            Err(HttpError::HeadTooLarge),
            "errors are sticky"
        );
        assert_eq!(p.finish(), Err(HttpError::HeadTooLarge));
        assert_eq!(p.error(), Some(HttpError::HeadTooLarge));
        p.reset();
        assert_eq!(
            p.feed(b"HTTP/1.1 200 OK\r\na:1\r\nb:2\r\nc:3\r\n"),
            Err(HttpError::TooManyHeaders)
        );
        let mut p = ResponseParser::<64, 4, 2>::new();
        p.feed(b"HTTP/1.1 200 OK\r\n\r\n1234").unwrap();
        assert_eq!(p.feed(b"5"), Err(HttpError::BodyTooLarge));
        let mut p = ResponseParser::<64, 4, 2>::new();
        p.feed(b"HTTP/1.1 200 OK\r\n\r\n1234").unwrap();
        p.finish().unwrap();
        assert_eq!(p.response().unwrap().body, b"1234");
    }

    #[test]
    fn truncation() {
        for raw in [
            &b""[..],
            b"HTTP/1.1 200 OK",
            b"HTTP/1.1 200 OK\r\n",
            b"HTTP/1.1 200 OK\r\nA: b\r\n",
        ] {
            let mut p = P::new();
            p.feed(raw).unwrap();
            assert_eq!(p.finish(), Err(HttpError::Truncated));
            assert!(p.response().is_none());
        }
    }
}
