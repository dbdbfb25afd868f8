//! The scenarios that are more than one executor process: syscall cost,
//! timers, echo (server + client processes, plus a `strace -c` sample),
//! C10k against the delay servers, and the footprint table.

use crate::{Config, Samples, first_line, parse_results, pinned, run_capture};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Samples keyed by (row, contender, metric), errors by (row, contender).
#[derive(Default)]
pub struct Results {
    pub samples: BTreeMap<(String, String, String), Samples>,
    pub errors: BTreeMap<(String, String), String>,
}

impl Results {
    pub(crate) fn add(&mut self, row: &str, who: &str, out: &str) -> bool {
        let r = parse_results(out);
        for (m, v) in &r {
            self.samples
                .entry((row.to_owned(), who.to_owned(), m.clone()))
                .or_default()
                .push(*v);
        }
        !r.is_empty()
    }
    pub(crate) fn err(&mut self, row: &str, who: &str, e: &str) {
        eprintln!("runner: {row}/{who}: {e}");
        self.errors
            .entry((row.to_owned(), who.to_owned()))
            .or_insert_with(|| first_line(e));
    }
    pub fn get(&self, row: &str, who: &str, metric: &str) -> Option<&Samples> {
        self.samples
            .get(&(row.to_owned(), who.to_owned(), metric.to_owned()))
    }
    pub fn error(&self, row: &str, who: &str) -> Option<&String> {
        self.errors.get(&(row.to_owned(), who.to_owned()))
    }
}

/// Syscalls per request and the largest contributors (name, per request).
pub type StraceSample = (f64, Vec<(String, f64)>);

#[derive(Default)]
pub struct Net {
    pub syscost: Results,
    pub timers: Results,
    pub echo: Results,
    /// (server, syscalls per request, top syscalls per request).
    /// (server, connections, sample).
    pub strace: Vec<(String, usize, Result<StraceSample, String>)>,
    pub c10k: Results,
    pub sizes: Vec<(String, Result<u64, String>)>,
    pub echo_servers: Vec<String>,
    pub c10k_servers: Vec<String>,
    pub timer_contenders: Vec<String>,
    pub echo_grid: Vec<(usize, usize)>,
    pub c10k_n: usize,
    pub c100k: crate::c100k::C100k,
}

pub const SYSCOST: &[(&str, &str, &str)] = &[
    ("bitwake", "syscost_bitwake", ""),
    ("inline asm", "syscost", "asm"),
    ("libc", "syscost", "libc"),
    ("syscalls crate", "syscost", "syscalls"),
];

pub const TIMERS: &[(&str, &str)] = &[
    ("bitwake", "timers_bitwake"),
    ("tokio_ct_io", "timers_tokio"),
    ("async_executor + async-io", "timers_smol"),
    ("embassy_std + embassy-time", "timers_embassy"),
];

pub fn run_all(cfg: &Config) -> Net {
    let mut net = Net::default();
    let t = Instant::now();
    syscost(cfg, &mut net);
    eprintln!("runner: syscost done at {:.0?}", t.elapsed());
    timers(cfg, &mut net);
    eprintln!("runner: timers done at {:.0?}", t.elapsed());
    echo(cfg, &mut net);
    eprintln!("runner: echo done at {:.0?}", t.elapsed());
    c10k(cfg, &mut net);
    eprintln!("runner: c10k done at {:.0?}", t.elapsed());
    net.c100k = crate::c100k::run(cfg);
    eprintln!("runner: c100k done at {:.0?}", t.elapsed());
    footprint(cfg, &mut net);
    net
}

fn syscost(cfg: &Config, net: &mut Net) {
    for round in 0..cfg.mode.rounds {
        for k in 0..SYSCOST.len() {
            let (who, bin, arg) = SYSCOST[(k + round) % SYSCOST.len()];
            if net.syscost.error("write", who).is_some() {
                continue;
            }
            let mut cmd = pinned(cfg, &cfg.bins.join(bin));
            if !arg.is_empty() {
                cmd.arg(arg);
            }
            cmd.arg(format!("reps={}", cfg.mode.reps));
            match run_capture(cmd, Duration::from_secs(30)) {
                Ok(out) => {
                    // Every variant reports under its own name; file them
                    // all under one metric.
                    let v: Vec<f64> = parse_results(&out).into_iter().map(|x| x.1).collect();
                    net.syscost
                        .samples
                        .entry(("write".into(), who.into(), "ns".into()))
                        .or_default()
                        .extend(v);
                }
                Err(e) => net.syscost.err("write", who, &e),
            }
        }
    }
}

