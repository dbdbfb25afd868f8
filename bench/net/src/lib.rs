//! Helpers shared by the network and system-call benchmark programs: raw
//! libc sockets and epoll (so the hand-written loops have nothing between
//! them and the kernel), CPU time, RSS and a tiny seeded PRNG.

use std::io;
use std::time::Duration;

pub use bench_common::report;

/// Turns a `-1` return into the current `errno` as an `io::Error`.
pub fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Turns a `-1` return of a byte-count call into an `io::Error`.
pub fn cvt_size(r: libc::ssize_t) -> io::Result<usize> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

/// `127.0.0.1:port` as a `sockaddr_in`.
pub fn loopback(port: u16) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_be_bytes([127, 0, 0, 1]).to_be(),
        },
        sin_zero: [0; 8],
    }
}

/// A non-blocking TCP socket.
pub fn tcp_socket() -> io::Result<libc::c_int> {
    // SAFETY: plain syscall with constant arguments.
    cvt(unsafe {
        libc::socket(
            libc::AF_INET,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    })
}

/// Sets an integer socket option.
pub fn setsockopt(fd: libc::c_int, level: libc::c_int, name: libc::c_int, v: libc::c_int) {
    // SAFETY: `v` lives across the call and its size is passed.
    unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&v as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

/// A non-blocking listener on 127.0.0.1:port (loopback only).
pub fn listen(port: u16, backlog: i32) -> io::Result<libc::c_int> {
    let fd = tcp_socket()?;
    setsockopt(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1);
    let a = loopback(port);
    // SAFETY: `a` is a valid sockaddr_in and its size is passed.
    cvt(unsafe {
        libc::bind(
            fd,
            (&a as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    })?;
    // SAFETY: plain syscall.
    cvt(unsafe { libc::listen(fd, backlog) })?;
    Ok(fd)
}

/// Starts a non-blocking connect of our socket `fd` to 127.0.0.1:port
/// (EINPROGRESS is success); closes `fd` on failure.
fn start_connect(fd: libc::c_int, port: u16) -> io::Result<libc::c_int> {
    let a = loopback(port);
    // SAFETY: `a` is a valid sockaddr_in and its size is passed.
    let r = unsafe {
        libc::connect(
            fd,
            (&a as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINPROGRESS) {
            // SAFETY: we own fd.
            unsafe { libc::close(fd) };
            return Err(e);
        }
    }
    Ok(fd)
}

/// Starts a non-blocking connect to 127.0.0.1:port (EINPROGRESS is success).
pub fn connect_start(port: u16) -> io::Result<libc::c_int> {
    let fd = tcp_socket()?;
    start_connect(fd, port)
}

/// Starts a non-blocking connect to 127.0.0.1:port from the source address
/// 127.0.0.`src` (`IP_BIND_ADDRESS_NO_PORT`: the port is chosen at connect
/// time per destination), so one client can hold more connections to one
/// server than one source address has ephemeral ports.
pub fn connect_start_from(port: u16, src: u8) -> io::Result<libc::c_int> {
    let fd = tcp_socket()?;
    setsockopt(fd, libc::IPPROTO_IP, libc::IP_BIND_ADDRESS_NO_PORT, 1);
    let mut from = loopback(0);
    from.sin_addr.s_addr = u32::from_be_bytes([127, 0, 0, src]).to_be();
    // SAFETY: `from` is a valid sockaddr_in and its size is passed.
    let bound = cvt(unsafe {
        libc::bind(
            fd,
            (&from as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    });
    if let Err(e) = bound {
        // SAFETY: we own fd.
        unsafe { libc::close(fd) };
        return Err(e);
    }
    start_connect(fd, port)
}

/// A new epoll instance.
pub fn epoll() -> io::Result<libc::c_int> {
    // SAFETY: plain syscall.
    cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })
}

/// `epoll_ctl(op)` of `fd` with `events`, the fd itself as the token.
pub fn epoll_ctl(ep: libc::c_int, op: libc::c_int, fd: libc::c_int, events: u32) -> io::Result<()> {
    let mut ev = libc::epoll_event {
        events,
        u64: fd as u64,
    };
    // SAFETY: `ev` is valid for the call.
    cvt(unsafe { libc::epoll_ctl(ep, op, fd, &mut ev) }).map(|_| ())
}

/// Waits for events; EINTR counts as no events.
pub fn epoll_wait(ep: libc::c_int, evs: &mut [libc::epoll_event], ms: i32) -> usize {
    // SAFETY: the buffer and its length match.
    let n = unsafe { libc::epoll_wait(ep, evs.as_mut_ptr(), evs.len() as i32, ms) };
    n.max(0) as usize
}

/// user + system CPU time of process `pid` from `/proc/PID/stat`.
pub fn proc_cpu(pid: i32) -> Option<Duration> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_nanos((utime + stime) * 1_000_000_000 / hz))
}

/// This process's user + system CPU time (microsecond resolution).
pub fn self_cpu() -> Duration {
    // SAFETY: `ru` is written by the call.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(us(ru.ru_utime) + us(ru.ru_stime))
}

/// A `/proc/PID/status` field in kB (e.g. `VmHWM`, `VmRSS`).
pub fn proc_status_kb(pid: i32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Raises the open-file limit to `n` (soft, and hard if we may).
pub fn raise_nofile(n: u64) {
    // SAFETY: `r` is written by getrlimit and read by setrlimit.
    unsafe {
        let mut r: libc::rlimit = std::mem::zeroed();
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
        if r.rlim_cur < n {
            r.rlim_cur = n;
            if r.rlim_max < n {
                r.rlim_max = n;
            }
            if libc::setrlimit(libc::RLIMIT_NOFILE, &r) != 0 {
                libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
                r.rlim_cur = r.rlim_max;
                libc::setrlimit(libc::RLIMIT_NOFILE, &r);
            }
        }
    }
}

/// A small seeded PRNG (xorshift64*), so every contender gets the same
/// "random" sleep durations.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
}

/// The positional argument `i` parsed, or `default`.
pub fn arg<T: std::str::FromStr>(i: usize, default: T) -> T {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// The servers' tokio runtime, with `enable_all`: current_thread for
/// `workers == 0`, else multi_thread with that many workers.
pub fn tokio_runtime(workers: usize) -> tokio::runtime::Runtime {
    let mut b = if workers == 0 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(workers);
        b
    };
    b.enable_all().build().unwrap()
}

/// The request the C10k client sends: the delay server's format.
pub fn delay_request(ms: u64, msg: &str) -> String {
    format!("GET /{ms}/{msg} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
}

/// Timer lateness statistics: mean and p99 of `late` (µs), reported.
pub fn report_lateness(mut late_us: Vec<f64>, wall: Duration, cpu: Duration) {
    late_us.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = late_us.len().max(1);
    let mean = late_us.iter().sum::<f64>() / n as f64;
    let p99 = late_us[((n * 99) / 100).min(n - 1)];
    report("late_mean_us", mean, "us");
    report("late_p99_us", p99, "us");
    report("late_max_us", *late_us.last().unwrap_or(&0.0), "us");
    report("cpu_ms", cpu.as_secs_f64() * 1e3, "ms");
    report("wall_ms", wall.as_secs_f64() * 1e3, "ms");
}
