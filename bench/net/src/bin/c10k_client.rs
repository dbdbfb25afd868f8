//! C10k client: opens N connections to a delay server at once, each asks
//! for `GET /DELAY_MS/cN` and reads the answer to EOF. One epoll loop, no
//! threads. Bounded: gives up after LIMIT_S seconds.
//!
//! `c10k_client PORT N DELAY_MS SERVER_PID [LIMIT_S]` (LIMIT_S: 30 by
//! default). Connections come from 127.0.0.1, 127.0.0.2, ... (20,000 per
//! source address), so N may exceed one address's ephemeral ports (C100k).
//!
//! Reports the wall time from the first connect until the last answer,
//! answered and failed requests, the peak number of requests sent and not
//! yet answered (how many were delayed at once), the server's peak RSS
//! (`VmHWM`) and the CPU time of server and client during the run.

use bench_net::*;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq)]
enum St {
    Connecting,
    Reading,
    Done,
}

struct Conn {
    fd: i32,
    st: St,
    req: Vec<u8>,
    got: Vec<u8>,
}

fn main() -> std::io::Result<()> {
    let port: u16 = arg(1, 8080);
    let n: usize = arg(2, 10_000);
    let delay: u64 = arg(3, 1000);
    let server_pid: i32 = arg(4, 0);
    let limit_s: u64 = arg(5, 30);
    raise_nofile(n as u64 + 1024);
    let ep = epoll()?;
    let mut conns: Vec<Conn> = Vec::with_capacity(n);
    let mut failed = 0usize;
    let mut ok = 0usize;
    let mut latest = Duration::ZERO;
    let cpu0 = proc_cpu(server_pid).unwrap_or_default();
    let self0 = self_cpu();
    let t0 = Instant::now();
    for i in 0..n {
        // Source addresses 127.0.0.1.. (20,000 connections each).
        let src = 1 + (i / 20_000) as u8;
        let c = match connect_start_from(port, src) {
            Ok(fd) => fd,
            Err(_) => {
                failed += 1;
                continue;
            }
        };
        let idx = conns.len();
        conns.push(Conn {
            fd: c,
            st: St::Connecting,
            req: delay_request(delay, &format!("c{i}")).into_bytes(),
            got: Vec::new(),
        });
        let mut ev = libc::epoll_event {
            events: (libc::EPOLLOUT | libc::EPOLLIN | libc::EPOLLRDHUP) as u32,
            u64: idx as u64,
        };
        // SAFETY: `ev` is valid for the call.
        unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, c, &mut ev) };
    }
    let mut evs = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
    let mut buf = vec![0u8; 4096];
    let limit = Duration::from_secs(limit_s);
    let mut pending = 0usize;
    let mut peak_pending = 0usize;
    let mut open = conns.len();
    while open > 0 && t0.elapsed() < limit {
        let k = epoll_wait(ep, &mut evs, 100);
        for ev in &evs[..k] {
            let c = &mut conns[ev.u64 as usize];
            if c.st == St::Done {
                continue;
            }
            let mut finish = None;
            if c.st == St::Connecting && ev.events & libc::EPOLLOUT as u32 != 0 {
                // SAFETY: the request buffer is valid for its length.
                let w = unsafe { libc::write(c.fd, c.req.as_ptr().cast(), c.req.len()) };
                if w == c.req.len() as isize {
                    c.st = St::Reading;
                    pending += 1;
                    peak_pending = peak_pending.max(pending);
                    let mut e2 = libc::epoll_event {
                        events: (libc::EPOLLIN | libc::EPOLLRDHUP) as u32,
                        u64: ev.u64,
                    };
                    // SAFETY: as above.
                    unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_MOD, c.fd, &mut e2) };
                } else {
                    finish = Some(false);
                }
            } else if c.st == St::Reading {
                loop {
                    // SAFETY: the buffer is valid for its length.
                    let r = unsafe { libc::read(c.fd, buf.as_mut_ptr().cast(), buf.len()) };
                    if r > 0 {
                        c.got.extend_from_slice(&buf[..r as usize]);
                    } else if r == 0 {
                        finish = Some(c.got.starts_with(b"HTTP/1.1 200"));
                        break;
                    } else {
                        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EAGAIN) {
                            finish = Some(false);
                        }
                        break;
                    }
                }
            } else if ev.events & (libc::EPOLLERR | libc::EPOLLHUP) as u32 != 0 {
                finish = Some(false);
            }
            if let Some(good) = finish {
                if c.st == St::Reading {
                    pending -= 1;
                }
                c.st = St::Done;
                // SAFETY: we own the fd; closing also unregisters it.
                unsafe { libc::close(c.fd) };
                open -= 1;
                if good {
                    ok += 1;
                    latest = t0.elapsed();
                } else {
                    failed += 1;
                }
            }
        }
    }
    failed += open; // still open at the time limit
    let hwm = proc_status_kb(server_pid, "VmHWM").unwrap_or(0);
    let cpu = proc_cpu(server_pid)
        .unwrap_or_default()
        .saturating_sub(cpu0);
    report("wall_ms", latest.as_secs_f64() * 1e3, "ms");
    report("answered", ok as f64, "req");
    report("errors", failed as f64, "req");
    report("peak_pending", peak_pending as f64, "req");
    report("server_peak_rss_kb", hwm as f64, "kB");
    report("server_cpu_ms", cpu.as_secs_f64() * 1e3, "ms");
    report(
        "client_cpu_ms",
        (self_cpu() - self0).as_secs_f64() * 1e3,
        "ms",
    );
    Ok(())
}
