//! bitwake's echo server for the echo scenario: freestanding (no std, no
//! libc), one task per connection from a static pool, each doing `read`
//! then `write_all` — the same shape as the tokio server next to it.
//!
//! `bitwake_echo PORT [--threads N]`
//!
//! With `--threads N` (2 to 4) it runs thread-per-core (`rt::cores`, pinned
//! when there are N CPUs): every core binds its own listener to the port
//! with `SO_REUSEPORT`, accepts its share of the connections and serves them
//! in its own pool, through its own reactor.
#![no_std]
#![no_main]

use bitwake::eprintln;
use bitwake::executor::{Executor, SpawnError};
use bitwake::net::{TcpListener, TcpStream};
use bitwake::rt::cores::{self, Cores};
use bitwake::time::{Duration, sleep};
use core::net::{Ipv4Addr, SocketAddrV4};

bitwake::main!(main);

/// The most cores `--threads` takes.
const MAX_THREADS: usize = 4;

/// Connections at once per pool (the benchmark uses at most 256); pool `p`
/// serves core `p mod N`.
const CONNS: usize = 512;

macro_rules! connection_pools {
    ($($index:literal => $name:ident),* $(,)?) => {
        $(bitwake::task! {
            pool_size = CONNS;
            async fn $name(stream: TcpStream) {
                echo(stream).await;
            }
        })*
        /// Starts the connection's task in pool `pool` of `executor`.
        fn offer(executor: &'static Executor, pool: usize, stream: TcpStream) -> Result<(), SpawnError> {
            match pool {
                // Detached: dropping the handle frees the slot when it ends.
                $($index => executor.spawn($name(stream)).map(drop),)*
                _ => Err(SpawnError::Full),
            }
        }
    };
}
connection_pools!(0 => conn_0, 1 => conn_1, 2 => conn_2, 3 => conn_3);

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

/// Accepts forever, each connection into this core's first pool with room.
async fn serve(listener: TcpListener) {
    let core = cores::current().unwrap_or(0);
    let n = cores::count().max(1);
    let Some(executor) = cores::executor(core) else {
        return;
    };
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let mut stream = Some(stream);
                for pool in (core..MAX_THREADS).step_by(n) {
                    if let Some(s) = stream.take()
                        && offer(executor, pool, s).is_ok()
                    {
                        break;
                    }
                }
            }
            Err(_) => {
                let _ = sleep(Duration::from_millis(1)).await;
            }
        }
    }
}

macro_rules! acceptors {
    ($($core:literal => $name:ident),* $(,)?) => {
        $(bitwake::task! {
            pool_size = 1;
            async fn $name(addr: SocketAddrV4) {
                match TcpListener::bind_reuse_port(addr) {
                    Ok(l) => serve(l).await,
                    Err(e) => eprintln!("bitwake_echo: core {}: cannot listen: {e}", $core),
                }
            }
        })*
        fn spawn_acceptor(core: usize, addr: SocketAddrV4) -> Result<(), SpawnError> {
            match core {
                $($core => cores::spawn_on(core, $name(addr)).map(drop),)*
                _ => Err(SpawnError::NoSuchCore),
            }
        }
    };
}
acceptors!(1 => accept_1, 2 => accept_2, 3 => accept_3);

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
            if let Err(e) = spawn_acceptor(core, addr) {
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
