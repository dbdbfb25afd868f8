//! Shared drivers for the HTTP integration tests: run a parser over a list of
//! chunks and reduce the outcome to a comparable value.

#![allow(dead_code)] // each test file uses a subset

use bitwake_http::{HttpError, RequestParser, ResponseParser};

/// Feeds `chunks` in order through `feed` (stopping at the first error),
/// checking that it never claims more than it was given: the bytes
/// consumed, or the error.
fn feed_all(
    chunks: &[&[u8]],
    mut feed: impl FnMut(&[u8]) -> Result<usize, HttpError>,
) -> Result<usize, HttpError> {
    let mut consumed = 0;
    for c in chunks {
        let n = feed(c)?;
        assert!(n <= c.len());
        consumed += n;
    }
    Ok(consumed)
}

/// Everything observable about a parsed response.
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct RespOutcome {
    pub consumed: usize,
    pub result: Result<RespView, HttpError>,
}

#[derive(Debug, PartialEq, Eq, Clone)]
pub struct RespView {
    pub version_minor: u8,
    pub status: u16,
    pub reason: Vec<u8>,
    pub content_length: Option<u64>,
    pub head: Vec<u8>,
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    pub body: Vec<u8>,
}

/// Feeds `chunks` in order (stopping at the first error), then signals EOF.
pub fn run_response<const H: usize, const B: usize, const N: usize>(
    chunks: &[&[u8]],
) -> RespOutcome {
    let mut p = ResponseParser::<H, B, N>::new();
    let fed = feed_all(chunks, |c| p.feed(c)).and_then(|n| p.finish().map(|()| n));
    let consumed = match fed {
        Ok(n) => n,
        // How much was consumed before an error depends on the chunking; not compared.
        Err(e) => {
            return RespOutcome {
                consumed: 0,
                result: Err(e),
            };
        }
    };
    let r = p.response().expect("finish Ok implies a response");
    assert!(r.head.len() <= H && r.body.len() <= B && r.headers().count() <= N);
    RespOutcome {
        consumed,
        result: Ok(RespView {
            version_minor: r.version_minor,
            status: r.status,
            reason: r.reason.to_vec(),
            content_length: r.content_length,
            head: r.head.to_vec(),
            headers: r
                .headers()
                .map(|h| (h.name.to_vec(), h.value.to_vec()))
                .collect(),
            body: r.body.to_vec(),
        }),
    }
}

/// Everything observable about a parsed delay request.
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct ReqOutcome {
    pub consumed: usize,
    pub result: Result<(u64, String, u8), HttpError>,
}

/// Feeds `chunks` in order (stopping at the first error), then signals EOF.
pub fn run_request<const L: usize, const H: usize>(chunks: &[&[u8]]) -> ReqOutcome {
    let mut p = RequestParser::<L, H>::new();
    let fed = feed_all(chunks, |c| p.feed(c)).and_then(|n| p.finish().map(|()| n));
    let consumed = match fed {
        Ok(n) => n,
        Err(e) => {
            return ReqOutcome {
                consumed: 0,
                result: Err(e),
            };
        }
    };
    let r = p.request().expect("finish Ok implies a request");
    assert!(r.message.len() <= L && consumed <= H);
    ReqOutcome {
        consumed,
        result: Ok((r.delay_ms, r.message.to_string(), r.version_minor)),
    }
}

/// A tiny deterministic PRNG (xorshift64) so randomized tests are reproducible.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// Splits `data` at `k` random points.
pub fn random_chunks<'a>(rng: &mut XorShift, data: &'a [u8], k: usize) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = (0..k).map(|_| rng.below(data.len() + 1)).collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut prev = 0;
    for c in cuts {
        out.push(&data[prev..c]);
        prev = c;
    }
    out.push(&data[prev..]);
    out
}
