//! A delay server on tokio current_thread (the peer reference for C10k):
//! `GET /{ms}/{message}` is answered with `message` after `ms` milliseconds,
//! in the same HTTP/1.1 form as bitwake's delay server, then closed.
//!
//! With `WORKERS` > 0 it runs on a multi_thread runtime of that many workers
//! (the counterpart of bitwake's `delayserver --threads N`).
//!
//! `delay_tokio PORT [WORKERS]`

use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn parse(head: &[u8]) -> Option<(u64, String)> {
    let line = std::str::from_utf8(head).ok()?.lines().next()?;
    let path = line.strip_prefix("GET /")?.split(' ').next()?;
    let (ms, msg) = path.split_once('/')?;
    Some((ms.parse().ok()?, msg.to_owned()))
}

fn main() {
    let port: u16 = bench_net::arg(1, 8080);
    bench_net::raise_nofile(20_000);
    let rt = bench_net::tokio_runtime(bench_net::arg(2, 0));
    rt.block_on(async move {
        let l = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                // EMFILE and friends: back off briefly, keep serving.
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                continue;
            };
            tokio::spawn(async move {
                let mut head = Vec::with_capacity(256);
                let mut buf = [0u8; 512];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                    if head.len() > 8192 {
                        return;
                    }
                }
                let Some((ms, msg)) = parse(&head) else {
                    let _ = s
                        .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                        .await;
                    return;
                };
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\n\r\n{msg}",
                    msg.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    });
}
