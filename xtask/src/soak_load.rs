//! The soak's loopback clients, one kind per thread (see `soak.rs`). Every
//! loop stops at the deadline, at the stop flag, or after a bounded number
//! of rounds; every socket operation has a timeout.

use std::fmt;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Control clients running at once; each does one request after another.
const CONTROL_THREADS: usize = 4;
/// Connections each holder thread keeps open (slowloris, idle).
const HELD: usize = 16;
/// Pause between rounds of a hostile client, so the load stays a mix.
const HOSTILE_PAUSE: Duration = Duration::from_millis(20);
/// A held connection the server has not closed after this long is a
/// failure: its request timeout is 10 s.
const CUT_OFF_LIMIT: Duration = Duration::from_secs(20);
/// Socket timeouts: connect, and reads and writes.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const IO_TIMEOUT: Duration = Duration::from_secs(15);

/// The kinds of client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Control,
    Slowloris,
    Idle,
    Garbage,
    ResetMid,
    GoneInDelay,
    Pipelined,
    Oversized,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Control => "control",
            Kind::Slowloris => "slowloris",
            Kind::Idle => "idle",
            Kind::Garbage => "garbage",
            Kind::ResetMid => "rst-mid",
            Kind::GoneInDelay => "gone-in-delay",
            Kind::Pipelined => "pipelined",
            Kind::Oversized => "oversized",
        }
    }
}

/// What one client thread counted.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Rounds that ended as expected (an answer, or the server closing a
    /// slow or idle connection in time).
    pub ok: u64,
    /// Rounds where the server reset the connection or closed it without
    /// an answer (acceptable for hostile clients, counted to be seen).
    pub reset: u64,
    /// Failures: a control request that did not get its own `200`, a held
    /// connection the server never cut off, a connect that failed.
    pub errors: u64,
    /// The first few failures, for the report.
    pub first_errors: Vec<String>,
}

impl Stats {
    fn fail(&mut self, why: String) {
        self.errors += 1;
        if self.first_errors.len() < 3 {
            self.first_errors.push(why);
        }
    }

    fn merge(&mut self, other: Stats) {
        self.ok += other.ok;
        self.reset += other.reset;
        self.errors += other.errors;
        for e in other.first_errors {
            if self.first_errors.len() < 3 {
                self.first_errors.push(e);
            }
        }
    }

    /// The failures of this kind of client, as problems of the run.
    pub fn problems(&self) -> Vec<String> {
        if self.errors == 0 {
            return Vec::new();
        }
        vec![format!(
            "{} failures, e.g. {}",
            self.errors,
            self.first_errors.join(" | ")
        )]
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ok {:>7}  reset/closed {:>6}  errors {}",
            self.ok, self.reset, self.errors
        )
    }
}

/// When the clients stop.
#[derive(Clone)]
struct Until {
    deadline: Instant,
    stop: Arc<AtomicBool>,
    max_rounds: u64,
}

impl Until {
    fn over(&self, round: u64) -> bool {
        round >= self.max_rounds
            || Instant::now() >= self.deadline
            || self.stop.load(Ordering::Relaxed)
    }
}

/// Starts every client thread.
pub fn start_all(
    addr: SocketAddr,
    deadline: Instant,
    seconds: u64,
    stop: Arc<AtomicBool>,
) -> Vec<(Kind, JoinHandle<Stats>)> {
    let until = Until {
        deadline,
        stop,
        // Far above what the pauses allow; a bound all the same.
        max_rounds: seconds.saturating_mul(2000).max(1),
    };
    let mut threads = Vec::new();
    let mut spawn = |kind: Kind, f: fn(SocketAddr, &Until, usize) -> Stats, id: usize| {
        let until = until.clone();
        threads.push((kind, std::thread::spawn(move || f(addr, &until, id))));
    };
    for id in 0..CONTROL_THREADS {
        spawn(Kind::Control, control, id);
    }
    spawn(Kind::Slowloris, |a, u, _| holders(a, u, true), 0);
    spawn(Kind::Idle, |a, u, _| holders(a, u, false), 0);
    spawn(Kind::Garbage, garbage, 0);
    spawn(Kind::ResetMid, reset_mid, 0);
    spawn(Kind::GoneInDelay, gone_in_delay, 0);
    spawn(Kind::Pipelined, pipelined, 0);
    spawn(Kind::Oversized, oversized, 0);
    // One line per kind: the control threads' counts are added up.
    let mut merged: Vec<(Kind, JoinHandle<Stats>)> = Vec::new();
    let mut controls = Vec::new();
    for (kind, h) in threads {
        if kind == Kind::Control {
            controls.push(h);
        } else {
            merged.push((kind, h));
        }
    }
    let joined = std::thread::spawn(move || {
        let mut total = Stats::default();
        for h in controls {
            match h.join() {
                Ok(s) => total.merge(s),
                Err(_) => total.fail("a control thread panicked".into()),
            }
        }
        total
    });
    merged.insert(0, (Kind::Control, joined));
    merged
}