fn timers(cfg: &Config, net: &mut Net) {
    let n = 10_000;
    let rounds = if cfg.mode.quick { 2 } else { 5 };
    net.timer_contenders = TIMERS.iter().map(|t| t.0.to_owned()).collect();
    for round in 0..rounds {
        for k in 0..TIMERS.len() {
            let (who, bin) = TIMERS[(k + round) % TIMERS.len()];
            if net.timers.error("timers", who).is_some() {
                continue;
            }
            // bitwake's timers program is freestanding, built elsewhere.
            let path = match (who, &cfg.bitwake_timers) {
                ("bitwake", Some(p)) => p.clone(),
                _ => cfg.bins.join(bin),
            };
            if !path.exists() {
                net.timers.err("timers", who, "not built");
                continue;
            }
            let mut cmd = pinned(cfg, &path);
            cmd.arg(n.to_string());
            match run_capture(cmd, Duration::from_secs(30)) {
                Ok(out) => {
                    if !net.timers.add("timers", who, &out) {
                        net.timers.err("timers", who, "no result");
                    }
                }
                Err(e) => net.timers.err("timers", who, &e),
            }
        }
    }
}

/// Starts server `s` on `port` and waits until it accepts: pinned to the
/// benchmark CPU, or, with several threads, free to use every CPU (bitwake
/// pins its cores itself; tokio's workers float).
fn start_server(cfg: &Config, s: &Server, port: u16) -> Result<Child, String> {
    let mut cmd = if s.threads > 1 {
        Command::new(&s.program)
    } else {
        pinned(cfg, &s.program)
    };
    cmd.args(s.args(port));
    start_command(cmd, &s.program.display().to_string(), port)
}

