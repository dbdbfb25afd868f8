//! The network delivers arbitrary splits: every split point (and every pair of
//! split points for short inputs, and byte-at-a-time) must give exactly the
//! same outcome as feeding the message in one piece.

mod common;

use bitwake_http::HttpError;
use common::{ReqOutcome, RespOutcome, run_request, run_response};

const RESPONSES: &[&[u8]] = &[
    // The book's response, verbatim shape.
    b"HTTP/1.1 200 OK\r\ncontent-length: 15\r\nconnection: close\r\n\
content-type: text/plain; charset=utf-8\r\ndate: Sun, 22 Nov 2026 04:11:12 GMT\r\n\r\nHelloAsyncAwait",
    // Body until EOF, bare LF line endings, HTTP/1.0.
    b"HTTP/1.0 200 OK\nServer: x\n\nbody until eof",
    // Leftover bytes after a Content-Length body.
    b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcEXTRA",
    // No body.
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    // Errors at various stages.
    b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 7\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    b"HTTP/1.1 2x0 OK\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nBad\rHeader: 1\r\n\r\n",
    b"garbage\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
];

const REQUESTS: &[&[u8]] = &[
    b"GET /600/HelloAsyncAwait HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    b"GET /1/Hello%20World?x=y HTTP/1.0\nUser-Agent: curl/8\n\nBODY",
    b"\r\nGET /0/x HTTP/1.1\r\n\r\n",
    b"POST /1/x HTTP/1.1\r\n\r\n",
    b"GET /abc/x HTTP/1.1\r\n\r\n",
    b"GET /1/x HTTP/1.1\r\nHost localhost\r\n\r\n",
    b"GET /1/x HTTP/1.1\r\nHost: localhost\r\n",
    b"GET /1/%zz HTTP/1.1\r\n\r\n",
];

type Resp = fn(&[&[u8]]) -> RespOutcome;
type Req = fn(&[&[u8]]) -> ReqOutcome;
// Roomy and tight capacities: the tight ones make limits trip mid-chunk.
const RESP_PARSERS: [Resp; 3] = [
    run_response::<1024, 256, 16>,
    run_response::<64, 8, 2>,
    run_response::<48, 4, 1>,
];
const REQ_PARSERS: [Req; 3] = [
    run_request::<256, 1024>,
    run_request::<24, 60>,
    run_request::<16, 40>,
];

fn check_splits<T: PartialEq + core::fmt::Debug>(inputs: &[&[u8]], run: impl Fn(&[&[u8]]) -> T) {
    for &raw in inputs {
        let whole = run(&[raw]);
        for i in 0..=raw.len() {
            assert_eq!(
                run(&[&raw[..i], &raw[i..]]),
                whole,
                "split at {i} of {raw:?}"
            );
        }
        let bytes: Vec<&[u8]> = raw.chunks(1).collect();
        assert_eq!(run(&bytes), whole, "byte at a time: {raw:?}");
        if raw.len() <= 80 {
            for i in 0..=raw.len() {
                for j in i..=raw.len() {
                    assert_eq!(run(&[&raw[..i], &raw[i..j], &raw[j..]]), whole);
                }
            }
        }
    }
}

#[test]
fn response_parser_is_split_invariant() {
    for run in RESP_PARSERS {
        check_splits(RESPONSES, run);
    }
}

#[test]
fn request_parser_is_split_invariant() {
    for run in REQ_PARSERS {
        check_splits(REQUESTS, run);
    }
}

#[test]
fn expected_outcomes() {
    let ok = run_response::<1024, 256, 16>(&[RESPONSES[0]])
        .result
        .unwrap();
    assert_eq!(
        (ok.status, ok.body.as_slice()),
        (200, &b"HelloAsyncAwait"[..])
    );
    let eof = run_response::<1024, 256, 16>(&[RESPONSES[1]])
        .result
        .unwrap();
    assert_eq!(eof.body, b"body until eof");
    let left = run_response::<1024, 256, 16>(&[RESPONSES[2]]);
    assert_eq!(left.consumed, RESPONSES[2].len() - 5);
    let errs: Vec<_> = RESPONSES[5..]
        .iter()
        .map(|r| run_response::<1024, 256, 16>(&[r]).result.err())
        .collect();
    assert_eq!(
        errs,
        [
            Some(HttpError::ConflictingContentLength),
            Some(HttpError::Unsupported),
            Some(HttpError::Truncated),
            Some(HttpError::InvalidStatusCode),
            Some(HttpError::MalformedHeader),
            Some(HttpError::MalformedStatusLine),
            Some(HttpError::Truncated),
        ]
    );
    // Tight capacities give the capacity errors.
    assert_eq!(
        run_response::<64, 8, 2>(&[RESPONSES[0]]).result.err(),
        Some(HttpError::HeadTooLarge)
    );
    assert_eq!(
        run_response::<128, 8, 2>(&[RESPONSES[1]]).result.err(),
        Some(HttpError::BodyTooLarge)
    );

    let req = run_request::<256, 1024>(&[REQUESTS[0]]).result.unwrap();
    assert_eq!(req, (600, "HelloAsyncAwait".to_string(), 1));
    let req = run_request::<256, 1024>(&[REQUESTS[1]]);
    assert_eq!(req.result.unwrap(), (1, "Hello World".to_string(), 0));
    assert_eq!(req.consumed, REQUESTS[1].len() - 4);
    let errs: Vec<_> = REQUESTS[3..]
        .iter()
        .map(|r| run_request::<256, 1024>(&[r]).result.err())
        .collect();
    assert_eq!(
        errs,
        [
            Some(HttpError::MethodNotAllowed),
            Some(HttpError::InvalidDelay),
            Some(HttpError::MalformedHeader),
            Some(HttpError::Truncated),
            Some(HttpError::InvalidTarget),
        ]
    );
}
