//! Closed-loop echo client: `CONNS` connections, each writes one `SIZE`-byte
//! message and waits for all of it to come back before writing the next.
//! A hand-written epoll loop, so the client costs as little CPU as possible
//! next to the server on the same CPU. Bounded in time and in requests.
//!
//! `echo_client PORT CONNS SIZE WARM_MS MEASURE_MS MAX_REQS SERVER_PID`
//!
//! Reports requests/s and CPU ns per request of the server (from
//! `/proc/PID/stat`, 10 ms ticks) and of the client, over the measured window.

use bench_net::*;
use std::io::Write;
use std::time::{Duration, Instant};

fn main() -> std::io::Result<()> {
    let port: u16 = arg(1, 39_001);
    let conns: usize = arg(2, 16);
    let size: usize = arg(3, 64);
    let warm = Duration::from_millis(arg(4, 300));
    let measure = Duration::from_millis(arg(5, 1000));
    let max_reqs: u64 = arg(6, 50_000_000);
    let server_pid: i32 = arg(7, 0);

    let ep = epoll()?;
    let msg = vec![b'x'; size];
    let mut got = vec![0usize; conns];
    let mut fds = Vec::with_capacity(conns);
    for _ in 0..conns {
        let s = std::net::TcpStream::connect(("127.0.0.1", port))?;
        s.set_nodelay(true)?;
        s.set_nonblocking(true)?;
        let fd = std::os::fd::IntoRawFd::into_raw_fd(s);
        fds.push(fd);
    }
    // Token = index into `fds`.
    for (i, &fd) in fds.iter().enumerate() {
        let mut ev = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: i as u64,
        };
        // SAFETY: `ev` is valid for the call.
        cvt(unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, fd, &mut ev) })?;
    }
    let send = |fd: i32| {
        let mut off = 0;
        while off < size {
            // SAFETY: the message is valid for its length.
            let w = unsafe { libc::write(fd, msg[off..].as_ptr().cast(), size - off) };
            if w > 0 {
                off += w as usize;
            } else if std::io::Error::last_os_error().raw_os_error() != Some(libc::EAGAIN) {
                panic!("write: {}", std::io::Error::last_os_error());
            }
        }
    };
    let start = Instant::now();
    for &fd in &fds {
        send(fd);
    }
    let mut evs = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
    let mut buf = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    let mut in_window: u64 = 0;
    let mut window: Option<(Instant, Duration, Duration)> = None;
    let warm_end = start + warm;
    let end = warm_end + measure;
    let mut result = None;
    // A hard limit besides the window, should the server stall.
    let hard_end = end + Duration::from_secs(10);
    while total < max_reqs {
        let now = Instant::now();
        if window.is_none() && now >= warm_end {
            let scpu = proc_cpu(server_pid).unwrap_or_default();
            window = Some((now, scpu, self_cpu()));
            in_window = 0;
        }
        if now >= end || now >= hard_end {
            break;
        }
        let n = epoll_wait(ep, &mut evs, 10);
        for ev in &evs[..n] {
            let i = ev.u64 as usize;
            let fd = fds[i];
            // SAFETY: the buffer is valid for its length.
            let r = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if r == 0 {
                panic!("server closed connection {i}");
            }
            if r < 0 {
                continue;
            }
            got[i] += r as usize;
            while got[i] >= size {
                got[i] -= size;
                total += 1;
                in_window += 1;
                send(fd);
            }
        }
    }
    let now = Instant::now();
    if let Some((t0, s0, c0)) = window {
        let el = now - t0;
        let scpu = proc_cpu(server_pid).unwrap_or_default().saturating_sub(s0);
        let ccpu = self_cpu().saturating_sub(c0);
        let per = |d: Duration| d.as_nanos() as f64 / in_window.max(1) as f64;
        result = Some((in_window as f64 / el.as_secs_f64(), per(scpu), per(ccpu)));
    }
    if let Some((rps, sns, cns)) = result {
        report("reqs_per_s", rps, "req/s");
        report("server_ns_per_req", sns, "ns");
        report("client_ns_per_req", cns, "ns");
    }
    report("total_reqs", total as f64, "req");
    std::io::stdout().flush()?;
    Ok(())
}
