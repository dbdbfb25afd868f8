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

#[path = "../delay.rs"]
mod delay;

use bitwake::eprintln;
use bitwake::net::TcpStream;
use bitwake::println;
use bitwake::sys;
use bitwake::{block_on, spawn};
use core::sync::atomic::{AtomicU64, Ordering};

bitwake::main!(main);

static REQUESTS: AtomicU64 = AtomicU64::new(0);

fn main() -> i32 {
    let arg = bitwake::rt::args().nth(1).unwrap_or(b"127.0.0.1:8080");
    let Some(addr) = core::str::from_utf8(arg)
        .ok()
        .and_then(|s| bitwake::net::parse_addr(s).ok())
    else {
        eprintln!(
            "delayserver: bad address {:?}: expected IP:PORT, e.g. 127.0.0.1:8080",
            core::str::from_utf8(arg)
        );
        return 2;
    };
    raise_fd_limit();
    let listener = match bitwake::net::TcpListener::bind(addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("delayserver: cannot listen on {addr}: {e}");
            return 1;
        }
    };
    println!(
        "Delay server listening on {}",
        listener.local_addr().unwrap_or(addr)
    );
    block_on(delay::serve(&listener, start_connection));
    0
}

/// Lets the server hold as many connections as the hard limit allows.
fn raise_fd_limit() {
    if let Ok(lim) = sys::prlimit(sys::RLIMIT_NOFILE, None)
        && lim.cur < lim.max
    {
        let new = sys::Rlimit {
            cur: lim.max,
            max: lim.max,
        };
        let _ = sys::prlimit(sys::RLIMIT_NOFILE, Some(&new));
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
    let Some(pool) = LIVE
        .iter()
        .position(|n| n.load(Ordering::Relaxed) < POOL_SIZE)
    else {
        return Err(stream);
    };
    LIVE[pool].fetch_add(1, Ordering::Relaxed);
    // (Each task function's token has its own type: spawn in each arm.)
    let spawned = match pool {
        0 => spawn(conn_a(stream, pool)),
        1 => spawn(conn_b(stream, pool)),
        _ => spawn(conn_c(stream, pool)),
    };
    // Connections run detached: dropping the handle lets the slot free itself
    // when the task ends. If the pool was still full after all (a task that
    // just ended but has not released its slot yet), the token already closed
    // the stream: the client sees a closed connection, and we keep serving.
    if spawned.is_err() {
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
                delay::handle(stream, log).await;
            }
        }
    )*};
}
connection_pools!(conn_a, conn_b, conn_c);

/// Prints each request the way the book's server does.
fn log(delay_ms: u64, message: &str) {
    let n = REQUESTS.fetch_add(1, Ordering::Relaxed) + 1;
    println!("#{n} - {delay_ms}ms: {message}");
}
