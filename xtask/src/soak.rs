//! `cargo xtask soak [--seconds S]`: the freestanding delay server, run
//! natively, under a mixed hostile load from loopback clients for S seconds,
//! then checked for leaks.
//!
//! The load, one kind per thread (`soak_load.rs` has the clients):
//! control clients (each request must come back `200` with its own
//! message), slowloris (a request dripped a byte at a time), idle holders
//! (connect and say nothing), garbage, a reset in the middle of a request,
//! a disconnect while the answer is delayed, pipelined requests and
//! oversized requests. Every loop is bounded in count and in time.
//!
//! The verdict fails on: any control-client error; a server that died or
//! printed a panic; open fds that do not come back to the baseline once the
//! clients are gone; resident memory that grew after warm-up (the server
//! has no heap: its pools are static, so growth past the pages the warm-up
//! touched is a leak); a slow or idle client the server never cut off; a
//! server that stops answering afterwards.

use crate::cargo_build::{self, BuildOptions};
use crate::soak_load::{self, Kind, Stats};
use crate::summary::Summary;
use crate::targets::Target;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The length of the run inside `cargo xtask test`.
pub const TEST_SECONDS: u64 = 30;
/// Longest run accepted (the clients' bookkeeping is sized for it).
pub const MAX_SECONDS: u64 = 24 * 3600;
/// How long the server may take to close everything after the load stops:
/// its request timeout (10 s) plus slack.
const SETTLE: Duration = Duration::from_secs(15);
/// Growth of the resident set after warm-up that counts as a leak.
const RSS_SLACK_KB: u64 = 1024;

/// The server under test: its process, address and what it printed.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// Request log lines (`#n - ...`) printed so far.
    logged: Arc<AtomicU64>,
    /// Its stderr, kept (bounded) to look for panics.
    stderr: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    fn start(mut cmd: Command) -> Result<Server, String> {
        cmd.arg("127.0.0.1:0");
        let (mut child, out, err) = crate::process::spawn_piped(&mut cmd)?;
        let (tx, rx) = mpsc::channel();
        let logged = Arc::new(AtomicU64::new(0));
        let count = logged.clone();
        std::thread::spawn(move || {
            let mut first = Some(tx);
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(tx) = first.take() {
                    let _ = tx.send(line);
                } else if line.starts_with('#') {
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        let stderr = Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if let Ok(mut v) = keep.lock()
                    && v.len() < 100
                {
                    v.push(line);
                }
            }
        });
        let first = rx.recv_timeout(Duration::from_secs(20)).map_err(|_| {
            let _ = child.kill();
            "the delay server printed nothing within 20 s".to_string()
        })?;
        let addr = first
            .rsplit(' ')
            .next()
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("cannot find the address in {first:?}"))?;
        Ok(Server {
            child,
            addr,
            logged,
            stderr,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn stderr_lines(&self) -> Vec<String> {
        self.stderr.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Open fds of process `pid`.
pub fn fd_count(pid: u32) -> Result<usize, String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .map_err(|e| format!("/proc/{pid}/fd: {e}"))
}

/// A `kB` field of `/proc/PID/status` (`VmRSS`, `VmHWM`).
pub fn status_kb(pid: u32, field: &str) -> Result<u64, String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("no {field} in /proc/{pid}/status"))
}

/// What one soak run saw.
#[derive(Debug, Default)]
pub struct Report {
    pub seconds: u64,
    pub logged: u64,
    pub fds_start: usize,
    pub fds_peak: usize,
    pub fds_end: usize,
    pub rss_start_kb: u64,
    pub rss_warm_kb: u64,
    pub rss_end_kb: u64,
    pub stats: Vec<(Kind, Stats)>,
    /// Why the run failed; empty when it passed.
    pub problems: Vec<String>,
}

impl Report {
    fn print(&self) {
        println!(
            "soak: {} s, {} requests served (server log lines)",
            self.seconds, self.logged
        );
        println!(
            "soak: server fds start {} / peak {} / end {}; RSS start {} kB / after warm-up {} kB / end {} kB",
            self.fds_start,
            self.fds_peak,
            self.fds_end,
            self.rss_start_kb,
            self.rss_warm_kb,
            self.rss_end_kb
        );
        for (kind, s) in &self.stats {
            println!("soak:   {:<12} {s}", kind.name());
        }
        for p in &self.problems {
            println!("soak: PROBLEM {p}");
        }
    }
}

/// Builds the delay server for `target` (which must run natively).
fn build_server(root: &Path, target: &Target) -> Result<std::path::PathBuf, String> {
    if !target.runs_natively() {
        return Err(format!(
            "the soak runs the delay server natively; {} does not run on this machine",
            target.name
        ));
    }
    let elfs = cargo_build::build_programs(
        root,
        target,
        &["delayserver".to_owned()],
        &BuildOptions::default(),
    )?;
    elfs.into_iter()
        .next()
        .ok_or_else(|| "no delayserver was built".to_string())
}

