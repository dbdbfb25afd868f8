//! Properties of bitwake's parsers, checked on arbitrary input: one
//! function per fuzz target, panicking when a property fails.
//!
//! `cargo xtask fuzz` runs them under libFuzzer (`fuzz_targets/`), and
//! `cargo xtask test` replays the corpus through them on stable
//! (`tests/replay.rs`). Beyond "no panic" each checks what the parser
//! promises:
//!
//! * [`request`] and [`response`]: the result does not depend on how the
//!   input is split into chunks; errors are sticky; `feed` never claims more
//!   than it was given and stops early only at the end of a message; what a
//!   parser accepts is within its capacities and is a prefix of the input;
//!   a parsed message, written out again in canonical form, parses to the
//!   same thing; the delay server's answer to a parsed request parses, on
//!   the client side, to that request's message.
//! * [`percent`]: agrees with an independent decoder; never grows;
//!   encoding the output and decoding again gives it back.
//! * [`fault_script`]: agrees with a rule-by-rule reading of the script
//!   (which rule is reported bad, when it is too long); every parsed rule
//!   prints as text that parses back to the same rule.
//!
//! The first byte of a `request` or `response` input chooses the chunk
//! sizes; the rest is what the parser reads.

use bitwake::sys::fault::{MAX_RULES, Rule, SpecError, parse_rule, parse_spec};
use bitwake_http::{HttpError, RequestParser, ResponseParser, format_ok, percent_decode_in_place};

mod chunks;
mod feed;
mod reference;

use chunks::Chunks;
use feed::feed_chunks;

// ---------------------------------------------------------------- request

/// What feeding a request parser produced.
#[derive(Debug, PartialEq)]
enum ReqOutcome {
    Done {
        consumed: usize,
        delay_ms: u64,
        message: String,
        version_minor: u8,
    },
    Failed(HttpError),
    /// Not complete and no error yet (only before `finish`).
    Pending,
}

/// Feeds `input` to `p` in the given chunks and checks the per-call
/// contract of `feed`.
fn feed_request<const L: usize, const H: usize>(
    p: &mut RequestParser<L, H>,
    input: &[u8],
    chunks: Chunks,
    finish: bool,
) -> ReqOutcome {
    let (consumed, mut error) = feed_chunks(p, input, chunks);
    if finish && error.is_none() && !p.is_done() {
        let e = p.finish().expect_err("finish before the end of the head");
        assert_eq!(e, HttpError::Truncated);
        error = Some(e);
    }
    if let Some(e) = error {
        assert_eq!(p.feed(b"GET"), Err(e), "sticky after the end");
        return ReqOutcome::Failed(e);
    }
    if !p.is_done() {
        assert!(p.request().is_none());
        return ReqOutcome::Pending;
    }
    assert_eq!(p.feed(b"more"), Ok(0), "a done parser takes nothing more");
    let r = p.request().expect("done but no request");
    ReqOutcome::Done {
        consumed,
        delay_ms: r.delay_ms,
        message: r.message.to_owned(),
        version_minor: r.version_minor,
    }
}

/// Checks one parser configuration (`L` bytes of decoded message, `H` of
/// head).
fn request_with<const L: usize, const H: usize>(input: &[u8], chunks: Chunks) {
    let whole = feed_request(
        &mut RequestParser::<L, H>::new(),
        input,
        Chunks::WHOLE,
        true,
    );
    let mut p = RequestParser::<L, H>::new();
    let split = feed_request(&mut p, input, chunks, true);
    assert_eq!(whole, split, "the result depends on the chunking");
    p.reset();
    let again = feed_request(&mut p, input, Chunks::WHOLE, true);
    assert_eq!(whole, again, "a reset parser differs from a new one");

    let ReqOutcome::Done {
        consumed,
        delay_ms,
        message,
        version_minor,
    } = whole
    else {
        return;
    };
    assert!(consumed <= input.len() && consumed <= H);
    assert_eq!(input[consumed - 1], b'\n', "a head ends at a line end");
    assert!(!message.is_empty() && message.len() <= L);
    assert!(!message.bytes().any(|b| b.is_ascii_control()));
    assert!(version_minor <= 1);

    // An independent reading of the request line agrees.
    let (ref_delay, ref_message) = reference::request_line(&input[..consumed])
        .expect("accepted, but the reference reading finds no request line");
    assert_eq!(ref_delay, delay_ms);
    assert_eq!(ref_message.as_deref(), Some(message.as_bytes()));

    // Written out canonically, it parses to the same request.
    let canonical = format!(
        "GET /{delay_ms}/{} HTTP/1.{version_minor}\r\nHost: x\r\n\r\n",
        reference::percent_encode(message.as_bytes())
    );
    let mut q = RequestParser::<L, H>::new();
    let r = feed_request(&mut q, canonical.as_bytes(), Chunks::WHOLE, true);
    if canonical.len() <= H {
        assert_eq!(
            r,
            ReqOutcome::Done {
                consumed: canonical.len(),
                delay_ms,
                message: message.clone(),
                version_minor,
            },
            "canonical form {canonical:?}"
        );
    } else {
        assert_eq!(r, ReqOutcome::Failed(HttpError::HeadTooLarge));
    }

    // The server's answer carries the message back to the client.
    let mut out = [0u8; 768];
    match format_ok(message.as_bytes(), &mut out) {
        Ok(n) => {
            let mut rp = ResponseParser::<1024, 1024>::new();
            assert_eq!(rp.feed(&out[..n]), Ok(n));
            let resp = rp.response().expect("the server's answer is complete");
            assert_eq!(resp.status, 200);
            assert_eq!(resp.body, message.as_bytes());
            assert_eq!(resp.content_length, Some(message.len() as u64));
        }
        Err(e) => {
            assert_eq!(e, HttpError::BufferTooSmall);
            assert!(message.len() > 768 - 100, "a short message did not fit");
        }
    }
}

