//! Hostile-environment checks of the delay server and the demo, as
//! processes, natively and under QEMU: a stdout whose reader left (SIGPIPE),
//! a stdout nobody reads, clients that leave during their delay, answers
//! that must survive unread input (lingering close), SIGTERM/SIGINT with
//! requests in flight, the thread-per-core server (`--threads 2`: both
//! cores accept, one connection limit, one drain), and the demo against servers that never answer,
//! drip their answer or answer 500. Each check takes a few seconds at most.

use crate::cargo_build::run_command;
use crate::process::{run_with_timeout, spawn_piped};
use crate::summary::Summary;
use crate::targets::Target;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdout, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// One check, run when its turn comes.
type Check<'a> = Box<dyn Fn() -> Result<(), String> + 'a>;

/// Runs every check for one target and way of running.
pub fn check(
    target: &Target,
    demo: &Path,
    server_elf: &Path,
    native: bool,
    tag: &str,
    summary: &mut Summary,
) {
    let server = |args: &[&str]| {
        let mut cmd = run_command(target, server_elf, native);
        cmd.args(args);
        cmd
    };
    let demo_cmd = |args: &[&str]| {
        let mut cmd = run_command(target, demo, native);
        cmd.args(args);
        cmd
    };
    let checks: [(&str, Check<'_>); 8] = [
        (
            "delayserver keeps serving after its stdout reader left (SIGPIPE ignored)",
            Box::new(|| stdout_reader_left(server(&[]))),
        ),
        (
            "delayserver keeps serving while nobody reads its stdout; the log counts dropped lines",
            Box::new(|| stdout_never_read(server(&[]))),
        ),
        (
            "delayserver frees the slots of clients that leave during their delay",
            Box::new(|| disconnect_burst(server(&["--max-connections", "32"]))),
        ),
        (
            "delayserver lingers: 400, 503, pipelined and oversized answers arrive despite unread input",
            Box::new(|| lingering_close(server(&["--max-connections", "8"]))),
        ),
        (
            "delayserver on SIGTERM: refuses new clients, finishes in-flight requests, exits 0; a second signal exits at once",
            Box::new(|| graceful_shutdown(&server)),
        ),
        (
            "delayserver --threads 2: both cores accept and serve, one --max-connections, SIGTERM drains all; bad --threads is a usage error",
            Box::new(|| two_threads(&server)),
        ),
        (
            "demo times out on a silent server and on a dripped header, naming server and path",
            Box::new(|| demo_timeouts(&demo_cmd)),
        ),
        (
            "demo exits non-zero on a 500 answer, naming server, path and status",
            Box::new(|| demo_non_2xx(&demo_cmd)),
        ),
    ];
    for (name, check) in checks {
        summary.record(&format!("{tag} {name}"), check());
    }
}

/// A delay server process with its stdout under the check's control.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// The stdout pipe, first line already read; `None` once dropped.
    stdout: Option<BufReader<ChildStdout>>,
}

