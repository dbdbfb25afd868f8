//! C10k client: opens N connections to a delay server at once, each asks
//! for `GET /DELAY_MS/cN` and reads the answer to EOF. One epoll loop, no
//! threads. Bounded: gives up after LIMIT_S seconds.
//!
//! `c10k_client PORT N DELAY_MS SERVER_PID [LIMIT_S [EAGER]]` (LIMIT_S: 30
//! by default; EAGER `1`: send each request as soon as its connection is
//! made, instead of connecting everything first). Connections come from 127.0.0.1, 127.0.0.2, ... (20,000 per
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

/// How long connecting may go on before requests are sent in between
/// (unless EAGER).
const SAY_SOMETHING_AFTER: Duration = Duration::from_secs(5);

/// The client's state: the connections and the counts.
struct Client {
    ep: i32,
    conns: Vec<Conn>,
    buf: Vec<u8>,
    evs: Vec<libc::epoll_event>,
    ok: usize,
    failed: usize,
    open: usize,
    pending: usize,
    peak_pending: usize,
    latest: Duration,
    t0: Instant,
}

impl Client {
    /// One `epoll_wait` (up to `ms`) and what its events call for: send
    /// the request once connected, read the answer to EOF.
    fn turn(&mut self, ms: i32) -> usize {
        let k = epoll_wait(self.ep, &mut self.evs, ms);
        for j in 0..k {
            let ev = self.evs[j];
            let c = &mut self.conns[ev.u64 as usize];
            if c.st == St::Done {
                continue;
            }
            let mut finish = None;
            if c.st == St::Connecting && ev.events & libc::EPOLLOUT as u32 != 0 {
                // SAFETY: the request buffer is valid for its length.
                let w = unsafe { libc::write(c.fd, c.req.as_ptr().cast(), c.req.len()) };
                if w == c.req.len() as isize {
                    c.st = St::Reading;
                    self.pending += 1;
                    self.peak_pending = self.peak_pending.max(self.pending);
                    let mut e2 = libc::epoll_event {
                        events: (libc::EPOLLIN | libc::EPOLLRDHUP) as u32,
                        u64: ev.u64,
                    };
                    // SAFETY: as above.
                    unsafe { libc::epoll_ctl(self.ep, libc::EPOLL_CTL_MOD, c.fd, &mut e2) };
                } else {
                    finish = Some(false);
                }
            } else if c.st == St::Reading {
                loop {
                    // SAFETY: the buffer is valid for its length.
                    let r =
                        unsafe { libc::read(c.fd, self.buf.as_mut_ptr().cast(), self.buf.len()) };
                    if r > 0 {
                        c.got.extend_from_slice(&self.buf[..r as usize]);
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
                    self.pending -= 1;
                }
                c.st = St::Done;
                // SAFETY: we own the fd; closing also unregisters it.
                unsafe { libc::close(c.fd) };
                self.open -= 1;
                if good {
                    self.ok += 1;
                    self.latest = self.t0.elapsed();
                } else {
                    self.failed += 1;
                }
            }
        }
        k
    }
}

fn main() -> std::io::Result<()> {
    let port: u16 = arg(1, 8080);
    let n: usize = arg(2, 10_000);
    let delay: u64 = arg(3, 1000);
    let server_pid: i32 = arg(4, 0);
    let limit_s: u64 = arg(5, 30);
    let say_after = if arg(6, 0u8) == 1 {
        Duration::ZERO
    } else {
        SAY_SOMETHING_AFTER
    };
    raise_nofile(n as u64 + 1024);
    let cpu0 = proc_cpu(server_pid).unwrap_or_default();
    let self0 = self_cpu();
    let mut cl = Client {
        ep: epoll()?,
        conns: Vec::with_capacity(n),
        buf: vec![0u8; 4096],
        evs: vec![libc::epoll_event { events: 0, u64: 0 }; 1024],
        ok: 0,
        failed: 0,
        open: 0,
        pending: 0,
        peak_pending: 0,
        latest: Duration::ZERO,
        t0: Instant::now(),
    };
    let limit = Duration::from_secs(limit_s);
    let mut tried = 0;
    for i in 0..n {
        tried += 1;
        // Source addresses 127.0.0.1 (the default), then 127.0.0.2.. bound
        // explicitly: 20,000 connections each.
        let src = 1 + (i / 20_000) as u8;
        let started = if src == 1 {
            connect_start(port)
        } else {
            connect_start_from(port, src)
        };
        let c = match started {
            Ok(fd) => fd,
            Err(_) => {
                cl.failed += 1;
                continue;
            }
        };
        let idx = cl.conns.len();
        cl.conns.push(Conn {
            fd: c,
            st: St::Connecting,
            req: delay_request(delay, &format!("c{i}")).into_bytes(),
            got: Vec::new(),
        });
        cl.open += 1;
        let mut ev = libc::epoll_event {
            events: (libc::EPOLLOUT | libc::EPOLLIN | libc::EPOLLRDHUP) as u32,
            u64: idx as u64,
        };
        // SAFETY: `ev` is valid for the call.
        unsafe { libc::epoll_ctl(cl.ep, libc::EPOLL_CTL_ADD, c, &mut ev) };
        // A set-up that takes long (100,000 connections, a loaded machine)
        // sends the requests of connections already made while connecting
        // the rest: a server may time out a connection that says nothing
        // (the delay server does after 10 s). A short one (C10k) connects
        // everything first, so all requests wait at once.
        if i % 256 == 255 && cl.t0.elapsed() >= say_after {
            // Everything that is ready (bounded: connecting goes on).
            for _ in 0..16 {
                if cl.turn(0) < cl.evs.len() {
                    break;
                }
            }
        }
        if cl.t0.elapsed() >= limit {
            break;
        }
    }
    while cl.open > 0 && cl.t0.elapsed() < limit {
        cl.turn(100);
    }
    // Still open at the time limit, or never started, count as failed.
    let failed = cl.failed + cl.open + (n - tried);
    let (ok, latest, peak_pending) = (cl.ok, cl.latest, cl.peak_pending);
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