/// Fuzz target: the delay server's request parser.
pub fn request(data: &[u8]) {
    let Some((&ctl, input)) = data.split_first() else {
        return;
    };
    let chunks = Chunks::from_byte(ctl);
    // The server's own capacities, and small ones that put the limits
    // within the fuzzer's reach.
    request_with::<64, 4096>(input, chunks);
    request_with::<24, 96>(input, chunks);
}

// --------------------------------------------------------------- response

#[derive(Debug, PartialEq)]
enum RespOutcome {
    Done(Parsed),
    Failed(HttpError),
    Pending,
}

/// A parsed response, owned.
#[derive(Debug, PartialEq, Clone)]
struct Parsed {
    consumed: usize,
    version_minor: u8,
    status: u16,
    reason: Vec<u8>,
    content_length: Option<u64>,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    head: Vec<u8>,
    body: Vec<u8>,
}

fn feed_response<const H: usize, const B: usize, const N: usize>(
    p: &mut ResponseParser<H, B, N>,
    input: &[u8],
    chunks: Chunks,
    finish: bool,
) -> RespOutcome {
    let (consumed, mut error) = feed_chunks(p, input, chunks);
    if finish && error.is_none() && !p.is_done() {
        if let Err(e) = p.finish() {
            error = Some(e);
        } else {
            assert!(p.is_done(), "finish succeeded but the response is not done");
        }
    }
    if let Some(e) = error {
        assert_eq!(p.feed(b"HTTP"), Err(e), "sticky after the end");
        return RespOutcome::Failed(e);
    }
    if !p.is_done() {
        assert!(p.response().is_none());
        return RespOutcome::Pending;
    }
    assert_eq!(p.feed(b"more"), Ok(0), "a done parser takes nothing more");
    let r = p.response().expect("done but no response");
    let (status, head, body) = p.parts().expect("done but no parts");
    assert_eq!((status, head, body), (r.status, r.head, r.body));
    RespOutcome::Done(Parsed {
        consumed,
        version_minor: r.version_minor,
        status: r.status,
        reason: r.reason.to_vec(),
        content_length: r.content_length,
        headers: r
            .headers()
            .map(|h| (h.name.to_vec(), h.value.to_vec()))
            .collect(),
        head: r.head.to_vec(),
        body: r.body.to_vec(),
    })
}

