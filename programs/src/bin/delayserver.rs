//! The book's delay server, freestanding: `GET /{delay_ms}/{message}` is
//! answered `200 OK` with `message` as the body after `delay_ms`; each
//! request logs `#{n} - {delay}ms: {message}`. Usage:
//! `delayserver [--grace SECONDS] [--max-connections N] [IP:PORT]`
//! (default 127.0.0.1:8080, grace 5 s, as many connections as the pools hold).
//!
//! Every connection is a task in a static pool (25 pools of 4096: 102,400
//! connections at once, no heap; the fd limit is raised to its hard limit). When they are all taken, a new connection
//! is answered `503` and closed, and the server keeps serving. Garbage, half
//! requests and early disconnects end only their own connection: a request
//! must arrive within 10 s, a bad one gets `400`. A client that leaves
//! during its delay frees its slot at once.
//!
//! The log goes through a bounded buffer written by a task of its own: a
//! slow stdout costs log lines (counted), never the server.
//!
//! SIGTERM or SIGINT stops accepting (new clients are refused), lets the
//! requests in flight finish for up to the grace period, then exits 0; a
//! second signal exits at once with 128 + its number.
#![no_std]
#![no_main]

#[path = "../delay.rs"]
mod delay;

use bitwake::executor::{Either, select};
use bitwake::executor::{JoinHandle, Rejected};
use bitwake::net::{SocketAddrV4, TcpListener, TcpStream};
use bitwake::signal::Signals;
use bitwake::sync::Notify;
use bitwake::sys;
use bitwake::time::{Duration, Instant, sleep, sleep_until};
use bitwake::{block_on, eprintln, println, spawn, try_spawn};
use core::sync::atomic::{AtomicU64, Ordering};
use delay::LOG;

bitwake::main!(main);

static REQUESTS: AtomicU64 = AtomicU64::new(0);

fn main() -> i32 {
    let Some((addr, grace)) = parse_args() else {
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
    let signals = match Signals::new(&[sys::SIGTERM, sys::SIGINT]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("delayserver: cannot catch SIGTERM/SIGINT: {e}");
            return 1;
        }
    };
    println!(
        "Delay server listening on {}",
        listener.local_addr().unwrap_or(addr)
    );
    block_on(run(listener, signals, grace))
}

/// `[--grace SECONDS] [IP:PORT]`; a bad one is reported on stderr.
fn parse_args() -> Option<(SocketAddrV4, Duration)> {
    let mut addr = None;
    let mut grace = Duration::from_secs(5);
    let mut args = bitwake::rt::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == b"--grace" {
            let secs = args
                .next()
                .and_then(|s| core::str::from_utf8(s).ok())
                .and_then(|s| s.parse::<u64>().ok());
            let Some(secs) = secs else {
                eprintln!("delayserver: --grace needs a number of seconds");
                return None;
            };
            grace = Duration::from_secs(secs);
            continue;
        }
        if arg == b"--max-connections" {
            let n = args
                .next()
                .and_then(|s| core::str::from_utf8(s).ok())
                .and_then(|s| s.parse::<u64>().ok());
            let Some(n) = n else {
                eprintln!("delayserver: --max-connections needs a number");
                return None;
            };
            MAX_CONNECTIONS.store(n, Ordering::Relaxed);
            continue;
        }
        let parsed = core::str::from_utf8(arg)
            .ok()
            .and_then(|s| bitwake::net::parse_addr(s).ok());
        match parsed {
            Some(a) if addr.is_none() => addr = Some(a),
            _ => {
                eprintln!(
                    "delayserver: bad address {:?}: expected IP:PORT, e.g. 127.0.0.1:8080 \
                     (usage: delayserver [--grace SECONDS] [--max-connections N] [IP:PORT])",
                    core::str::from_utf8(arg)
                );
                return None;
            }
        }
    }
    let addr = addr.unwrap_or(SocketAddrV4::new([127, 0, 0, 1].into(), 8080));
    Some((addr, grace))
}

/// Serves until the first signal, then drains (see the module docs);
/// returns the exit status.
async fn run(listener: TcpListener, mut signals: Signals, grace: Duration) -> i32 {
    let _ = spawn(write_logs());
    let first = match select(delay::serve(&listener, start_connection), signals.recv()).await {
        Either::Left(()) => return 1,
        Either::Right(sig) => sig,
    };
    // Stop accepting: connections still in the backlog are refused.
    drop(listener);
    let deadline = Instant::now() + grace;
    LOG.line(format_args!(
        "delayserver: {} received, stopping: {} connections in flight, {} s grace",
        signal_name(first),
        live(),
        grace.as_secs()
    ));
    loop {
        let in_flight = live();
        if in_flight == 0 {
            break;
        }
        let waited = select(
            ENDED.notified(),
            select(sleep_until(deadline), signals.recv()),
        )
        .await;
        match waited {
            Either::Left(()) => {}
            Either::Right(Either::Left(())) => {
                LOG.line(format_args!(
                    "delayserver: grace period over, {in_flight} connections cut"
                ));
                break;
            }
            Either::Right(Either::Right(sig)) => {
                LOG.line(format_args!(
                    "delayserver: second signal ({}), exiting now",
                    signal_name(sig)
                ));
                flush_log().await;
                return 128 + sig.map_or(0, |s| s as i32);
            }
        }
    }
    LOG.line(format_args!(
        "delayserver: stopped after {} requests",
        REQUESTS.load(Ordering::Relaxed)
    ));
    flush_log().await;
    0
}