fn connect(addr: SocketAddr) -> Result<TcpStream, String> {
    let s =
        TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(IO_TIMEOUT)).ok();
    s.set_write_timeout(Some(IO_TIMEOUT)).ok();
    Ok(s)
}

/// Reads until EOF or `limit` bytes; a reset after some bytes keeps them.
fn read_answer(s: &mut TcpStream, limit: usize) -> Result<Vec<u8>, std::io::Error> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if out.len() >= limit {
                    return Ok(out);
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if !out.is_empty() && e.kind() == ErrorKind::ConnectionReset => return Ok(out),
            Err(e) => return Err(e),
        }
    }
}

/// One well-formed request that must come back `200` with `want` as body.
pub fn control_request(addr: SocketAddr, path: &str, want: &str) -> Result<(), String> {
    let mut s = connect(addr)?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("{path}: write: {e}"))?;
    let resp = read_answer(&mut s, 64 * 1024).map_err(|e| format!("{path}: read: {e}"))?;
    let text = String::from_utf8_lossy(&resp);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    if text.starts_with("HTTP/1.1 200 OK\r\n") && body == want {
        Ok(())
    } else {
        Err(format!("{path}: answered {text:?}"))
    }
}

fn control(addr: SocketAddr, until: &Until, id: usize) -> Stats {
    let mut st = Stats::default();
    let mut round = 0;
    while !until.over(round) {
        let msg = format!("c{id}-{round}");
        match control_request(addr, &format!("/{}/{msg}", round % 20), &msg) {
            Ok(()) => st.ok += 1,
            Err(e) => st.fail(e),
        }
        round += 1;
    }
    st
}

/// A connection being held open: when it was opened, how much of the
/// drip was sent.
struct Held {
    s: TcpStream,
    since: Instant,
    sent: usize,
}

