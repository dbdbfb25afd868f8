//! bitwake-http: a small, bounded HTTP/1.1 for the book's demo on bitwake —
//! the client ([`Http`], `http.get(path)`) and the server side of the delay
//! server's protocol ([`RequestParser`], [`format_ok`], [`BAD_REQUEST`]).
//!
//! The files, one job each: `request` formats the client's `GET`,
//! `response` parses the answer, `client` sends one over bitwake's TCP,
//! `server` is the delay server's side, `percent` its `%XX` decoder, `error`
//! holds the error types and `write` the byte-level helpers they share.
//!
//! Everything works on caller-provided or fixed-capacity (`heapless`) buffers,
//! sized by const generics; nothing allocates and no input can make a parser
//! panic or grow beyond its capacities — every problem is an [`HttpError`].
//!
//! Both parsers are **incremental**: feed them whatever byte chunks the socket
//! returns, in any split, and call `finish` at EOF. They look at the input one
//! byte at a time in the head (a tiny state machine, no look-back across
//! chunks), so the result never depends on where the network split it.
//!
//! Scope decisions (documented so nobody has to guess):
//! * `Transfer-Encoding` (chunked or any other) in a response is rejected with
//!   [`HttpError::Unsupported`]: our client sends `Connection: close` to a
//!   server that answers with `content-length`, so chunked decoding would be
//!   untested code. Bodies are delimited by `Content-Length` or by EOF.
//! * `1xx` responses are [`HttpError::Unsupported`] (we never send `Expect`);
//!   `204` and `304` have no body.
//! * Lines may end in `\r\n` or a bare `\n` (RFC 9112 §2.2 allows accepting
//!   that, and it lets `nc` users type requests); a bare `\r` elsewhere is
//!   malformed. Obsolete line folding is malformed.
//! * The delay server percent-decodes `{message}` (like actix's path matcher
//!   in the book's server) and requires the result to be UTF-8 (the response
//!   says `charset=utf-8`) without ASCII control characters (the server logs
//!   it on one line). `{delay_ms}` is any `u64`; capping it is server policy.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The client needs bitwake's TCP, which exists on the architectures whose
// Linux system calls `bitwake-arch` implements.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod client;
mod error;
mod percent;
mod request;
mod request_line;
mod response;
mod server;
mod write;

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub use client::{DEFAULT_TIMEOUT, Http, HttpResponse, MAX_BODY, MAX_HEAD};
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub use error::GetError;
pub use error::HttpError;
pub use percent::percent_decode_in_place;
pub use request::format_get;
pub use response::{Header, Headers, Response, ResponseParser};
pub use server::{BAD_REQUEST, DelayRequest, RequestParser, format_ok, format_ok_head};
