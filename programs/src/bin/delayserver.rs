//! The book's delay server, freestanding: `GET /{delay_ms}/{message}` is
//! answered `200 OK` with `message` as the body after `delay_ms`; each
//! request logs `#{n} - {delay}ms: {message}`. Usage:
//! `delayserver [IP:PORT] [--threads N] [--grace SECONDS] [--max-connections N]`
//! in any order (default 127.0.0.1:8080, one thread, grace 5 s, as many
//! connections as the pools hold).
//!
//! Every connection is a task in a static pool (25 pools of 4096: 102,400
//! connections at once, no heap; the fd limit is raised to its hard limit).
//! When they are all taken (or `--max-connections` are open), a new
//! connection is answered `503` and closed, and the server keeps serving.
//!
//! With `--threads N` (up to 16) the server runs thread-per-core
//! (`bitwake::rt::cores`): each core binds its own listener to the address
//! with `SO_REUSEPORT`, so the kernel spreads new connections over the cores,
//! and each core accepts and serves its connections in its own pools (pool
//! `p` belongs to core `p mod N`) and its own reactor. The limit, the log and
//! the shutdown below cover all cores; request numbers are unique, though
//! lines logged by different cores at the same moment may come out a place
//! or two apart. Garbage, half
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

use bitwake::executor::{Either, Executor, select};
use bitwake::executor::{JoinHandle, Rejected};
use bitwake::net::{SocketAddrV4, TcpListener, TcpStream};
use bitwake::rt::cores::{self, Cores, MAX_CORES};
use bitwake::signal::Signals;
use bitwake::sync::{Notify, Signal};
use bitwake::sys;
use bitwake::time::{Duration, Instant, sleep, sleep_until};
use bitwake::{block_on, eprintln, println, spawn};
use core::sync::atomic::{AtomicU64, Ordering};
use delay::LOG;

bitwake::main!(main);

static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// The usage line, printed with every complaint about the arguments.
const USAGE: &str =
    "usage: delayserver [IP:PORT] [--threads N] [--grace SECONDS] [--max-connections N]";

/// What the command line asked for.
struct Options {
    addr: SocketAddrV4,
    grace: Duration,
    threads: usize,
}

fn main() -> i32 {
    let Some(opts) = parse_args() else {
        return 2;
    };
    raise_fd_limit();
    // With several cores every listener needs SO_REUSEPORT, this one too
    // (the kernel refuses to mix), and it binds first so that port 0 picks
    // the port the others then join.
    let bound = if opts.threads > 1 {
        TcpListener::bind_reuse_port(opts.addr)
    } else {
        TcpListener::bind(opts.addr)
    };
    let listener = match bound {
        Ok(l) => l,
        Err(e) => {
            eprintln!("delayserver: cannot listen on {}: {e}", opts.addr);
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
    let addr = listener.local_addr().unwrap_or(opts.addr);
    if opts.threads == 1 {
        println!("Delay server listening on {addr}");
        return block_on(run(listener, signals, opts.grace, 1));
    }
    // Pinned when there is a CPU for every core; else the kernel places
    // the threads.
    let pinned = bitwake::thread::available_cpus().is_ok_and(|c| c.count() >= opts.threads);
    let server = async {
        if let Err(code) = start_other_cores(opts.threads, addr).await {
            return code;
        }
        println!("Delay server listening on {addr}");
        run(listener, signals, opts.grace, opts.threads).await
    };
    match Cores::new(opts.threads).pinned(pinned).run(server) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("delayserver: cannot start {} threads: {e}", opts.threads);
            1
        }
    }
}

/// The number after a flag, or why not (on stderr, with the usage).
fn number(flag: &str, value: Option<&[u8]>, max: u64) -> Option<u64> {
    let n = value
        .and_then(|s| core::str::from_utf8(s).ok())
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|&n| n <= max);
    if n.is_none() {
        eprintln!("delayserver: {flag} needs a number up to {max} ({USAGE})");
    }
    n
}

/// `[IP:PORT] [--threads N] [--grace SECONDS] [--max-connections N]` in any
/// order; a bad one is reported on stderr.
fn parse_args() -> Option<Options> {
    let mut addr = None;
    let mut grace = Duration::from_secs(5);
    let mut threads = 1;
    let mut args = bitwake::rt::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == b"--threads" {
            match number("--threads", args.next(), MAX_CORES as u64)? {
                0 => {
                    eprintln!("delayserver: --threads needs at least 1 ({USAGE})");
                    return None;
                }
                n => threads = n as usize,
            }
            continue;
        }
        if arg == b"--grace" {
            // A day at most: the deadline is an `Instant` sum.
            grace = Duration::from_secs(number("--grace", args.next(), 86_400)?);
            continue;
        }
        if arg == b"--max-connections" {
            let n = number("--max-connections", args.next(), u64::MAX)?;
            MAX_CONNECTIONS.store(n, Ordering::Relaxed);
            continue;
        }
        if arg.starts_with(b"--") {
            eprintln!(
                "delayserver: unknown flag {:?} ({USAGE})",
                core::str::from_utf8(arg).unwrap_or("(not UTF-8)")
            );
            return None;
        }
        let parsed = core::str::from_utf8(arg)
            .ok()
            .and_then(|s| bitwake::net::parse_addr(s).ok());
        match parsed {
            Some(a) if addr.is_none() => addr = Some(a),
            Some(_) => {
                eprintln!("delayserver: one address only ({USAGE})");
                return None;
            }
            None => {
                eprintln!(
                    "delayserver: bad address {:?}: expected IP:PORT, e.g. 127.0.0.1:8080, \
                     or a flag ({USAGE})",
                    core::str::from_utf8(arg).unwrap_or("(not UTF-8)")
                );
                return None;
            }
        }
    }
    let addr = addr.unwrap_or(SocketAddrV4::new([127, 0, 0, 1].into(), 8080));
    Some(Options {
        addr,
        grace,
        threads,
    })
}

