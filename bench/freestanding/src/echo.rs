//! bitwake's echo server for the echo scenario: freestanding (no std, no
//! libc), one task per connection from a static pool, each doing `read`
//! then `write_all` — the same shape as the tokio server next to it.
//!
//! `bitwake_echo PORT [--threads N]`
//!
//! With `--threads N` (2 to 4) it runs thread-per-core (`rt::cores`, pinned
//! when there are N CPUs): every core binds its own listener to the port
//! with `SO_REUSEPORT`, accepts its share of the connections and serves them
//! in its own pool (`cores = N` task functions), through its own reactor.
#![no_std]
#![no_main]

use bitwake::net::{TcpListener, TcpStream};
use bitwake::rt::cores::{self, Cores};
use bitwake::time::{Duration, sleep};
use bitwake::{eprintln, spawn};
use core::net::{Ipv4Addr, SocketAddrV4};

bitwake::main!(main);

/// The most cores `--threads` takes.
const MAX_THREADS: usize = 4;

/// Connections at once per core (the benchmark uses at most 256).
const CONNS: usize = 512;

bitwake::task! {
    pool_size = CONNS;
    // One pool per core: a core spawns into its own.
    cores = MAX_THREADS;
    async fn connection(stream: TcpStream) {
        echo(stream).await;
    }
}

async fn echo(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    // Messages are at most 1 KiB; a small buffer keeps the pool small.
    let mut buf = [0u8; 2048];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if stream.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Accepts forever, each connection a task on this core.
async fn serve(listener: TcpListener) {
    loop {
        match listener.accept().await {
            // Detached: dropping the handle frees the slot when it ends.
            // `spawn` starts it on the core running this code.
            Ok((stream, _)) => drop(spawn(connection(stream))),
            Err(_) => {
                let _ = sleep(Duration::from_millis(1)).await;
            }
        }
    }
}

bitwake::task! {
    pool_size = 1;
    // Cores 1.. run one each (core 0 serves its listener from `main`).
    cores = MAX_THREADS - 1;
    async fn accept_here(core: usize, addr: SocketAddrV4) {
        match TcpListener::bind_reuse_port(addr) {
            Ok(l) => serve(l).await,
            Err(e) => eprintln!("bitwake_echo: core {core}: cannot listen: {e}"),
        }
    }
}

/// A decimal argument.
fn number<T: core::str::FromStr>(arg: &[u8]) -> Option<T> {
    core::str::from_utf8(arg).ok()?.parse().ok()
}

/// `PORT [--threads N]`, in any order.
fn parse_args() -> Option<(u16, usize)> {
    let mut port = None;
    let mut threads = 1;
    let mut args = bitwake::rt::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == b"--threads" {
            threads = args
                .next()
                .and_then(number)
                .filter(|n| (1..=MAX_THREADS).contains(n))?;
        } else {
            port = Some(number(arg)?);
        }
    }
    Some((port?, threads))
}

fn main() -> i32 {
    let Some((port, threads)) = parse_args() else {
        eprintln!("usage: bitwake_echo PORT [--threads N] (N from 1 to {MAX_THREADS})");
        return 2;
    };
    let addr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
    let bound = if threads > 1 {
        TcpListener::bind_reuse_port(addr)
    } else {
        TcpListener::bind(addr)
    };
    let listener = match bound {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bitwake_echo: cannot listen on port {port}: {e}");
            return 1;
        }
    };
    if threads == 1 {
        bitwake::block_on(serve(listener));
        return 0;
    }
    let pinned = bitwake::thread::available_cpus().is_ok_and(|c| c.count() >= threads);
    let run = Cores::new(threads).pinned(pinned).run(async move {
        for core in 1..threads {
            if let Err(e) = cores::spawn_on(core, accept_here(core, addr)) {
                eprintln!("bitwake_echo: cannot start core {core}: {e:?}");
                return 1;
            }
        }
        serve(listener).await;
        0
    });
    run.unwrap_or_else(|e| {
        eprintln!("bitwake_echo: cannot start {threads} threads: {e}");
        1
    })
}
