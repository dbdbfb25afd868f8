//! The book's chapter-10 demo, freestanding: `block_on(async_main(http))`
//! makes two `http.get` requests one after the other (≈ 600 + 400 ms), then
//! a concurrent round that shows the total time is the longest delay, not
//! the sum. Usage: `demo [--timeout SECONDS] [IP:PORT]` (default
//! 127.0.0.1:8080, the delay server; 10 s per request); `http` is the client
//! for that server. Any failure — no answer in time, a status other than
//! 2xx, a broken connection — ends the program with status 1 and a message
//! naming the server, the path and what happened.
#![no_std]
#![no_main]

use bitwake::block_on;
use bitwake::time::{Duration, Instant};
use bitwake::{eprintln, print, println};
use bitwake_http::{GetError, Http, HttpResponse};

bitwake::main!(main);

fn main() -> i32 {
    let mut arg: &[u8] = b"127.0.0.1:8080";
    let mut limit = bitwake_http::DEFAULT_TIMEOUT;
    let mut args = bitwake::rt::args().skip(1);
    while let Some(a) = args.next() {
        if a != b"--timeout" {
            arg = a;
            continue;
        }
        match args.next().and_then(seconds) {
            Some(secs) => limit = Duration::from_secs(secs),
            None => {
                eprintln!("demo: --timeout needs a number of seconds");
                return 2;
            }
        }
    }
    let addr = match core::str::from_utf8(arg)
        .ok()
        .and_then(|s| bitwake::net::parse_addr(s).ok())
    {
        Some(a) => a,
        None => {
            eprintln!(
                "demo: bad server address {:?}: expected IP:PORT, e.g. 127.0.0.1:8080",
                Bytes(arg)
            );
            return 2;
        }
    };
    let http = Http::new(addr).with_timeout(limit);
    match block_on(async_main(http)) {
        Ok(()) => 0,
        Err(Failed(path, why)) => {
            eprintln!("demo: GET http://{}{path}: {why}", Bytes(arg));
            1
        }
    }
}

/// A decimal number of seconds (digits only, at most a day).
fn seconds(s: &[u8]) -> Option<u64> {
    let mut n = 0u64;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
        if n > 86_400 {
            return None;
        }
    }
    (!s.is_empty()).then_some(n)
}

/// A request that failed: its path and what happened.
struct Failed(&'static str, Why);

enum Why {
    Get(GetError),
    Status(u16),
    NotRun,
}

impl core::fmt::Display for Why {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Why::Get(e) => core::fmt::Display::fmt(e, f),
            Why::Status(s) => write!(f, "the server answered {} (not 2xx)", u64::from(*s)),
            Why::NotRun => f.write_str("its task did not run to the end"),
        }
    }
}

/// `GET path`, failing on any status other than 2xx.
async fn get(http: Http, path: &'static str) -> Result<HttpResponse, Failed> {
    match http.get(path).await {
        Ok(r) if (200..300).contains(&r.status()) => Ok(r),
        Ok(r) => Err(Failed(path, Why::Status(r.status()))),
        Err(e) => Err(Failed(path, Why::Get(e))),
    }
}

async fn async_main(http: Http) -> Result<(), Failed> {
    println!("Program starting");
    let start = Instant::now();
    // One after the other; a loop, so the program has one await point for
    // both requests instead of two (a smaller state machine).
    for path in ["/600/HelloAsyncAwait", "/400/HelloAsyncAwait"] {
        let txt = get(http, path).await?;
        show(&txt);
    }
    println!(
        "sequential round: {} ms (600 + 400 ms of server delay)",
        start.elapsed().as_millis() as u64
    );

    // The concurrent round: every request is its own task; they wait on the
    // server at the same time, so the round takes as long as the slowest.
    const PATHS: [&str; 5] = [
        "/500/one",
        "/300/two",
        "/700/three",
        "/200/four",
        "/400/five",
    ];
    let start = Instant::now();
    let handles = PATHS.map(|path| match bitwake::spawn(fetch(http, path, start)) {
        Ok(h) => Some(h),
        Err(e) => {
            eprintln!("demo: cannot spawn {path}: {e}");
            None
        }
    });
    let mut failed = None;
    for (h, path) in handles.into_iter().zip(PATHS) {
        let done = match h {
            Some(h) => h.await,
            None => Ok(Err(Failed(path, Why::NotRun))),
        };
        match done {
            Ok(Ok(ms)) => println!("  {path:<11} -> done at {ms} ms"),
            Ok(Err(e)) => failed = Some(e),
            Err(_) => failed = Some(Failed(path, Why::NotRun)),
        }
    }
    println!(
        "concurrent round: {} ms for 5 requests of 200..700 ms (sum 2100 ms)",
        start.elapsed().as_millis() as u64
    );
    match failed {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

bitwake::task! {
    pool_size = 5;
    /// One request of the concurrent round; returns when it finished, in ms
    /// since the round started.
    async fn fetch(http: Http, path: &'static str, round_start: Instant) -> Result<u64, Failed> {
        let r = get(http, path).await?;
        // The status as u64: the one integer type this program formats, so
        // it carries one integer `Display` instead of two.
        println!("  {path:<11} -> {} {}", u64::from(r.status()), r.text().unwrap_or("<binary>"));
        Ok(round_start.elapsed().as_millis() as u64)
    }
}

/// Prints a response the way the book does: head, then body.
fn show(r: &HttpResponse) {
    print!("{}", Bytes(r.head()));
    println!("{}", Bytes(r.body()));
}

/// Prints bytes as text, replacing what is not UTF-8.
struct Bytes<'a>(&'a [u8]);

impl core::fmt::Display for Bytes<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // What `utf8_chunks` does (one U+FFFD per invalid sequence), on
        // `from_utf8`, which the program has anyway (smaller than bringing
        // in `Utf8Chunks`).
        let mut rest = self.0;
        loop {
            match core::str::from_utf8(rest) {
                Ok(s) => return f.write_str(s),
                Err(e) => {
                    let (valid, bad) = rest.split_at_checked(e.valid_up_to()).unwrap_or_default();
                    f.write_str(core::str::from_utf8(valid).unwrap_or_default())?;
                    f.write_str("\u{fffd}")?;
                    // `None`: the input ends inside a sequence; that tail is
                    // the last invalid sequence.
                    rest = bad
                        .get(e.error_len().unwrap_or(bad.len())..)
                        .unwrap_or_default();
                }
            }
        }
    }
}

impl core::fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "\"{self}\"")
    }
}
