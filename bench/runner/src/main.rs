//! The benchmark runner: runs every contender of every scenario as its own
//! process, pinned to one CPU, interleaved (A B C A B C …, the order rotated
//! each round), and writes the table with medians, min–max and ratios to
//! `BENCHMARKS.md`. Everything it reports comes from this one run.
//!
//! Usage (normally through `cargo xtask bench [--quick]`):
//! `runner [--quick] --bins DIR --out FILE [--commit C] [--cpu N]
//!         [--bitwake-echo ELF] [--bitwake-delay ELF] [--bitwake-timers ELF]
//!         [--bitwake-cores ELF] [--size NAME=ELF]... [--note TEXT]...`

mod actors;
mod c100k;
mod channel;
mod crosscore;
mod fiber;
mod net;
mod profile;
mod report;
mod stats;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// One cell of a table: the samples of one contender in one scenario.
pub type Samples = Vec<f64>;

/// How hard to run: `quick` (≤ 2 min) or full (≤ 15 min).
#[derive(Clone, Copy)]
pub struct Mode {
    pub quick: bool,
    /// Interleaved rounds per scenario.
    pub rounds: usize,
    /// Timed repetitions inside each process (after one warm-up).
    pub reps: u32,
}

pub struct Config {
    pub mode: Mode,
    pub bins: PathBuf,
    pub out: PathBuf,
    pub commit: String,
    pub cpu: String,
    pub bitwake_echo: Option<PathBuf>,
    pub bitwake_delay: Option<PathBuf>,
    pub bitwake_timers: Option<PathBuf>,
    /// bitwake's thread-per-core scenarios (`cores_bitwake`).
    pub bitwake_cores: Option<PathBuf>,
    /// Footprint: (label, ELF path) pairs given by the xtask.
    pub sizes: Vec<(String, PathBuf)>,
    /// Notes the xtask passes on (e.g. why a bitwake program is missing).
    pub notes: Vec<String>,
    /// Count instructions per operation with callgrind (valgrind present).
    pub callgrind: bool,
    /// Run and report only the cross-core section (`--only-crosscore`).
    pub only_crosscore: bool,
}

fn parse_args() -> Result<Config, String> {
    let mut quick = false;
    let mut bins = None;
    let mut out = None;
    let mut commit = "unknown".to_owned();
    let mut cpu = "1".to_owned();
    let mut bitwake_echo = None;
    let mut bitwake_delay = None;
    let mut bitwake_timers = None;
    let mut bitwake_cores = None;
    let mut sizes = Vec::new();
    let mut notes = Vec::new();
    let mut callgrind = false;
    let mut only_crosscore = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--quick" => quick = true,
            "--bins" => bins = Some(PathBuf::from(val()?)),
            "--out" => out = Some(PathBuf::from(val()?)),
            "--commit" => commit = val()?,
            "--cpu" => cpu = val()?,
            "--bitwake-echo" => bitwake_echo = Some(PathBuf::from(val()?)),
            "--bitwake-delay" => bitwake_delay = Some(PathBuf::from(val()?)),
            "--bitwake-timers" => bitwake_timers = Some(PathBuf::from(val()?)),
            "--bitwake-cores" => bitwake_cores = Some(PathBuf::from(val()?)),
            "--note" => notes.push(val()?),
            "--callgrind" => callgrind = true,
            "--only-crosscore" => only_crosscore = true,
            "--size" => {
                let v = val()?;
                let (k, p) = v.split_once('=').ok_or("--size wants NAME=PATH")?;
                sizes.push((k.to_owned(), PathBuf::from(p)));
            }
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    let mode = if quick {
        Mode {
            quick,
            rounds: 5,
            reps: 1,
        }
    } else {
        Mode {
            quick,
            rounds: 7,
            reps: 3,
        }
    };
    Ok(Config {
        mode,
        // Absolute, so the programs can be started from any directory and
        // under valgrind.
        bins: std::fs::canonicalize(bins.ok_or("--bins is required")?)
            .map_err(|e| format!("--bins: {e}"))?,
        out: out.ok_or("--out is required")?,
        commit,
        cpu,
        bitwake_echo,
        bitwake_delay,
        bitwake_timers,
        bitwake_cores,
        sizes,
        notes,
        callgrind,
        only_crosscore,
    })
}

