//! The book's delay server, freestanding: `GET /{delay_ms}/{message}` is
//! answered `200 OK` with `message` as the body after `delay_ms`; each
//! request prints `#{n} - {delay}ms: {message}`. Usage:
//! `delayserver [IP:PORT]` (default 127.0.0.1:8080).
//!
//! Every connection is a task in a static pool (three pools of 4096: 12288
//! connections at once, no heap). When they are all taken, a new connection
//! is answered `503` and closed, and the server keeps serving. Garbage, half
//! requests and early disconnects end only their own connection: a request
//! must arrive within 10 s, a bad one gets `400`.
#![no_std]
#![no_main]

use bitwake::http::{BAD_REQUEST, RequestParser, format_ok};
use bitwake::io::Error;
use bitwake::net::{TcpListener, TcpStream};
use bitwake::rt::{block_on, spawn};
use bitwake::sys::{self, Errno};
use bitwake::time::{Duration, sleep, timeout};
use bitwake::{eprintln, println};
use core::sync::atomic::{AtomicU64, Ordering};

bitwake::main!(main);

/// Longest delay the server agrees to (longer requests get 400).
const MAX_DELAY_MS: u64 = 120_000;
/// How long a client may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const SERVICE_UNAVAILABLE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

static REQUESTS: AtomicU64 = AtomicU64::new(0);

fn main() -> i32 {
    let arg = bitwake::rt::args().nth(1).unwrap_or(b"127.0.0.1:8080");
    let Some(addr) = core::str::from_utf8(arg).ok().and_then(|s| bitwake::net::parse_addr(s).ok()) else {
        eprintln!("delayserver: bad address {:?}: expected IP:PORT, e.g. 127.0.0.1:8080", core::str::from_utf8(arg));
        return 2;
    };
    raise_fd_limit();
    let listener = match TcpListener::bind(addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("delayserver: cannot listen on {addr}: {e}");
            return 1;
        }
    };
    println!("Delay server listening on {}", listener.local_addr().unwrap_or(addr));
    block_on(serve(listener))
}

/// Lets the server hold as many connections as the hard limit allows.
fn raise_fd_limit() {
    if let Ok(lim) = sys::prlimit(sys::RLIMIT_NOFILE, None) {
        if lim.cur < lim.max {
            let _ = sys::prlimit(sys::RLIMIT_NOFILE, Some(&sys::Rlimit { cur: lim.max, max: lim.max }));
        }
    }
}

async fn serve(listener: TcpListener) -> i32 {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                if let Err(stream) = start_connection(stream) {
                    // Every slot is busy: say so and close; keep serving.
                    let _ = sys::send(stream.raw_fd(), SERVICE_UNAVAILABLE, sys::MSG_NOSIGNAL);
                }
            }
            // Out of fds or registrations: existing connections will free
            // some; back off briefly instead of spinning on accept.
            Err(Error::Os(Errno::EMFILE | Errno::ENFILE | Errno::ENOBUFS | Errno::ENOMEM)) | Err(Error::Capacity(_)) => {
                let _ = sleep(Duration::from_millis(10)).await;
            }
            Err(e) => {
                eprintln!("delayserver: accept failed: {e}");
                let _ = sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Connections alive per pool (incremented before spawning, decremented
/// when the connection task ends), so a full server is noticed *before* the
/// stream is handed to a task token (which would close it on failure).
static LIVE: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];
const POOL_SIZE: u64 = 4096;

/// Spawns the connection task in the first pool with room; gives the stream
/// back when every pool is full.
fn start_connection(stream: TcpStream) -> Result<(), TcpStream> {
    let Some(pool) = LIVE.iter().position(|n| n.load(Ordering::Relaxed) < POOL_SIZE) else {
        return Err(stream);
    };
    LIVE[pool].fetch_add(1, Ordering::Relaxed);
    let token = match pool {
        0 => conn_a(stream, pool),
        1 => conn_b(stream, pool),
        _ => conn_c(stream, pool),
    };
    // Connections run detached: dropping the handle lets the slot free itself
    // when the task ends. If the pool was still full after all (a task that
    // just ended but has not released its slot yet), the token already closed
    // the stream: the client sees a closed connection, and we keep serving.
    if spawn(token).is_err() {
        LIVE[pool].fetch_sub(1, Ordering::Relaxed);
    }
    Ok(())
}

/// Decrements the pool's live count however the task ends.
struct Live(usize);

impl Drop for Live {
    fn drop(&mut self) {
        LIVE[self.0].fetch_sub(1, Ordering::Relaxed);
    }
}

macro_rules! connection_pools {
    ($($name:ident),*) => {$(
        bitwake::task! {
            pool_size = 4096;
            async fn $name(stream: TcpStream, pool: usize) {
                let _live = Live(pool);
                handle(stream).await;
            }
        }
    )*};
}
connection_pools!(conn_a, conn_b, conn_c);

async fn handle(stream: TcpStream) {
    let mut parser = RequestParser::<512, 4096>::new();
    let read_request = async {
        let mut buf = [0u8; 512];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok::<bool, Error>(parser.finish().is_ok());
            }
            if parser.feed(&buf[..n]).is_err() {
                return Ok(false);
            }
            if parser.is_done() {
                return Ok(true);
            }
        }
    };
    let complete = match timeout(REQUEST_TIMEOUT, read_request).await {
        Ok(Ok(complete)) => complete,
        // A reset, a vanished peer or a silent client: nothing to answer.
        Ok(Err(_)) | Err(_) => return,
    };
    let request = match parser.request() {
        Some(r) if complete && r.delay_ms <= MAX_DELAY_MS => r,
        _ => {
            let _ = stream.write_all(BAD_REQUEST).await;
            return;
        }
    };
    let n = REQUESTS.fetch_add(1, Ordering::Relaxed) + 1;
    println!("#{n} - {}ms: {}", request.delay_ms, request.message);
    if sleep(Duration::from_millis(request.delay_ms)).await.is_err() {
        let _ = stream.write_all(SERVICE_UNAVAILABLE).await;
        return;
    }
    let mut out = [0u8; 768];
    match format_ok(request.message.as_bytes(), &mut out) {
        Ok(len) => {
            // The client may be gone by now (EPIPE/ECONNRESET): fine.
            let _ = stream.write_all(&out[..len]).await;
        }
        Err(_) => {
            let _ = stream.write_all(BAD_REQUEST).await;
        }
    }
}