/// Serves until the first signal, then drains (see the module docs);
/// returns the exit status. With `threads > 1` it runs on core 0, whose
/// listener is `listener`; the other cores' acceptors are already running.
async fn run(listener: TcpListener, mut signals: Signals, grace: Duration, threads: usize) -> i32 {
    let _ = spawn(write_logs());
    let first = match select(delay::serve(&listener, start_connection), signals.recv()).await {
        Either::Left(()) => return 1,
        Either::Right(sig) => sig,
    };
    // Stop accepting on every core: connections still in a backlog are
    // refused.
    drop(listener);
    stop_other_cores(threads).await;
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
    if threads > 1 {
        LOG.line(format_args!(
            "delayserver: connections accepted per core: {}",
            PerCore(threads)
        ));
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

/// Reports each other core's listener: bound, or why not.
static BOUND: [Signal<Result<(), bitwake::io::Error>>; MAX_CORES] =
    [const { Signal::new() }; MAX_CORES];
/// Tells each other core to close its listener.
static STOP_ACCEPTING: [Signal<()>; MAX_CORES] = [const { Signal::new() }; MAX_CORES];
/// Connections each core accepted (503s included).
static ACCEPTED: [AtomicU64; MAX_CORES] = [const { AtomicU64::new(0) }; MAX_CORES];

/// Starts the acceptor of cores `1..threads` and waits until each has bound
/// its listener; on a failure, says why and gives the exit status.
async fn start_other_cores(threads: usize, addr: SocketAddrV4) -> Result<(), i32> {
    for (core, bound) in BOUND.iter().enumerate().take(threads).skip(1) {
        if let Err(e) = cores::spawn_on(core, accept_here(core, addr)) {
            eprintln!("delayserver: cannot start core {core}'s acceptor: {e:?}");
            return Err(1);
        }
        if let Err(e) = bound.wait().await {
            eprintln!("delayserver: cannot listen on {addr} on core {core}: {e}");
            return Err(1);
        }
    }
    Ok(())
}

/// Has cores `1..threads` close their listeners, and waits until they have.
async fn stop_other_cores(threads: usize) {
    for stop in STOP_ACCEPTING.iter().take(threads).skip(1) {
        stop.signal(());
    }
    for bound in BOUND.iter().take(threads).skip(1) {
        // An acceptor reports once more when its listener is closed.
        let _ = bound.wait().await;
    }
}

bitwake::task! {
    pool_size = 1;
    // Cores 1.. run one each (core 0 serves its listener from `run`).
    cores = MAX_CORES - 1;
    /// A core's acceptor: binds its own listener (registered with this
    /// core's reactor) and serves until told to stop.
    async fn accept_here(core: usize, addr: SocketAddrV4) {
        let Some(bound) = BOUND.get(core) else {
            return;
        };
        let listener = match TcpListener::bind_reuse_port(addr) {
            Ok(l) => l,
            Err(e) => return bound.signal(Err(e)),
        };
        bound.signal(Ok(()));
        if let Some(stop) = STOP_ACCEPTING.get(core) {
            let _ = select(delay::serve(&listener, start_connection), stop.wait()).await;
        }
        drop(listener);
        bound.signal(Ok(()));
    }
}

/// The per-core accept counts of a run with this many cores, for the log.
struct PerCore(usize);

impl core::fmt::Display for PerCore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (core, n) in ACCEPTED.iter().take(self.0).enumerate() {
            let sep = if core == 0 { "" } else { ", " };
            write!(f, "{sep}core {core}: {}", n.load(Ordering::Relaxed))?;
        }
        Ok(())
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
    // This core's executor and its share of the pools: outside a
    // thread-per-core run, core 0 of 1 (the default executor, every pool).
    let core = cores::current().unwrap_or(0);
    let cores = cores::count().max(1);
    if let Some(n) = ACCEPTED.get(core) {
        n.fetch_add(1, Ordering::Relaxed);
    }
    let (Some(executor), Some(live)) = (cores::executor(core), Live::try_new()) else {
        return Err(stream);
    };
    // The count travels with the stream: a pool that refuses hands both back,
    // and however a task ends (or is dropped unpolled) the guard's drop
    // uncounts it. Pools are offered in order, so the lowest fill first and
    // a server touches memory for the connections it has had at once.
    let mut args = (stream, live);
    for pool in (core..POOLS).step_by(cores) {
        match offer(executor, pool, args) {
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
    /// Counts one more connection, unless `--max-connections` are open
    /// (exact across cores: the check and the count are one atomic step).
    fn try_new() -> Option<Self> {
        let max = MAX_CONNECTIONS.load(Ordering::Relaxed);
        LIVE.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
            (n < max).then_some(n + 1)
        })
        .ok()
        .map(|_| Live)
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
        /// Offers the connection to pool `pool` of `executor`: `None` if a
        /// task took it, else what the full pool handed back.
        fn offer(
            executor: &'static Executor,
            pool: usize,
            args: (TcpStream, Live),
        ) -> Option<(TcpStream, Live)> {
            match pool {
                $($index => given_back(executor.try_spawn($name(args.0, args.1))),)*
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