fn response_with<const H: usize, const B: usize, const N: usize>(input: &[u8], chunks: Chunks) {
    let whole = feed_response(
        &mut ResponseParser::<H, B, N>::new(),
        input,
        Chunks::WHOLE,
        true,
    );
    let mut p = ResponseParser::<H, B, N>::new();
    let split = feed_response(&mut p, input, chunks, true);
    assert_eq!(whole, split, "the result depends on the chunking");
    p.reset();
    let again = feed_response(&mut p, input, Chunks::WHOLE, true);
    assert_eq!(whole, again, "a reset parser differs from a new one");

    let RespOutcome::Done(r) = whole else {
        return;
    };
    // What was accepted is the input's prefix: head, then body.
    assert!(r.head.len() <= H && r.body.len() <= B && r.headers.len() <= N);
    assert_eq!(r.consumed, r.head.len() + r.body.len());
    assert_eq!(&input[..r.head.len()], &r.head[..]);
    assert_eq!(&input[r.head.len()..r.consumed], &r.body[..]);
    assert!(r.head.ends_with(b"\n"));
    assert!((200..=599).contains(&r.status), "status {}", r.status);
    assert!(r.version_minor <= 1);
    match (r.status, r.content_length) {
        (204 | 304, _) => assert!(r.body.is_empty()),
        (_, Some(n)) => assert_eq!(r.body.len() as u64, n),
        // Delimited by EOF: everything after the head.
        (_, None) => assert_eq!(r.consumed, input.len()),
    }
    for (name, value) in &r.headers {
        assert!(!name.is_empty() && name.iter().all(|&b| reference::is_tchar(b)));
        assert!(!value.starts_with(b" ") && !value.starts_with(b"\t"));
        assert!(!value.ends_with(b" ") && !value.ends_with(b"\t"));
        assert!(!value.iter().any(|&b| b == b'\r' || b == b'\n'));
    }

    // Canonical form: the same response again.
    let mut canon = format!("HTTP/1.{} {}", r.version_minor, r.status).into_bytes();
    if !r.reason.is_empty() {
        canon.push(b' ');
        canon.extend_from_slice(&r.reason);
    }
    canon.extend_from_slice(b"\r\n");
    for (name, value) in &r.headers {
        canon.extend_from_slice(name);
        canon.extend_from_slice(b": ");
        canon.extend_from_slice(value);
        canon.extend_from_slice(b"\r\n");
    }
    canon.extend_from_slice(b"\r\n");
    let head_len = canon.len();
    canon.extend_from_slice(&r.body);
    let mut q = ResponseParser::<H, B, N>::new();
    match feed_response(&mut q, &canon, Chunks::WHOLE, true) {
        RespOutcome::Done(c) => {
            assert_eq!(c.head, &canon[..head_len]);
            assert_eq!(
                (
                    c.version_minor,
                    c.status,
                    &c.reason,
                    c.content_length,
                    &c.headers,
                    &c.body
                ),
                (
                    r.version_minor,
                    r.status,
                    &r.reason,
                    r.content_length,
                    &r.headers,
                    &r.body
                ),
                "canonical form {:?}",
                String::from_utf8_lossy(&canon)
            );
        }
        RespOutcome::Failed(HttpError::HeadTooLarge) if head_len > H => {}
        other => panic!(
            "canonical form {:?} gave {other:?}",
            String::from_utf8_lossy(&canon)
        ),
    }
}

/// Fuzz target: the client's response parser.
pub fn response(data: &[u8]) {
    let Some((&ctl, input)) = data.split_first() else {
        return;
    };
    let chunks = Chunks::from_byte(ctl);
    // The client's shape (room for the book's answers) and a tiny one.
    response_with::<1024, 512, 16>(input, chunks);
    response_with::<64, 16, 2>(input, chunks);
}

// ---------------------------------------------------------------- percent

/// Fuzz target: the percent decoder.
pub fn percent(data: &[u8]) {
    let mut buf = data.to_vec();
    let got = percent_decode_in_place(&mut buf).map(|n| buf[..n].to_vec());
    let want = reference::percent_decode(data).ok_or(HttpError::InvalidTarget);
    assert_eq!(got, want, "disagrees with the reference decoder");
    let Ok(decoded) = got else {
        assert!(data.contains(&b'%'), "an input without % cannot be invalid");
        return;
    };
    assert!(decoded.len() <= data.len());
    if !data.contains(&b'%') {
        assert_eq!(decoded, data);
    }
    let encoded = reference::percent_encode(&decoded);
    let mut buf = encoded.clone().into_bytes();
    let n = percent_decode_in_place(&mut buf).expect("an encoded string decodes");
    assert_eq!(&buf[..n], &decoded[..], "encode then decode: {encoded:?}");
}

// ----------------------------------------------------------- fault script

/// Fuzz target: the `BITWAKE_FAULTS` script parser.
pub fn fault_script(data: &[u8]) {
    let mut rules = [Rule::halve(0); MAX_RULES];
    let got = parse_spec(data, &mut rules);

    // Rule by rule: the first bad rule is reported, else too many rules.
    let items: Vec<&[u8]> = data
        .split(|&b| b == b',')
        .filter(|t| !t.is_empty())
        .collect();
    let mut want = Ok(items.len());
    for (i, item) in items.iter().enumerate() {
        if parse_rule(item).is_none() {
            want = Err(SpecError::BadRule(i));
            break;
        }
        if i >= MAX_RULES {
            want = Err(SpecError::TooLong);
            break;
        }
    }
    assert_eq!(got, want, "parse_spec disagrees with its rules");

    for (i, item) in items.iter().enumerate() {
        let Some(rule) = parse_rule(item) else {
            // A bad rule never has a known syscall name and a colon with a
            // valid action: at least one piece is wrong.
            continue;
        };
        if let Ok(n) = got {
            assert!(n <= MAX_RULES);
            assert_eq!(rules[i], rule, "rule {i} stored differently");
        }
        let text = rule.to_string();
        assert_eq!(
            parse_rule(text.as_bytes()),
            Some(rule),
            "{:?} prints as {text:?}",
            String::from_utf8_lossy(item)
        );
        assert!(!text.contains(','), "a printed rule must stay one item");
    }
}