/// Runs the whole soak for `seconds` and returns its report.
pub fn soak(root: &Path, target: &Target, seconds: u64) -> Result<Report, String> {
    let elf = build_server(root, target)?;
    let mut server = Server::start(cargo_build::run_command(target, &elf, true))?;
    let pid = server.pid();
    let addr = server.addr;
    // Let start-up settle before taking the baseline.
    std::thread::sleep(Duration::from_millis(200));
    let mut report = Report {
        seconds,
        fds_start: fd_count(pid)?,
        rss_start_kb: status_kb(pid, "VmRSS")?,
        ..Report::default()
    };
    report.fds_peak = report.fds_start;

    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let stop = Arc::new(AtomicBool::new(false));
    let workers = soak_load::start_all(addr, deadline, seconds, stop.clone());

    // Sample the server once a second while the load runs; the resident set
    // after the first third of the run is the warm baseline.
    let warm_at = start + Duration::from_secs(seconds / 3);
    let mut warm = None;
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        if !server.alive() {
            break;
        }
        if let Ok(n) = fd_count(pid) {
            report.fds_peak = report.fds_peak.max(n);
        }
        if warm.is_none() && Instant::now() >= warm_at {
            warm = status_kb(pid, "VmRSS").ok();
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut stats = Vec::new();
    for (kind, handle) in workers {
        match handle.join() {
            Ok(s) => stats.push((kind, s)),
            Err(_) => report
                .problems
                .push(format!("the {} client thread panicked", kind.name())),
        }
    }

    if !server.alive() {
        report.problems.push(format!(
            "the delay server died during the load; stderr: {:?}",
            server.stderr_lines()
        ));
        report.stats = stats;
        return Ok(report);
    }
    // The clients are gone: the server must come back to its baseline.
    let settle_end = Instant::now() + SETTLE;
    loop {
        report.fds_end = fd_count(pid)?;
        if report.fds_end <= report.fds_start || Instant::now() >= settle_end {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Still serving after everything.
    if let Err(e) = soak_load::control_request(addr, "/5/after-the-soak", "after-the-soak") {
        report
            .problems
            .push(format!("after the load a control request failed: {e}"));
    }
    report.rss_warm_kb = warm.unwrap_or(report.rss_start_kb);
    report.rss_end_kb = status_kb(pid, "VmRSS")?;
    // The log reader may lag a little behind the server.
    std::thread::sleep(Duration::from_millis(200));
    report.logged = server.logged.load(Ordering::Relaxed);

    if report.fds_end > report.fds_start {
        report.problems.push(format!(
            "fd leak: {} open fds {} s after the load stopped, {} at start",
            report.fds_end,
            SETTLE.as_secs(),
            report.fds_start
        ));
    }
    if report.rss_end_kb > report.rss_warm_kb + RSS_SLACK_KB {
        report.problems.push(format!(
            "memory grew after warm-up: RSS {} kB at the end, {} kB after warm-up",
            report.rss_end_kb, report.rss_warm_kb
        ));
    }
    if !server.alive() {
        report.problems.push("the delay server died".into());
    }
    let stderr = server.stderr_lines();
    if stderr.iter().any(|l| l.contains("panic")) {
        report
            .problems
            .push(format!("the server panicked: {stderr:?}"));
    }
    for (kind, s) in &stats {
        for p in s.problems() {
            report.problems.push(format!("{}: {p}", kind.name()));
        }
    }
    if stats
        .iter()
        .find(|(k, _)| *k == Kind::Control)
        .is_none_or(|(_, s)| s.ok == 0)
    {
        report.problems.push("no control request was served".into());
    }
    report.stats = stats;
    Ok(report)
}

/// `cargo xtask soak`: runs, prints the report; `true` when it passed.
pub fn run(root: &Path, target: &Target, seconds: u64) -> Result<bool, String> {
    let report = soak(root, target, seconds)?;
    report.print();
    let passed = report.problems.is_empty();
    println!("soak: {}", if passed { "passed" } else { "FAILED" });
    Ok(passed)
}

/// The short soak inside `cargo xtask test`.
pub fn check(root: &Path, target: &Target, summary: &mut Summary) {
    let name = format!(
        "[{}/native] delayserver soak {TEST_SECONDS} s under mixed hostile load: no leak, crash or control error",
        target.name
    );
    let r = soak(root, target, TEST_SECONDS).and_then(|report| {
        report.print();
        if report.problems.is_empty() {
            Ok(())
        } else {
            Err(report.problems.join("; "))
        }
    });
    summary.record(&name, r);
}