/// Holds [`HELD`] connections open: dripping a request one byte per tick
/// that never ends (`drip`) or saying nothing. The server must close each
/// within [`CUT_OFF_LIMIT`]; a closed one is replaced.
fn holders(addr: SocketAddr, until: &Until, drip: bool) -> Stats {
    const DRIP: &[u8] =
        b"GET /1/slowloris HTTP/1.1\r\nX-Drip: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut st = Stats::default();
    let mut held: Vec<Held> = Vec::new();
    let mut round = 0;
    while !until.over(round) {
        round += 1;
        while held.len() < HELD {
            match connect(addr).and_then(|s| {
                s.set_nonblocking(true).map_err(|e| e.to_string())?;
                Ok(s)
            }) {
                Ok(s) => held.push(Held {
                    s,
                    since: Instant::now(),
                    sent: 0,
                }),
                Err(e) => {
                    st.fail(e);
                    break;
                }
            }
        }
        let mut i = 0;
        while i < held.len() {
            let h = &mut held[i];
            let mut closed = false;
            if drip {
                let b = DRIP[h.sent % DRIP.len()..][..1].to_vec();
                match h.s.write(&b) {
                    Ok(_) => h.sent += 1,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(_) => closed = true,
                }
            }
            let mut buf = [0u8; 512];
            match h.s.read(&mut buf) {
                Ok(_) => closed = true,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => closed = true,
            }
            if closed {
                st.ok += 1;
                held.swap_remove(i);
            } else if h.since.elapsed() > CUT_OFF_LIMIT {
                st.fail(format!(
                    "a {} connection still open after {CUT_OFF_LIMIT:?}",
                    if drip { "slowloris" } else { "idle" }
                ));
                held.swap_remove(i);
            } else {
                i += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    st
}

/// A small deterministic generator for the garbage bytes.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Sends random bytes (with line ends mixed in) and reads whatever comes
/// back: a `400`, a close or a reset are all fine; a hang is not.
fn garbage(addr: SocketAddr, until: &Until, _: usize) -> Stats {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    hostile_loop(until, |_, st| {
        let len = (next(&mut state) % 600 + 1) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| next(&mut state) as u8).collect();
        bytes.extend_from_slice(b"\r\n\r\n");
        hostile_round(addr, &bytes, st, |resp| resp.starts_with(b"HTTP/1.1 400"));
    })
}

/// Runs `round(n, stats)` for n = 1, 2, ... until `until` says stop, with a
/// pause after each, and returns the stats.
fn hostile_loop(until: &Until, mut round: impl FnMut(u64, &mut Stats)) -> Stats {
    let mut st = Stats::default();
    let mut n = 0;
    while !until.over(n) {
        n += 1;
        round(n, &mut st);
        std::thread::sleep(HOSTILE_PAUSE);
    }
    st
}

/// Writes `bytes`, reads the answer: `good(answer)` counts as ok, a reset
/// or an empty close as reset; a connect failure or a read that times out
/// (the server neither answered nor closed) is an error.
fn hostile_round(addr: SocketAddr, bytes: &[u8], st: &mut Stats, good: impl Fn(&[u8]) -> bool) {
    let mut s = match connect(addr) {
        Ok(s) => s,
        Err(e) => return st.fail(e),
    };
    if s.write_all(bytes).is_err() {
        st.reset += 1;
        return;
    }
    match read_answer(&mut s, 64 * 1024) {
        Ok(resp) if good(&resp) => st.ok += 1,
        Ok(resp) if resp.is_empty() => st.reset += 1,
        Ok(resp) => st.fail(format!(
            "unexpected answer {:?}",
            String::from_utf8_lossy(&resp[..resp.len().min(80)])
        )),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            st.fail(format!("no answer and no close within {IO_TIMEOUT:?}"));
        }
        Err(_) => st.reset += 1,
    }
}

/// Sets `SO_LINGER {on, 0}`, so closing the socket sends a reset.
fn linger_zero(s: &TcpStream) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    #[repr(C)]
    struct Linger {
        onoff: i32,
        linger: i32,
    }
    unsafe extern "C" {
        fn setsockopt(fd: i32, level: i32, name: i32, val: *const Linger, len: u32) -> i32;
    }
    const SOL_SOCKET: i32 = 1;
    const SO_LINGER: i32 = 13;
    let l = Linger {
        onoff: 1,
        linger: 0,
    };
    // SAFETY: `l` is a valid `struct linger` for the duration of the call and
    // the length passed is its size; the fd is open (owned by `s`).
    let r = unsafe {
        setsockopt(
            s.as_raw_fd(),
            SOL_SOCKET,
            SO_LINGER,
            &l,
            size_of::<Linger>() as u32,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Half a request, then a reset (`SO_LINGER` 0 and close).
fn reset_mid(addr: SocketAddr, until: &Until, _: usize) -> Stats {
    hostile_loop(until, |_, st| {
        abandon(addr, b"GET /50/reset-in-the-mid", None, true, "rst-mid", st);
    })
}

/// Connects, writes `bytes`, waits `linger` if given, and goes away: by a
/// reset when `reset`, else by a plain close. Counts ok when all of that
/// worked.
fn abandon(
    addr: SocketAddr,
    bytes: &[u8],
    linger: Option<Duration>,
    reset: bool,
    what: &str,
    st: &mut Stats,
) {
    let mut s = match connect(addr) {
        Ok(s) => s,
        Err(e) => return st.fail(e),
    };
    let mut r = s.write_all(bytes);
    if let Some(d) = linger {
        std::thread::sleep(d);
    }
    if reset {
        r = r.and_then(|()| linger_zero(&s));
    }
    match r {
        Ok(()) => st.ok += 1,
        Err(e) => st.fail(format!("{what}: {e}")),
    }
}

/// A whole request with a long delay, then gone (half by close, half by
/// reset) while the server waits to answer.
fn gone_in_delay(addr: SocketAddr, until: &Until, _: usize) -> Stats {
    hostile_loop(until, |round, st| {
        let request = b"GET /3000/gone-in-delay HTTP/1.1\r\n\r\n";
        let linger = Some(Duration::from_millis(5));
        abandon(addr, request, linger, round % 2 == 0, "gone-in-delay", st);
    })
}

/// Two requests in one write: the server answers the first (it serves one
/// request per connection); a reset before the answer is counted as reset.
fn pipelined(addr: SocketAddr, until: &Until, _: usize) -> Stats {
    hostile_loop(until, |_, st| {
        hostile_round(
            addr,
            b"GET /1/first HTTP/1.1\r\nHost: p\r\n\r\nGET /1/second HTTP/1.1\r\nHost: p\r\n\r\n",
            st,
            |resp| resp.starts_with(b"HTTP/1.1 200 OK\r\n") && resp.ends_with(b"\r\n\r\nfirst"),
        );
    })
}

/// Requests far over the server's limits: a 16 KiB request line, or 64 KiB
/// of headers. The answer is a `400`, or a reset.
fn oversized(addr: SocketAddr, until: &Until, _: usize) -> Stats {
    hostile_loop(until, |round, st| {
        let mut req = b"GET /1/".to_vec();
        if round % 2 == 0 {
            req.extend(std::iter::repeat_n(b'a', 16 * 1024));
            req.extend_from_slice(b" HTTP/1.1\r\n\r\n");
        } else {
            req.extend_from_slice(b"x HTTP/1.1\r\n");
            for _ in 0..1024 {
                req.extend_from_slice(
                    b"X-Big: 0123456789012345678901234567890123456789012345678901\r\n",
                );
            }
            req.extend_from_slice(b"\r\n");
        }
        hostile_round(addr, &req, st, |resp| resp.starts_with(b"HTTP/1.1 400"));
    })
}