fn signal_name(sig: Result<u32, bitwake::io::Error>) -> &'static str {
    match sig {
        Ok(sys::SIGTERM) => "SIGTERM",
        Ok(sys::SIGINT) => "SIGINT",
        _ => "a signal",
    }
}

/// Gives the log writer a moment (at most 200 ms) to write what is left.
async fn flush_log() {
    let start = Instant::now();
    while LOG.pending() > 0 && start.elapsed() < Duration::from_millis(200) {
        sleep(Duration::from_millis(1)).await;
    }
}

bitwake::task! {
    pool_size = 1;
    async fn write_logs() {
        delay::write_logs().await;
    }
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

/// Connections alive (incremented when a task takes one, decremented when
/// it ends): the `--max-connections` limit and the shutdown drain read it.
static LIVE: AtomicU64 = AtomicU64::new(0);
/// Connections served at once (`--max-connections`, at most what the pools
/// hold); beyond it, clients get `503`.
static MAX_CONNECTIONS: AtomicU64 = AtomicU64::new(u64::MAX);
/// Notified whenever a connection task ends (for the shutdown drain).
static ENDED: Notify = Notify::new();

/// Connections alive in all pools.
fn live() -> u64 {
    LIVE.load(Ordering::Relaxed)
}

/// Spawns the connection task in the first pool with room; gives the stream
/// back when every pool is full or the limit is reached (the caller answers
/// `503` on it).
fn start_connection(stream: TcpStream) -> Result<(), TcpStream> {
    if live() >= MAX_CONNECTIONS.load(Ordering::Relaxed) {
        return Err(stream);
    }
    // The count travels with the stream: a pool that refuses hands both back,
    // and however a task ends (or is dropped unpolled) the guard's drop
    // uncounts it. Pools are offered in order, so the lowest fill first and
    // a server touches memory for the connections it has had at once.
    let mut args = (stream, Live::new());
    for pool in 0..POOLS {
        match offer(pool, args) {
            None => return Ok(()),
            Some(back) => args = back,
        }
    }
    Err(args.0)
}

/// What a full pool handed back; `None` when a task took it (it runs
/// detached: dropping the handle lets its slot free itself when it ends) or
/// when it was dropped with a task refused after it was built.
fn given_back(
    spawned: Result<JoinHandle<()>, Rejected<(TcpStream, Live)>>,
) -> Option<(TcpStream, Live)> {
    spawned.err()?.args
}

/// Counts a connection from the moment it is offered to a pool until its
/// task ends, however it ends.
struct Live;

impl Live {
    fn new() -> Self {
        LIVE.fetch_add(1, Ordering::Relaxed);
        Live
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
        ENDED.notify_one();
    }
}

/// The connection pools, `4096` tasks each, and `offer(pool, args)`
/// (each task function's token has its own type: one arm per pool).
macro_rules! connection_pools {
    ($($index:literal => $name:ident),* $(,)?) => {
        $(bitwake::task! {
            pool_size = 4096;
            async fn $name(stream: TcpStream, live: Live) {
                delay::handle(stream, log).await;
                drop(live);
            }
        })*
        const POOLS: usize = [$($index),*].len();
        /// Offers the connection to pool `pool`: `None` if a task took it,
        /// else what the full pool handed back.
        fn offer(pool: usize, args: (TcpStream, Live)) -> Option<(TcpStream, Live)> {
            match pool {
                $($index => given_back(try_spawn($name(args.0, args.1))),)*
                _ => Some(args),
            }
        }
    };
}
// 25 x 4096 = 102,400 connections at once (C100k). Unused slots are
// untouched `.bss`: they cost address space, not memory.
connection_pools!(
    0 => conn_0, 1 => conn_1, 2 => conn_2, 3 => conn_3, 4 => conn_4,
    5 => conn_5, 6 => conn_6, 7 => conn_7, 8 => conn_8, 9 => conn_9,
    10 => conn_10, 11 => conn_11, 12 => conn_12, 13 => conn_13, 14 => conn_14,
    15 => conn_15, 16 => conn_16, 17 => conn_17, 18 => conn_18, 19 => conn_19,
    20 => conn_20, 21 => conn_21, 22 => conn_22, 23 => conn_23, 24 => conn_24,
);

/// Logs each request the way the book's server prints it.
fn log(delay_ms: u64, message: &str) {
    let n = REQUESTS.fetch_add(1, Ordering::Relaxed) + 1;
    LOG.line(format_args!("#{n} - {delay_ms}ms: {message}"));
}
