//! The one error type of the HTTP layer.

use core::fmt;

/// Everything that can go wrong while formatting or parsing HTTP.
///
/// The server maps every request-side variant to a `400 Bad Request`
/// ([`crate::http::BAD_REQUEST`]); the client reports them to the caller.
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

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HttpError::BufferTooSmall => "output buffer too small",
            HttpError::InvalidPath => "invalid request path",
            HttpError::InvalidHost => "invalid host",
            HttpError::MalformedStatusLine => "malformed status line",
            HttpError::UnsupportedVersion => "unsupported HTTP version",
            HttpError::InvalidStatusCode => "invalid status code",
            HttpError::MalformedHeader => "malformed header",
            HttpError::HeadTooLarge => "header block too large",
            HttpError::TooManyHeaders => "too many headers",
            HttpError::InvalidContentLength => "invalid content-length",
            HttpError::ConflictingContentLength => "conflicting content-length headers",
            HttpError::BodyTooLarge => "body too large",
            HttpError::Truncated => "connection closed before the message was complete",
            HttpError::Unsupported => "unsupported HTTP feature (transfer-encoding or 1xx)",
            HttpError::MalformedRequestLine => "malformed request line",
            HttpError::MethodNotAllowed => "method not allowed",
            HttpError::InvalidTarget => "invalid request target",
            HttpError::InvalidDelay => "invalid delay",
        })
    }
}

impl core::error::Error for HttpError {}
