//! C100k: 100,000 concurrent delayed requests against each delay server.
//!
//! The same client as C10k (`c10k_client`: one epoll loop), spreading its
//! connections over source addresses 127.0.0.1, 127.0.0.2, ... (one
//! address has about 28,000 ephemeral ports), with the fd limit of client
//! and server raised to [`NOFILE`] (`prlimit`; the benchmark runs as root or
//! with a hard limit that high). The delay is long enough that every
//! request is still waiting when the last one is sent, so the peak really
//! is 100,000 at once (`peak_pending` in the table says so).

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
/// The fd limit (soft and hard) of client and server.
const NOFILE: &str = "--nofile=200000:200000";

/// Results of the C100k runs.
#[derive(Default)]
pub struct C100k {
    pub results: Results,
    pub servers: Vec<String>,
}

/// `prlimit --nofile=… taskset -c CPU program args…`.
fn limited(cpu: &str, program: &PathBuf, args: &[String]) -> Command {
    let mut c = Command::new("prlimit");
    c.arg(NOFILE)
        .args(["taskset", "-c", cpu])
        .arg(program)
        .args(args);
    c
}

/// Runs C100k once per server per round, interleaved like the other
/// scenarios.
pub fn run(cfg: &Config) -> C100k {
    let mut out = C100k::default();
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
            let child = match start_command(limited(&cfg.cpu, program, &args), label, p) {
                Ok(c) => c,
                Err(e) => {
                    out.results.err("c100k", label, &e);
                    continue;
                }
            };
            let client = cfg.bins.join("c10k_client");
            let mut cmd = limited(
                crate::net::other_cpu(&cfg.cpu).as_str(),
                &client,
                &[
                    p.to_string(),
                    N.to_string(),
                    DELAY_MS.into(),
                    child.id().to_string(),
                    LIMIT_S.into(),
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
        "## 7b. C100k: {N} concurrent `GET /{DELAY_MS}/…` against a delay server\n\n\
         As C10k, with the client's connections spread over source addresses 127.0.0.1.. \
         (20,000 each) and the fd limit of client and server raised to 200,000 (`prlimit`). \
         **peak pending** = requests sent and not yet answered at the busiest moment (the \
         number really delayed at once). Wall = first connect to last answer (it includes the \
         {DELAY_MS} ms delay).\n\n\
         | server | wall ms | answered | errors | peak pending | server peak RSS kB | server CPU ms | client CPU ms |\n|---|---|---|---|---|---|---|---|"
    );
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
