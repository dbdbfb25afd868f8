//! C100k: 100,000 concurrent delayed requests against each delay server.
//!
//! The same client as C10k (`c10k_client`: one epoll loop), spreading its
//! connections over source addresses 127.0.0.1, 127.0.0.2, ... (one
//! address has about 28,000 ephemeral ports), with the fd limit of client
//! and server raised to 200,000 (`prlimit`: as root with `CAP_SYS_RESOURCE`,
//! or under a hard limit that high). Where the hard limit cannot be raised,
//! the scenario runs with as many connections as it allows and the section
//! says so. The delay is long so that the requests overlap; `peak_pending`
//! in the table is how many were really waiting at once.

use crate::net::{Results, port, start_command, stop};
use crate::{Config, run_capture};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// Concurrent requests.
pub const N: usize = 100_000;
/// Delay of each request: the set-up of 100,000 connections takes seconds.
const DELAY_MS: &str = "15000";
/// The client gives up after this long.
const LIMIT_S: &str = "120";
/// The fd limit (soft and hard) wanted for client and server.
const NOFILE: u64 = 200_000;

/// Results of the C100k runs.
#[derive(Default)]
pub struct C100k {
    pub results: Results,
    pub servers: Vec<String>,
    /// Concurrent requests made (`N`, or fewer where fds are limited).
    pub n: usize,
    /// Why fewer than `N`, if so.
    pub note: Option<String>,
}

/// The hard `RLIMIT_NOFILE` of this process (`/proc/self/limits`).
fn hard_nofile() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(4)?.parse().ok()
}

/// The fd limit to run under and the number of connections it allows:
/// [`NOFILE`] and [`N`] if `prlimit` may raise the hard limit that far,
/// else the hard limit as it is and what fits under it.
fn capacity() -> (u64, usize, Option<String>) {
    let raised = Command::new("prlimit")
        .arg(format!("--nofile={NOFILE}:{NOFILE}"))
        .arg("true")
        .output()
        .is_ok_and(|o| o.status.success());
    if raised {
        return (NOFILE, N, None);
    }
    let hard = hard_nofile().unwrap_or(1024);
    let n = (hard.saturating_sub(1000) / 1000 * 1000) as usize;
    (
        hard,
        n,
        Some(format!(
            "the hard fd limit here is {hard} and cannot be raised (no CAP_SYS_RESOURCE), \
             so this ran {n} connections, not {N}"
        )),
    )
}

/// `prlimit --nofile=L:L taskset -c CPU program args…`.
fn limited(nofile: u64, cpu: &str, program: &PathBuf, args: &[String]) -> Command {
    let mut c = Command::new("prlimit");
    c.arg(format!("--nofile={nofile}:{nofile}"))
        .args(["taskset", "-c", cpu])
        .arg(program)
        .args(args);
    c
}

/// Runs C100k once per server per round, interleaved like the other
/// scenarios.
pub fn run(cfg: &Config) -> C100k {
    let mut out = C100k::default();
    let (nofile, n, note) = capacity();
    out.n = n;
    out.note = note;
    let mut servers: Vec<(String, PathBuf, Vec<String>)> = Vec::new();
    match &cfg.bitwake_delay {
        Some(p) => servers.push((
            "bitwake delayserver".into(),
            p.clone(),
            vec!["127.0.0.1:{port}".into()],
        )),
        None => out.results.err("c100k", "bitwake delayserver", "not built"),
    }
    servers.push((
        "tokio_ct delay server".into(),
        cfg.bins.join("delay_tokio"),
        vec!["{port}".into()],
    ));
    out.servers = servers.iter().map(|s| s.0.clone()).collect();
    if cfg.bitwake_delay.is_none() {
        out.servers.insert(0, "bitwake delayserver".into());
    }
    let rounds = if cfg.mode.quick { 1 } else { 2 };
    for round in 0..rounds {
        for k in 0..servers.len() {
            let (label, program, args) = &servers[(k + round) % servers.len()];
            if out.results.error("c100k", label).is_some() {
                continue;
            }
            let p = port();
            let args: Vec<String> = args
                .iter()
                .map(|a| a.replace("{port}", &p.to_string()))
                .collect();
            let child = match start_command(limited(nofile, &cfg.cpu, program, &args), label, p) {
                Ok(c) => c,
                Err(e) => {
                    out.results.err("c100k", label, &e);
                    continue;
                }
            };
            let client = cfg.bins.join("c10k_client");
            let mut cmd = limited(
                nofile,
                crate::net::other_cpu(&cfg.cpu).as_str(),
                &client,
                &[
                    p.to_string(),
                    n.to_string(),
                    DELAY_MS.into(),
                    child.id().to_string(),
                    LIMIT_S.into(),
                    // Each request as soon as its connection is made: a
                    // set-up of this size takes longer than the delay
                    // server's 10 s request timeout.
                    "1".into(),
                ],
            );
            cmd.env_remove("RUST_LOG");
            match run_capture(cmd, Duration::from_secs(180)) {
                Ok(text) => {
                    if !out.results.add("c100k", label, &text) {
                        out.results.err("c100k", label, "no result");
                    }
                }
                Err(e) => out.results.err("c100k", label, &e),
            }
            stop(child);
        }
    }
    out
}

/// The BENCHMARKS.md section: wall and peak RSS of both servers side by
/// side, and their ratio.
pub fn section(s: &mut String, r: &C100k, cell: fn(Option<&Vec<f64>>) -> String) {
    use std::fmt::Write;
    let _ = writeln!(
        s,
        "## 7b. C100k: {} concurrent `GET /{DELAY_MS}/…` against a delay server\n\n\
         As C10k, with the client's connections spread over source addresses 127.0.0.1.. \
         (20,000 each) and the fd limit of client and server raised to 200,000 (`prlimit`). \
         **peak pending** = requests sent and not yet answered at the busiest moment (the \
         number really delayed at once). Wall = first connect to last answer (it includes the \
         {DELAY_MS} ms delay).\n\n\
         | server | wall ms | answered | errors | peak pending | server peak RSS kB | server CPU ms | client CPU ms |\n|---|---|---|---|---|---|---|---|",
        r.n
    );
    if let Some(note) = &r.note {
        let _ = writeln!(s, "> {note}.\n");
    }
    for who in &r.servers {
        if let Some(e) = r.results.error("c100k", who)
            && r.results.get("c100k", who, "wall_ms").is_none()
        {
            let _ = writeln!(s, "| {who} | n/a ({e}) | | | | | | |");
            continue;
        }
        let g = |m: &str| cell(r.results.get("c100k", who, m));
        let _ = writeln!(
            s,
            "| {who} | {} | {} | {} | {} | {} | {} | {} |",
            g("wall_ms"),
            g("answered"),
            g("errors"),
            g("peak_pending"),
            g("server_peak_rss_kb"),
            g("server_cpu_ms"),
            g("client_cpu_ms")
        );
    }
    let rss = |who: &str| {
        let v = r.results.get("c100k", who, "server_peak_rss_kb")?;
        let mut v = v.clone();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    if let (Some(b), Some(t)) = (rss("bitwake delayserver"), rss("tokio_ct delay server")) {
        let _ = writeln!(
            s,
            "\nPeak RSS, bitwake ÷ tokio_ct: {:.2} (median of each).",
            b / t
        );
    }
    let _ = writeln!(s);
}