/// Starts the server command `cmd` and waits until it accepts on `port`.
pub(crate) fn start_command(mut cmd: Command, label: &str, port: u16) -> Result<Child, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("{label}: {e}"))?;
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(3) {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(child);
        }
        if let Ok(Some(s)) = child.try_wait() {
            return Err(format!("{label} exited at start: {s}"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(format!("{label} did not listen on port {port}"))
}

pub(crate) fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

struct Server {
    label: String,
    program: PathBuf,
    /// Arguments; `{port}` is replaced by the port.
    args: Vec<String>,
    /// Threads serving (1: pinned to the benchmark CPU).
    threads: usize,
}

impl Server {
    fn args(&self, port: u16) -> Vec<String> {
        self.args
            .iter()
            .map(|a| a.replace("{port}", &port.to_string()))
            .collect()
    }
}

/// Labels of the two-thread echo servers (bitwake `--threads 2`, tokio
/// multi_thread with 2 workers): their client shares the two CPUs with them.
pub const BITWAKE_X2: &str = "bitwake ×2";
pub const TOKIO_MT2: &str = "tokio_mt ×2";

fn echo_servers(cfg: &Config) -> Vec<Server> {
    let mut v = Vec::new();
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    if let Some(p) = &cfg.bitwake_echo {
        v.push(Server {
            label: "bitwake".into(),
            program: p.clone(),
            args: args(&["{port}"]),
            threads: 1,
        });
    }
    v.push(Server {
        label: "tokio_ct".into(),
        program: cfg.bins.join("echo_tokio"),
        args: args(&["{port}"]),
        threads: 1,
    });
    v.push(Server {
        label: "epoll loop".into(),
        program: cfg.bins.join("echo_epoll"),
        args: args(&["{port}"]),
        threads: 1,
    });
    if let Some(p) = &cfg.bitwake_echo {
        v.push(Server {
            label: BITWAKE_X2.into(),
            program: p.clone(),
            args: args(&["{port}", "--threads", "2"]),
            threads: 2,
        });
    }
    v.push(Server {
        label: TOKIO_MT2.into(),
        program: cfg.bins.join("echo_tokio"),
        args: args(&["{port}", "2"]),
        threads: 2,
    });
    v
}

static NEXT_PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(39_100);

pub(crate) fn port() -> u16 {
    NEXT_PORT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn echo(cfg: &Config, net: &mut Net) {
    let servers = echo_servers(cfg);
    net.echo_servers = servers.iter().map(|s| s.label.clone()).collect();
    if cfg.bitwake_echo.is_none() {
        net.echo
            .err("all", "bitwake", "no bitwake echo server built");
    }
    net.echo_grid = vec![
        (1, 64),
        (16, 64),
        (64, 64),
        (256, 64),
        (1, 1024),
        (16, 1024),
        (64, 1024),
        (256, 1024),
    ];
    let (rounds, warm, meas) = if cfg.mode.quick {
        (2, 150, 400)
    } else {
        (3, 300, 1500)
    };
    let client = cfg.bins.join("echo_client");
    for round in 0..rounds {
        for &(conns, size) in &net.echo_grid.clone() {
            let row = format!("{conns}x{size}");
            for k in 0..servers.len() {
                let s = &servers[(k + round) % servers.len()];
                if net.echo.error(&row, &s.label).is_some() {
                    continue;
                }
                let p = port();
                let child = match start_server(cfg, s, p) {
                    Ok(c) => c,
                    Err(e) => {
                        net.echo.err(&row, &s.label, &e);
                        continue;
                    }
                };
                let mut cmd = pinned(cfg, &client);
                cmd.args([
                    p.to_string(),
                    conns.to_string(),
                    size.to_string(),
                    warm.to_string(),
                    meas.to_string(),
                    "100000000".into(),
                    child.id().to_string(),
                ]);
                match run_capture(cmd, Duration::from_secs(30)) {
                    Ok(out) => {
                        if !net.echo.add(&row, &s.label, &out) {
                            net.echo.err(&row, &s.label, "no result");
                        }
                    }
                    Err(e) => net.echo.err(&row, &s.label, &e),
                }
                stop(child);
            }
        }
    }
    // One `strace -c` sample per server at 1 and at 16 connections × 64 B:
    // with one connection every request can end in a wait for readiness.
    for conns in [1usize, 16] {
        for s in &servers {
            let r = strace_sample(cfg, s, &client, conns);
            if let Err(e) = &r {
                eprintln!("runner: strace {} ({conns} conns): {e}", s.label);
            }
            net.strace.push((s.label.clone(), conns, r));
        }
    }
}

/// Attaches `strace -f -c` to a running server for a fixed client run and
/// returns syscalls per request (and the biggest contributors).
fn strace_sample(
    cfg: &Config,
    s: &Server,
    client: &Path,
    conns: usize,
) -> Result<StraceSample, String> {
    let p = port();
    let child = start_server(cfg, s, p)?;
    let out_file = std::env::temp_dir().join(format!("bitwake-bench-strace-{p}.txt"));
    let mut st = Command::new("strace")
        .args(["-f", "-c", "-o"])
        .arg(&out_file)
        .args(["-p", &child.id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("strace: {e}"))?;
    // strace prints nothing when attached; give it time to attach.
    std::thread::sleep(Duration::from_millis(300));
    let mut cmd = pinned(cfg, client);
    // Long enough that connection set-up (accept4, setsockopt, epoll_ctl)
    // and the requests still in flight at the end are noise: a 400 ms
    // sample under strace held ~150 requests and read 2.66 per request at
    // 16 connections where the steady state is 2.00.
    let meas = if cfg.mode.quick { 1500 } else { 3000 };
    cmd.args([
        p.to_string(),
        conns.to_string(),
        "64".into(),
        "0".into(),
        meas.to_string(),
        "20000".into(),
        child.id().to_string(),
    ]);
    let out = run_capture(cmd, Duration::from_secs(30));
    // SAFETY: plain kill(2) of the strace child we started.
    unsafe { libc::kill(st.id() as i32, libc::SIGINT) };
    let _ = st.wait();
    stop(child);
    let out = out?;
    let reqs = parse_results(&out)
        .into_iter()
        .find(|(n, _)| n == "total_reqs")
        .map(|x| x.1)
        .ok_or("client reported no requests")?;
    let text = std::fs::read_to_string(&out_file).map_err(|e| format!("strace output: {e}"))?;
    let _ = std::fs::remove_file(&out_file);
    let (total, top) = parse_strace(&text).ok_or("cannot parse strace -c output")?;
    let per = |c: u64| c as f64 / reqs.max(1.0);
    Ok((
        per(total),
        top.into_iter().map(|(n, c)| (n, per(c))).collect(),
    ))
}

/// Total calls and the per-syscall calls (largest first) of `strace -c`.
pub fn parse_strace(text: &str) -> Option<(u64, Vec<(String, u64)>)> {
    let mut total = None;
    let mut rows = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 5 || f[0].starts_with('%') || f[0].starts_with('-') {
            continue;
        }
        let name = *f.last()?;
        // Columns: % time, seconds, usecs/call, calls, [errors], syscall.
        let Ok(calls) = f[3].parse::<u64>() else {
            continue;
        };
        if name == "total" {
            total = Some(calls);
        } else {
            rows.push((name.to_owned(), calls));
        }
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    rows.truncate(5);
    Some((total?, rows))
}

fn c10k(cfg: &Config, net: &mut Net) {
    let n = 10_000usize;
    net.c10k_n = n;
    let mut servers = Vec::new();
    if let Some(p) = &cfg.bitwake_delay {
        servers.push(Server {
            label: "bitwake delayserver".into(),
            program: p.clone(),
            // `delayserver [IP:PORT]`; it prints one line per request,
            // which goes to /dev/null.
            args: vec!["127.0.0.1:{port}".into()],
            threads: 1,
        });
    } else {
        net.c10k.err("c10k", "bitwake delayserver", "not built");
        net.c10k.err("c10k0", "bitwake delayserver", "not built");
    }
    servers.push(Server {
        label: "tokio_ct delay server".into(),
        program: cfg.bins.join("delay_tokio"),
        args: vec!["{port}".into()],
        threads: 1,
    });
    // Two threads each: the client shares the two CPUs with them.
    if let Some(p) = &cfg.bitwake_delay {
        servers.push(Server {
            label: "bitwake delayserver --threads 2".into(),
            program: p.clone(),
            args: vec!["127.0.0.1:{port}".into(), "--threads".into(), "2".into()],
            threads: 2,
        });
    }
    servers.push(Server {
        label: "tokio_mt ×2 delay server".into(),
        program: cfg.bins.join("delay_tokio"),
        args: vec!["{port}".into(), "2".into()],
        threads: 2,
    });
    net.c10k_servers = servers.iter().map(|s| s.label.clone()).collect();
    if cfg.bitwake_delay.is_none() {
        net.c10k_servers.insert(0, "bitwake delayserver".into());
    }
    let rounds = if cfg.mode.quick { 1 } else { 3 };
    // 1 s delays (the scenario), then 0 ms: the cost of 10,000 connection
    // set-ups alone on this machine, which bounds the first number.
    for (row, delay) in [("c10k", "1000"), ("c10k0", "0")] {
        for round in 0..rounds {
            for k in 0..servers.len() {
                let s = &servers[(k + round) % servers.len()];
                if net.c10k.error(row, &s.label).is_some() {
                    continue;
                }
                let p = port();
                let child = match start_server(cfg, s, p) {
                    Ok(c) => c,
                    Err(e) => {
                        net.c10k.err(row, &s.label, &e);
                        continue;
                    }
                };
                // The client runs on the other CPU: 10,000 connection set-ups
                // would otherwise be charged to the server's wall time.
                let mut cmd = Command::new("taskset");
                cmd.arg("-c")
                    .arg(other_cpu(&cfg.cpu))
                    .arg(cfg.bins.join("c10k_client"));
                cmd.args([
                    p.to_string(),
                    n.to_string(),
                    delay.into(),
                    child.id().to_string(),
                ]);
                match run_capture(cmd, Duration::from_secs(60)) {
                    Ok(out) => {
                        if !net.c10k.add(row, &s.label, &out) {
                            net.c10k.err(row, &s.label, "no result");
                        }
                    }
                    Err(e) => net.c10k.err(row, &s.label, &e),
                }
                stop(child);
            }
        }
    }
}

pub(crate) fn other_cpu(cpu: &str) -> String {
    if cpu == "0" { "1".into() } else { "0".into() }
}

fn footprint(cfg: &Config, net: &mut Net) {
    for (label, path) in &cfg.sizes {
        net.sizes.push((label.clone(), stripped_size(path)));
    }
}

/// The size of `path` after `strip` (on a copy; the original is untouched).
fn stripped_size(path: &Path) -> Result<u64, String> {
    if !path.exists() {
        return Err(format!("{} not built", path.display()));
    }
    let tmp = std::env::temp_dir().join(format!(
        "bitwake-bench-size-{}",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    std::fs::copy(path, &tmp).map_err(|e| e.to_string())?;
    let ok = Command::new("strip")
        .arg(&tmp)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let size = std::fs::metadata(&tmp)
        .map(|m| m.len())
        .map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&tmp);
    if !ok {
        return Err("strip failed".into());
    }
    size
}

#[cfg(test)]
mod tests {
    use super::parse_strace;

    #[test]
    fn parses_strace_summary() {
        let t = "% time     seconds  usecs/call     calls    errors syscall\n\
------ ----------- ----------- --------- --------- ----------------\n\
 50.00    0.010000           1     20000           write\n\
 40.00    0.008000           0     20000         5 read\n\
 10.00    0.002000           1      1300           epoll_wait\n\
------ ----------- ----------- --------- --------- ----------------\n\
100.00    0.020000           0     41300         5 total\n";
        let (total, top) = parse_strace(t).unwrap();
        assert_eq!(total, 41300);
        assert_eq!(top[0], ("write".to_owned(), 20000));
        assert_eq!(top[2], ("epoll_wait".to_owned(), 1300));
    }
}
