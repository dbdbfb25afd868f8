//! The per-call contract of a parser's `feed`, checked while feeding it an
//! input in chunks: the part the request and response properties share.

use crate::chunks::Chunks;
use bitwake_http::{HttpError, RequestParser, ResponseParser};

/// What the chunk loop needs of a parser.
pub trait Feed {
    /// What a complete input is, for the messages ("head", "response").
    const WHOLE: &'static str;
    fn feed(&mut self, data: &[u8]) -> Result<usize, HttpError>;
    fn is_done(&self) -> bool;
    fn error(&self) -> Option<HttpError>;
    /// Whether the parser shows a result (done, or a parsed message).
    fn shows_a_result(&self) -> bool;
}

impl<const L: usize, const H: usize> Feed for RequestParser<L, H> {
    const WHOLE: &'static str = "head";
    fn feed(&mut self, data: &[u8]) -> Result<usize, HttpError> {
        RequestParser::feed(self, data)
    }
    fn is_done(&self) -> bool {
        RequestParser::is_done(self)
    }
    fn error(&self) -> Option<HttpError> {
        RequestParser::error(self)
    }
    fn shows_a_result(&self) -> bool {
        self.is_done() || self.request().is_some()
    }
}

impl<const H: usize, const B: usize, const N: usize> Feed for ResponseParser<H, B, N> {
    const WHOLE: &'static str = "response";
    fn feed(&mut self, data: &[u8]) -> Result<usize, HttpError> {
        ResponseParser::feed(self, data)
    }
    fn is_done(&self) -> bool {
        ResponseParser::is_done(self)
    }
    fn error(&self) -> Option<HttpError> {
        ResponseParser::error(self)
    }
    fn shows_a_result(&self) -> bool {
        self.is_done() || self.response().is_some() || self.parts().is_some()
    }
}

/// Feeds `input` to `p` in the given chunks, checking on every call that
/// `feed` never claims more than it was given, stops early only at the end
/// of a complete input, and that an error is sticky, reported by `error`
/// and leaves no result. Returns the bytes consumed and the error, if any.
pub fn feed_chunks<P: Feed>(p: &mut P, input: &[u8], chunks: Chunks) -> (usize, Option<HttpError>) {
    let mut consumed = 0;
    let mut error = None;
    for chunk in chunks.split(input) {
        match p.feed(chunk) {
            Ok(n) => {
                assert!(error.is_none(), "feed succeeded after an error");
                assert!(
                    n <= chunk.len(),
                    "feed claimed {n} of {} bytes",
                    chunk.len()
                );
                if n < chunk.len() {
                    assert!(
                        p.is_done(),
                        "feed stopped early without a complete {}",
                        P::WHOLE
                    );
                }
                consumed += n;
            }
            Err(e) => {
                if let Some(first) = error {
                    assert_eq!(e, first, "errors must be sticky");
                }
                error = Some(e);
                assert_eq!(p.error(), Some(e));
                assert!(!p.shows_a_result(), "a result after an error");
            }
        }
    }
    (consumed, error)
}