/// A contender of the executor micro-benchmarks: a label for the table, the
/// binary, and the scenario names it understands (its own name may differ,
/// e.g. tokio's `yield_io`).
pub struct Contender {
    pub label: &'static str,
    pub bin: &'static str,
    pub suffix: &'static str,
    pub scenarios: &'static [&'static str],
}

const ALL: &[&str] = &["yield", "ping", "spawn", "spawn_full", "task_bytes"];

pub const CONTENDERS: &[Contender] = &[
    Contender {
        label: "bitwake",
        bin: "bitwake",
        suffix: "",
        scenarios: ALL,
    },
    Contender {
        label: "floor",
        bin: "floor",
        suffix: "",
        scenarios: ALL,
    },
    Contender {
        label: "embassy_raw",
        bin: "embassy_raw",
        suffix: "",
        scenarios: ALL,
    },
    Contender {
        label: "embassy_std",
        bin: "embassy_std",
        suffix: "",
        scenarios: &["yield", "ping", "spawn", "task_bytes"],
    },
    Contender {
        label: "tokio_ct",
        bin: "tokio_ct",
        suffix: "",
        scenarios: ALL,
    },
    Contender {
        label: "tokio_ct_io",
        bin: "tokio_ct",
        suffix: "_io",
        scenarios: ALL,
    },
    Contender {
        label: "async_executor",
        bin: "async_executor",
        suffix: "",
        scenarios: ALL,
    },
];

/// One row of the executor table: a scenario with its parameters.
pub struct MicroRow {
    pub key: &'static str,
    pub title: &'static str,
    pub scenario: &'static str,
    pub params: Vec<String>,
    /// Only bitwake has a pool capacity to vary; the other rows of the
    /// capacity sweep would repeat the same peer measurement.
    pub bitwake_only: bool,
}

fn micro_rows(mode: Mode) -> Vec<MicroRow> {
    let full_iters = if mode.quick { 20_000 } else { 100_000 };
    let batches = if mode.quick { 20 } else { 100 };
    let mut rows = vec![
        MicroRow {
            key: "yield",
            title: "yield_many: 1000 tasks × 1000 yields, ns per wake+poll",
            scenario: "yield",
            params: vec![],
            bitwake_only: false,
        },
        MicroRow {
            key: "ping1000",
            title: "ping_pong: 10⁶ round trips, ns per hand-off (bitwake pool capacity 1000)",
            scenario: "ping",
            params: vec!["cap=1000".into()],
            bitwake_only: false,
        },
        MicroRow {
            key: "ping64",
            title: "ping_pong, bitwake pool capacity 64",
            scenario: "ping",
            params: vec!["cap=64".into()],
            bitwake_only: true,
        },
        MicroRow {
            key: "ping4096",
            title: "ping_pong, bitwake pool capacity 4096",
            scenario: "ping",
            params: vec!["cap=4096".into()],
            bitwake_only: true,
        },
        MicroRow {
            key: "spawn",
            title: "spawn_many: 1000 empty tasks spawned and joined, ns per task",
            scenario: "spawn",
            params: vec![format!("batches={batches}")],
            bitwake_only: false,
        },
        MicroRow {
            key: "spawn_full",
            title: "spawn_many with the pool 999/1000 full: spawn + join one task, ns",
            scenario: "spawn_full",
            params: vec![format!("full_iters={full_iters}")],
            bitwake_only: false,
        },
    ];
    if mode.quick {
        for r in &mut rows {
            if r.scenario == "ping" {
                r.params.push("pings=300000".into());
            }
        }
    }
    rows
}

/// Runs `cmd` with a deadline; returns stdout, or an error with stderr.
pub fn run_capture(mut cmd: Command, limit: Duration) -> Result<String, String> {
    use std::io::Read;
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let shown = format!("{cmd:?}");
    let mut child = cmd.spawn().map_err(|e| format!("{shown}: {e}"))?;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(s);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stdout = t_out.join().unwrap_or_default();
    let stderr = t_err.join().unwrap_or_default();
    match status {
        Some(s) if s.success() => Ok(stdout),
        Some(s) => Err(format!("{shown}: {s}: {}", stderr.trim())),
        None => Err(format!("{shown}: timed out after {limit:?}")),
    }
}

/// `RESULT <name> <value> <unit>` lines of a contender's output.
pub fn parse_results(out: &str) -> Vec<(String, f64)> {
    out.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            if w.next()? != "RESULT" {
                return None;
            }
            let name = w.next()?.to_owned();
            let v = w.next()?.parse().ok()?;
            Some((name, v))
        })
        .collect()
}

