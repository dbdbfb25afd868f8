//! The errors: [`HttpError`] for everything in the messages themselves, and
//! the client's [`GetError`], which adds the I/O that carries them.

use core::fmt;

/// Everything that can go wrong while formatting or parsing HTTP.
///
/// The server maps every request-side variant to a `400 Bad Request`
/// ([`crate::BAD_REQUEST`]); the client reports them to the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpError {
    /// The output buffer is too small for the formatted message.
    BufferTooSmall,
    /// A request path to format is empty, lacks the leading `/`, or contains
    /// bytes outside visible ASCII (spaces, controls, non-ASCII).
    InvalidPath,
    /// A host to format is empty or contains spaces, controls or `/`.
    InvalidHost,
    /// The response's first line is not `HTTP/1.x NNN reason`.
    MalformedStatusLine,
    /// An HTTP version other than 1.0 or 1.1.
    UnsupportedVersion,
    /// The status code is not three digits in 100..=599.
    InvalidStatusCode,
    /// A header line has no `:`, a bad name, control bytes, a bare CR, or is
    /// an obsolete folded continuation line.
    MalformedHeader,
    /// The head (start line plus headers) exceeds the parser's capacity.
    HeadTooLarge,
    /// More header lines than the parser can index.
    TooManyHeaders,
    /// `Content-Length` is empty, not all digits (so also negative), or
    /// overflows `u64`.
    InvalidContentLength,
    /// Two `Content-Length` headers with different values (a smuggling vector).
    ConflictingContentLength,
    /// The body exceeds the parser's body capacity.
    BodyTooLarge,
    /// The peer closed the connection before the message was complete.
    Truncated,
    /// A feature this small implementation refuses on purpose: any
    /// `Transfer-Encoding` (including chunked) and `1xx` responses.
    Unsupported,
    /// The request line is not `METHOD SP target SP HTTP/1.x`.
    MalformedRequestLine,
    /// A method other than `GET`.
    MethodNotAllowed,
    /// The target is not `/{delay_ms}/{message}` with a non-empty message
    /// without `/`, valid percent-escapes, and UTF-8 without ASCII control
    /// characters after decoding.
    InvalidTarget,
    /// `{delay_ms}` is empty, not all digits, or overflows `u64`.
    InvalidDelay,
}

/// Every variant's message, in declaration order, each ending in `\n`: one
/// string instead of a table of `&str`s (a pointer and a length per variant).
const MESSAGES: &str = "output buffer too small
invalid request path
invalid host
malformed status line
unsupported HTTP version
invalid status code
malformed header
header block too large
too many headers
invalid content-length
conflicting content-length headers
body too large
connection closed before the message was complete
unsupported HTTP feature (transfer-encoding or 1xx)
malformed request line
method not allowed
invalid request target
invalid delay
";

impl HttpError {
    /// The message `Display` prints.
    fn message(self) -> &'static str {
        let mut index = self as usize;
        let mut start = 0;
        for (i, b) in MESSAGES.bytes().enumerate() {
            if b == b'\n' {
                if index == 0 {
                    return MESSAGES.get(start..i).unwrap_or_default();
                }
                index -= 1;
                start = i + 1;
            }
        }
        ""
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for HttpError {}

/// What can go wrong in [`Http::get`](crate::Http::get).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetError {
    /// Connecting, writing or reading failed.
    Io(bitwake::io::Error),
    /// The response (or the request we were asked to make) is not valid.
    Http(HttpError),
    /// No complete response within the client's timeout
    /// ([`Http::with_timeout`](crate::Http::with_timeout)), counted from the
    /// start of connecting.
    Timeout,
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
impl From<bitwake::io::Error> for GetError {
    fn from(e: bitwake::io::Error) -> Self {
        GetError::Io(e)
    }
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
impl From<HttpError> for GetError {
    fn from(e: HttpError) -> Self {
        GetError::Http(e)
    }
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
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
            GetError::Timeout => f.write_str("timed out: no complete response in time"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_its_message() {
        use HttpError as E;
        let all = [
            (E::BufferTooSmall, "output buffer too small"),
            (E::InvalidPath, "invalid request path"),
            (E::InvalidHost, "invalid host"),
            (E::MalformedStatusLine, "malformed status line"),
            (E::UnsupportedVersion, "unsupported HTTP version"),
            (E::InvalidStatusCode, "invalid status code"),
            (E::MalformedHeader, "malformed header"),
            (E::HeadTooLarge, "header block too large"),
            (E::TooManyHeaders, "too many headers"),
            (E::InvalidContentLength, "invalid content-length"),
            (
                E::ConflictingContentLength,
                "conflicting content-length headers",
            ),
            (E::BodyTooLarge, "body too large"),
            (
                E::Truncated,
                "connection closed before the message was complete",
            ),
            (
                E::Unsupported,
                "unsupported HTTP feature (transfer-encoding or 1xx)",
            ),
            (E::MalformedRequestLine, "malformed request line"),
            (E::MethodNotAllowed, "method not allowed"),
            (E::InvalidTarget, "invalid request target"),
            (E::InvalidDelay, "invalid delay"),
        ];
        for (i, (e, msg)) in all.into_iter().enumerate() {
            assert_eq!(e.to_string(), msg);
            // Exhaustive: a new variant does not compile until it is listed
            // here, in `all` and in `MESSAGES`.
            let listed = match e {
                E::BufferTooSmall
                | E::InvalidPath
                | E::InvalidHost
                | E::MalformedStatusLine
                | E::UnsupportedVersion
                | E::InvalidStatusCode
                | E::MalformedHeader
                | E::HeadTooLarge
                | E::TooManyHeaders
                | E::InvalidContentLength
                | E::ConflictingContentLength
                | E::BodyTooLarge
                | E::Truncated
                | E::Unsupported
                | E::MalformedRequestLine
                | E::MethodNotAllowed
                | E::InvalidTarget
                | E::InvalidDelay => e as usize,
            };
            assert_eq!(listed, i);
        }
        // One line per variant, no more.
        assert_eq!(MESSAGES.lines().count(), all.len());
    }
}