impl Server {
    /// Starts `cmd` on an ephemeral port and reads its "listening on" line.
    fn start(mut cmd: Command) -> Result<Server, String> {
        cmd.arg("127.0.0.1:0");
        let (mut child, out, err) = spawn_piped(&mut cmd)?;
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut { err }, &mut std::io::sink());
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(out);
            let mut line = String::new();
            let r = reader.read_line(&mut line).map(|_| line);
            let _ = tx.send((r, reader));
        });
        let Ok((Ok(line), reader)) = rx.recv_timeout(Duration::from_secs(20)) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the delay server printed nothing within 20 s".into());
        };
        let addr = line
            .trim_end()
            .rsplit(' ')
            .next()
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("cannot find the address in {line:?}"))?;
        Ok(Server {
            child,
            addr,
            stdout: Some(reader),
        })
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends `sig` (a `kill` name such as "TERM") to the process.
    fn signal(&self, sig: &str) -> Result<(), String> {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .map_err(|e| e.to_string())?
            .success();
        if ok {
            Ok(())
        } else {
            Err(format!("kill -{sig} failed"))
        }
    }

    /// Waits up to `limit` for the process to exit; its exit code.
    fn wait_exit(&mut self, limit: Duration) -> Result<Option<i32>, String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Ok(status.code());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Err(format!("still running {limit:?} after the signal"))
    }

    /// Reads stdout until `n` lines satisfy `want` (at most `limit`); the
    /// lines read. Later reads go on after them.
    fn wait_for_lines(
        &mut self,
        want: fn(&str) -> bool,
        n: usize,
        limit: Duration,
    ) -> Result<Vec<String>, String> {
        let mut reader = self.stdout.take().ok_or("stdout already read to the end")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let (mut seen, mut hits, mut line) = (Vec::new(), 0, String::new());
            while hits < n {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        hits += usize::from(want(&line));
                        seen.push(line.trim_end().to_owned());
                    }
                }
            }
            let _ = tx.send((seen, hits, reader));
        });
        let (seen, hits, reader) = rx
            .recv_timeout(limit)
            .map_err(|_| format!("fewer than {n} of the awaited log lines within {limit:?}"))?;
        self.stdout = Some(reader);
        if hits < n {
            return Err(format!(
                "{hits} of {n} awaited log lines before end of output: {seen:?}"
            ));
        }
        Ok(seen)
    }

    /// Every line left on stdout (reads until EOF, at most `limit`).
    fn rest_of_stdout(&mut self, limit: Duration) -> Vec<String> {
        let Some(reader) = self.stdout.take() else {
            return Vec::new();
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let start = Instant::now();
        let mut lines = Vec::new();
        while let Some(left) = limit.checked_sub(start.elapsed()) {
            match rx.recv_timeout(left) {
                Ok(l) => lines.push(l),
                Err(_) => break,
            }
        }
        lines
    }

    /// Open fds of the process (for QEMU: of the emulator, which maps the
    /// guest's fds one to one).
    fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).map_or(0, |d| d.count())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `GET`; the whole response, or why there is none.
fn get(addr: SocketAddr, path: &str) -> Result<String, String> {
    let mut s =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    write!(s, "GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").map_err(|e| e.to_string())?;
    let mut resp = String::new();
    s.read_to_string(&mut resp)
        .map_err(|e| format!("GET {path}: {e}"))?;
    Ok(resp)
}

fn expect_body(addr: SocketAddr, path: &str, body: &str) -> Result<(), String> {
    let resp = get(addr, path)?;
    if resp.starts_with("HTTP/1.1 200") && resp.ends_with(&format!("\r\n\r\n{body}")) {
        Ok(())
    } else {
        Err(format!("GET {path} got {resp:?}"))
    }
}

fn stdout_reader_left(cmd: Command) -> Result<(), String> {
    let mut server = Server::start(cmd)?;
    drop(server.stdout.take());
    for i in 0..3 {
        expect_body(server.addr, &format!("/0/pipe{i}"), &format!("pipe{i}"))?;
    }
    if !server.alive() {
        return Err("the server died".into());
    }
    Ok(())
}

fn stdout_never_read(cmd: Command) -> Result<(), String> {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 250;
    let mut server = Server::start(cmd)?;
    let addr = server.addr;
    // 2000 log lines of ~70 bytes: far more than the pipe and the
    // server's log buffer hold.
    // (Messages stay under the server's 64-byte limit.)
    let pad = "p".repeat(50);
    let start = Instant::now();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let pad = pad.clone();
            std::thread::spawn(move || -> Result<(), String> {
                for i in 0..PER_THREAD {
                    let msg = format!("{pad}{t}x{i}");
                    expect_body(addr, &format!("/0/{msg}"), &msg)?;
                }
                Ok(())
            })
        })
        .collect();
    for t in threads {
        t.join().map_err(|_| "client thread panicked")??;
    }
    if start.elapsed() > Duration::from_secs(60) {
        return Err(format!("{:?} for 2000 requests", start.elapsed()));
    }
    if !server.alive() {
        return Err("the server died".into());
    }
    // Reading again: the gap is reported.
    let lines = server.rest_of_stdout(Duration::from_secs(3));
    if !lines.iter().any(|l| l.ends_with(" lines dropped]")) {
        return Err(format!(
            "no \"[N lines dropped]\" among {} lines read afterwards",
            lines.len()
        ));
    }
    Ok(())
}