/// A command pinned to the benchmark CPU.
pub fn pinned(cfg: &Config, program: &std::path::Path) -> Command {
    let mut c = Command::new("taskset");
    c.arg("-c").arg(&cfg.cpu).arg(program);
    c
}

/// Results of the micro table: row key → contender label → samples, plus
/// errors per cell.
#[derive(Default)]
pub struct Micro {
    pub cells: BTreeMap<(String, String), Samples>,
    pub errors: BTreeMap<(String, String), String>,
    pub task_bytes: BTreeMap<String, Vec<(String, f64)>>,
}

fn run_micro(cfg: &Config) -> Micro {
    let mut m = Micro::default();
    let rows = micro_rows(cfg.mode);
    for row in &rows {
        let who: Vec<&Contender> = CONTENDERS
            .iter()
            .filter(|c| c.scenarios.contains(&row.scenario))
            .filter(|c| !row.bitwake_only || c.label == "bitwake")
            .collect();
        eprintln!("runner: {} ({} contenders)", row.key, who.len());
        for round in 0..cfg.mode.rounds {
            for k in 0..who.len() {
                let c = who[(k + round) % who.len()];
                let key = (row.key.to_owned(), c.label.to_owned());
                if m.errors.contains_key(&key) {
                    continue;
                }
                let bin = cfg.bins.join(c.bin);
                if !bin.exists() {
                    m.errors.insert(key, "not built".into());
                    continue;
                }
                let mut cmd = pinned(cfg, &bin);
                cmd.arg(format!("{}{}", row.scenario, c.suffix));
                cmd.args(&row.params);
                cmd.arg(format!("reps={}", cfg.mode.reps));
                match run_capture(cmd, Duration::from_secs(60)) {
                    Ok(out) => {
                        let v: Vec<f64> = parse_results(&out)
                            .into_iter()
                            .filter(|(n, _)| n == row.scenario)
                            .map(|(_, v)| v)
                            .collect();
                        if v.is_empty() {
                            m.errors.insert(key, "no result".into());
                        } else {
                            m.cells.entry(key).or_default().extend(v);
                        }
                    }
                    Err(e) => {
                        eprintln!("runner: {e}");
                        m.errors.insert(key, first_line(&e));
                    }
                }
            }
        }
    }
    for c in CONTENDERS
        .iter()
        .filter(|c| c.scenarios.contains(&"task_bytes"))
    {
        let bin = cfg.bins.join(c.bin);
        let mut cmd = pinned(cfg, &bin);
        cmd.arg(format!("task_bytes{}", c.suffix));
        if let Ok(out) = run_capture(cmd, Duration::from_secs(30)) {
            m.task_bytes.insert(c.label.to_owned(), parse_results(&out));
        }
    }
    m
}

pub fn first_line(s: &str) -> String {
    let l = s.lines().next().unwrap_or("").to_owned();
    if l.len() > 160 {
        format!("{}…", &l[..160])
    } else {
        l
    }
}

fn main() {
    let cfg = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("runner: {e}");
            std::process::exit(2);
        }
    };
    let load_before = report::loadavg();
    let started = Instant::now();
    if cfg.only_crosscore {
        let mut text = String::new();
        crosscore::render(&mut text, &crosscore::run(&cfg));
        println!("{text}");
        return;
    }
    let micro = run_micro(&cfg);
    eprintln!("runner: micro done in {:.0?}", started.elapsed());
    let channels = channel::run(&cfg);
    let net = net::run_all(&cfg);
    let actors = actors::run(&cfg);
    let fibers = fiber::run(&cfg);
    let cross = crosscore::run(&cfg);
    eprintln!("runner: cross-core done in {:.0?}", started.elapsed());
    let prof = if cfg.callgrind {
        let p = profile::run(&cfg.bins);
        eprintln!("runner: callgrind done at {:.0?}", started.elapsed());
        Some(p)
    } else {
        None
    };
    eprintln!("runner: all done in {:.0?}", started.elapsed());
    let mut text = report::render(
        &cfg,
        &micro,
        &channels,
        &net,
        prof.as_ref(),
        started.elapsed(),
        &load_before,
    );
    text.push_str(&actors::render(&actors));
    text.push_str(&fiber::render(&fibers));
    crosscore::render(&mut text, &cross);
    if let Err(e) = std::fs::write(&cfg.out, &text) {
        eprintln!("runner: writing {}: {e}", cfg.out.display());
        std::process::exit(1);
    }
    println!("{text}");
}
