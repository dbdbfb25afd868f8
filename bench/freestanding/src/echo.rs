//! bitwake's echo server for the echo scenario: freestanding (no std, no
//! libc), one task per connection from a static pool, each doing `read`
//! then `write_all` — the same shape as the tokio server next to it.
//!
//! `bitwake_echo PORT`
#![no_std]
#![no_main]

use bitwake::eprintln;
use bitwake::net::{TcpListener, TcpStream};
use bitwake::{block_on, spawn};
use bitwake::time::{Duration, sleep};
use core::net::{Ipv4Addr, SocketAddrV4};

bitwake::main!(main);

/// Connections at once (the benchmark uses at most 256).
const CONNS: usize = 1024;

bitwake::task! {
    pool_size = CONNS;
    async fn connection(stream: TcpStream) {
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
}

fn parse_port(arg: &[u8]) -> Option<u16> {
    core::str::from_utf8(arg).ok()?.parse().ok()
}

fn main() -> i32 {
    let Some(port) = bitwake::rt::args().nth(1).and_then(parse_port) else {
        eprintln!("usage: bitwake_echo PORT");
        return 2;
    };
    let listener = match TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bitwake_echo: cannot listen on port {port}: {e}");
            return 1;
        }
    };
    block_on(async move {
        loop {
            match listener.accept().await {
                // Detached: dropping the handle frees the slot when it ends.
                Ok((stream, _)) => drop(spawn(connection(stream))),
                Err(_) => {
                    let _ = sleep(Duration::from_millis(1)).await;
                }
            }
        }
    })
}