/// A client that sends a long-delay request and leaves at once.
fn leave_during_delay(addr: SocketAddr) -> Result<(), String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.write_all(b"GET /120000/gone HTTP/1.1\r\n\r\n")
        .map_err(|e| e.to_string())
}

fn disconnect_burst(cmd: Command) -> Result<(), String> {
    let server = Server::start(cmd)?;
    let addr = server.addr;
    expect_body(addr, "/0/warm", "warm")?;
    let baseline = server.fds();
    // Three times the server's 32 slots, each gone straight after sending.
    for _ in 0..96 {
        leave_during_delay(addr)?;
    }
    let start = Instant::now();
    loop {
        // Until the slots are free: 503, or a reset when even the server's
        // pool for lingering 503 answers is busy.
        let resp = get(addr, "/0/after").unwrap_or_else(|e| e);
        if resp.starts_with("HTTP/1.1 200") && server.fds() <= baseline + 1 {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(5) {
            return Err(format!(
                "5 s after the burst: {resp:?}, {} fds (baseline {baseline})",
                server.fds()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `request`, then `extra` bytes, then after 50 ms `later`; waits
/// (the server answers and closes meanwhile), then reads the answer.
fn answer_despite(
    addr: SocketAddr,
    request: &[u8],
    extra: usize,
    later: &[u8],
) -> Result<String, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s.write_all(request).map_err(|e| e.to_string())?;
    // The server may close its side while we still write: that is allowed.
    let _ = s.write_all(&vec![b'x'; extra]);
    std::thread::sleep(Duration::from_millis(50));
    let _ = s.write_all(later);
    std::thread::sleep(Duration::from_millis(300));
    let mut resp = Vec::new();
    s.read_to_end(&mut resp)
        .map_err(|e| format!("reading the answer: {e}"))?;
    Ok(String::from_utf8_lossy(&resp).into_owned())
}

fn lingering_close(cmd: Command) -> Result<(), String> {
    let server = Server::start(cmd)?;
    let addr = server.addr;
    let resp = answer_despite(addr, b"BAD REQUEST\r\n\r\n", 100_000, b"")?;
    if !resp.starts_with("HTTP/1.1 400") {
        return Err(format!("bad request + body: {resp:?}"));
    }
    let resp = answer_despite(addr, &[b'A'; 100_000], 0, b"")?;
    if !resp.starts_with("HTTP/1.1 400") {
        return Err(format!("oversized request: {resp:?}"));
    }
    // The second request arrives while the first one's delay runs.
    let resp = answer_despite(
        addr,
        b"GET /100/first HTTP/1.1\r\n\r\n",
        0,
        b"GET /10/second HTTP/1.1\r\n\r\n",
    )?;
    if !resp.starts_with("HTTP/1.1 200") || !resp.ends_with("first") {
        return Err(format!("pipelined: {resp:?}"));
    }
    // Fill the 8 slots with idle clients (once the connections above have
    // ended their lingering): the next one gets 503.
    std::thread::sleep(Duration::from_millis(200));
    let holders: Vec<_> = (0..8)
        .map(|_| TcpStream::connect(addr).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    std::thread::sleep(Duration::from_millis(200));
    let resp = answer_despite(addr, b"GET /0/full HTTP/1.1\r\n\r\n", 10_000, b"")?;
    drop(holders);
    if !resp.starts_with("HTTP/1.1 503") {
        return Err(format!("full server: {resp:?}"));
    }
    Ok(())
}

fn graceful_shutdown(server: &dyn Fn(&[&str]) -> Command) -> Result<(), String> {
    // In-flight requests finish; new clients are refused; exit 0.
    let mut s = Server::start(server(&["--grace", "5"]))?;
    let addr = s.addr;
    let clients: Vec<_> = (0..5)
        .map(|i| {
            std::thread::spawn(move || expect_body(addr, &format!("/1500/g{i}"), &format!("g{i}")))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(600));
    s.signal("TERM")?;
    std::thread::sleep(Duration::from_millis(300));
    if let Ok(mut late) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
        // Connected to the backlog of a listener about to close, at most:
        // never answered.
        late.set_read_timeout(Some(Duration::from_secs(5))).ok();
        let _ = late.write_all(b"GET /0/late HTTP/1.1\r\n\r\n");
        let mut resp = String::new();
        let _ = late.read_to_string(&mut resp);
        if !resp.is_empty() {
            return Err(format!("a client after SIGTERM was served: {resp:?}"));
        }
    }
    for c in clients {
        c.join().map_err(|_| "client thread panicked")??;
    }
    let code = s.wait_exit(Duration::from_secs(5))?;
    if code != Some(0) {
        return Err(format!("exit status {code:?} after SIGTERM"));
    }
    let log = s.rest_of_stdout(Duration::from_secs(1));
    if !log.iter().any(|l| l.contains("stopped after")) {
        return Err(format!("log: {log:?}"));
    }
    // A second signal does not wait for the grace period.
    let mut s = Server::start(server(&["--grace", "60"]))?;
    let addr = s.addr;
    let client = std::thread::spawn(move || get(addr, "/30000/slow"));
    std::thread::sleep(Duration::from_millis(500));
    s.signal("TERM")?;
    std::thread::sleep(Duration::from_millis(300));
    s.signal("INT")?;
    let code = s.wait_exit(Duration::from_secs(3))?;
    let _ = client.join();
    if code != Some(128 + 2) {
        return Err(format!(
            "exit status {code:?} after a second signal (SIGINT)"
        ));
    }
    Ok(())
}

fn two_threads(server: &dyn Fn(&[&str]) -> Command) -> Result<(), String> {
    const QUICK: usize = 32;
    const SLOW: usize = 4;
    for bad in [["--threads", "0"], ["--threads", "x"], ["--threads", "99"]] {
        let out = run_with_timeout(server(&bad), Duration::from_secs(20))?;
        if out.code != Some(2) || !out.stderr.contains("usage: delayserver") {
            return Err(format!("{bad:?}: {:?}, stderr {:?}", out.code, out.stderr));
        }
    }
    let mut s = Server::start(server(&[
        "--threads",
        "2",
        "--max-connections",
        &SLOW.to_string(),
        "--grace",
        "5",
    ]))?;
    let addr = s.addr;
    // One connection each: the kernel spreads them over both listeners by
    // a hash of the client's port (all on one core: a chance of 2^-31).
    for i in 0..QUICK {
        expect_body(addr, &format!("/0/q{i}"), &format!("q{i}"))?;
    }
    // A quick connection still lingering (its client's close on its way)
    // counts against the limit for a moment: a slow client refused then
    // tries again.
    let slow: Vec<_> = (0..SLOW)
        .map(|i| {
            std::thread::spawn(move || {
                let start = Instant::now();
                loop {
                    let resp = get(addr, &format!("/2000/s{i}"))?;
                    if !resp.starts_with("HTTP/1.1 503")
                        || start.elapsed() > Duration::from_secs(10)
                    {
                        return if resp.starts_with("HTTP/1.1 200")
                            && resp.ends_with(&format!("\r\n\r\ns{i}"))
                        {
                            Ok(())
                        } else {
                            Err(format!("slow client {i}: {resp:?}"))
                        };
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        })
        .collect();
    // Each slow request is logged once its connection is counted.
    s.wait_for_lines(
        |l| l.contains(" - 2000ms: s"),
        SLOW,
        Duration::from_secs(20),
    )?;
    // The limit counts the connections of both cores.
    let over = get(addr, "/0/over")?;
    if !over.starts_with("HTTP/1.1 503") {
        return Err(format!(
            "connection {} of {SLOW} allowed: {over:?}",
            SLOW + 1
        ));
    }
    s.signal("TERM")?;
    for c in slow {
        c.join().map_err(|_| "client thread panicked")??;
    }
    let code = s.wait_exit(Duration::from_secs(5))?;
    if code != Some(0) {
        return Err(format!("exit status {code:?} after SIGTERM"));
    }
    let log = s.rest_of_stdout(Duration::from_secs(1));
    let per_core: Vec<u64> = log
        .iter()
        .find_map(|l| l.split_once("connections accepted per core: "))
        .map(|(_, counts)| {
            counts
                .split(", ")
                .filter_map(|c| c.rsplit(' ').next()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    // At least every quick, slow and refused client (a slow one refused
    // while quick ones lingered is one more).
    let total = (QUICK + SLOW + 1) as u64;
    if per_core.len() != 2 || per_core.contains(&0) || per_core.iter().sum::<u64>() < total {
        return Err(format!(
            "accepts per core {per_core:?}, {total} at least expected; log {log:?}"
        ));
    }
    let stopped = format!("stopped after {} requests", QUICK + SLOW);
    if !log.iter().any(|l| l.contains(&stopped)) {
        return Err(format!("no {stopped:?} in {log:?}"));
    }
    Ok(())
}

/// A loopback server run by `serve(stream)` per connection, on a thread;
/// stops accepting when dropped.
struct FakeServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl FakeServer {
    fn start(serve: fn(TcpStream, &AtomicBool)) -> Result<FakeServer, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((s, _)) => {
                        let flag = flag.clone();
                        let _ = s.set_nonblocking(false);
                        std::thread::spawn(move || serve(s, &flag));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Ok(FakeServer { addr, stop })
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Reads the request head, so an answer is not met by a reset.
fn read_head(s: &mut TcpStream) {
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && matches!(s.read(&mut b), Ok(1)) {
        head.push(b[0]);
    }
}

fn demo_timeouts(demo: &dyn Fn(&[&str]) -> Command) -> Result<(), String> {
    let silent = FakeServer::start(|s, stop| {
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(s);
    })?;
    let dripping = FakeServer::start(|mut s, stop| {
        read_head(&mut s);
        for &b in b"HTTP/1.1 200 OK\r\nx-drip: "
            .iter()
            .chain([b'a'; 1000].iter())
        {
            if stop.load(Ordering::Relaxed) || s.write_all(&[b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })?;
    for (server, what) in [(&silent, "silent server"), (&dripping, "dripped header")] {
        let addr = server.addr.to_string();
        let out = run_with_timeout(demo(&["--timeout", "1", &addr]), Duration::from_secs(15))?;
        let said = &out.stderr;
        if out.timed_out || out.code == Some(0) || out.code.is_none() {
            return Err(format!(
                "{what}: demo {}; stderr {said:?}",
                out.describe_exit()
            ));
        }
        if out.elapsed > Duration::from_secs(8) {
            return Err(format!("{what}: took {:?} with a 1 s timeout", out.elapsed));
        }
        if !(said.contains(&addr)
            && said.contains("/600/HelloAsyncAwait")
            && said.contains("timed out"))
        {
            return Err(format!("{what}: stderr {said:?}"));
        }
    }
    Ok(())
}

fn demo_non_2xx(demo: &dyn Fn(&[&str]) -> Command) -> Result<(), String> {
    let failing = FakeServer::start(|mut s, _| {
        read_head(&mut s);
        let _ = s.write_all(
            b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 5\r\nconnection: close\r\n\r\noops\n",
        );
        let _ = s.shutdown(Shutdown::Write);
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
    })?;
    let addr = failing.addr.to_string();
    let out = run_with_timeout(demo(&[&addr]), Duration::from_secs(20))?;
    let said = &out.stderr;
    if out.code == Some(0) || out.code.is_none() {
        return Err(format!("demo {}; stderr {said:?}", out.describe_exit()));
    }
    if !(said.contains(&addr) && said.contains("/600/HelloAsyncAwait") && said.contains("500")) {
        return Err(format!("stderr {said:?}"));
    }
    Ok(())
}
