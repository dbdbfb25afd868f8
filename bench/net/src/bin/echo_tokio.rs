//! tokio's echo server: current_thread runtime with `enable_all`, one task
//! per connection doing `read` then `write_all` with a 16 KiB buffer. With
//! `WORKERS` > 0 it runs on a multi_thread runtime of that many workers (the
//! counterpart of bitwake's `--threads N`).
//!
//! `echo_tokio PORT [WORKERS]`

use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn main() {
    let port: u16 = bench_net::arg(1, 39_002);
    let rt = bench_net::tokio_runtime(bench_net::arg(2, 0));
    rt.block_on(async move {
        let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                continue;
            };
            let _ = s.set_nodelay(true);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if s.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
}
