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
use bitwake::executor::{JoinHandle, Rejected};
use bitwake::net::TcpStream;
use bitwake::println;
use bitwake::sys;
use bitwake::{block_on, try_spawn};
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

/// Spawns the connection task in the first pool with room; gives the stream
/// back when every pool is full (the caller answers `503` on it).
fn start_connection(stream: TcpStream) -> Result<(), TcpStream> {
    // (Each task function's token has its own type: one call per pool.)
    let Some(stream) = given_back(try_spawn(conn_a(stream))) else {
        return Ok(());
    };
    let Some(stream) = given_back(try_spawn(conn_b(stream))) else {
        return Ok(());
    };
    given_back(try_spawn(conn_c(stream))).map_or(Ok(()), Err)
}

/// The stream a full pool handed back; `None` when a task took it (it runs
/// detached: dropping the handle lets its slot free itself when it ends) or
/// when it closed with a task refused after it was built.
fn given_back(spawned: Result<JoinHandle<()>, Rejected<(TcpStream,)>>) -> Option<TcpStream> {
    spawned.err()?.args.map(|(stream,)| stream)
}

macro_rules! connection_pools {
    ($($name:ident),*) => {$(
        bitwake::task! {
            pool_size = 4096;
            async fn $name(stream: TcpStream) {
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
