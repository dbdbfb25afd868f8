//! The cross-core scenarios: bitwake's thread-per-core runtime
//! (`cores_bitwake`, freestanding) against tokio multi_thread, std threads +
//! crossbeam-channel and std park/unpark (`crosscore_peers`), plus the
//! scaling of CPU-bound work from one executor to two.
//!
//! Unlike the other tables these use both CPUs: each process pins its own
//! two threads (core 0 → CPU 0, core 1 → CPU 1), so the shared VM's other
//! work lands on the same CPUs and the spread is wide; compare the ratios
//! of one run.

use crate::stats::{fmt, summary};
use crate::{Config, parse_results, run_capture};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// Samples per (result name).
pub struct Crosscore {
    cells: BTreeMap<String, Vec<f64>>,
    errors: Vec<String>,
    ran: bool,
}

struct Job {
    program: PathBuf,
    args: Vec<String>,
}

fn jobs(cfg: &Config, bitwake: &std::path::Path) -> Vec<Job> {
    let q = cfg.mode.quick;
    // At least 3 timed repetitions per process: a pair's ratio is only
    // worth reporting as a median over several.
    let reps = cfg.mode.reps.max(3).to_string();
    let rounds = if q { "20000" } else { "100000" };
    let msgs = if q { "200000" } else { "1000000" };
    // Scaling samples of about 0.1 s each (1 core), long enough that a
    // scheduler tick or a neighbour's burst is a small part of one.
    let (bw_yields, tokio_yields, spawns) = ("500000", "20000", "2000000");
    let peers = cfg.bins.join("crosscore_peers");
    let mut v = Vec::new();
    let mut add = |program: &PathBuf, args: &[&str]| {
        let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        a.push(format!("reps={reps}"));
        v.push(Job {
            program: program.clone(),
            args: a,
        });
    };
    let bw = bitwake.to_path_buf();
    add(&bw, &["pingpong", &format!("rounds={rounds}")]);
    for p in ["tokio", "tokio_mt", "crossbeam", "park"] {
        add(&peers, &["pingpong", p, &format!("rounds={rounds}")]);
    }
    add(&bw, &["channel", &format!("msgs={msgs}")]);
    for p in ["tokio", "tokio_mt", "crossbeam"] {
        add(&peers, &["channel", p, &format!("msgs={msgs}")]);
    }
    // Each job runs 1 and 2 executors back to back per repetition.
    add(&bw, &["yield", &format!("yields={bw_yields}")]);
    add(&peers, &["yield", &format!("yields={tokio_yields}")]);
    add(&bw, &["spawn", &format!("n={spawns}")]);
    v
}

/// The machine's own ceiling for the scaling rows: the 1-executor yield
/// work alone on CPU 0, then twice at once (CPU 0 and CPU 1, separate
/// processes sharing nothing). Pushes `cores_ceiling_wall`, 2 × alone ÷ at
/// once in wall time (what the shared machine delivered just then), and
/// `cores_ceiling_cpu`, the same in CPU time per yield (whether a CPU does
/// less while the other one is busy too, as hyperthreads of one core
/// would; 2.00 = two independent CPUs).
fn ceiling(c: &mut Crosscore, bitwake: &std::path::Path, reps: &str) {
    let solo = |cpu: &str| -> Result<(f64, f64), String> {
        let mut cmd = Command::new("taskset");
        cmd.args(["-c", cpu])
            .arg(bitwake)
            .args(["solo", &format!("reps={reps}")]);
        let out = run_capture(cmd, Duration::from_secs(120))?;
        let r = parse_results(&out);
        let pick = |name: &str| -> Vec<f64> {
            r.iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| *v)
                .collect()
        };
        let ns = summary(&pick("cores_yield_solo_bitwake")).0;
        let cpus = summary(&pick("cores_yield_solo_cpus_bitwake")).0;
        Ok((ns, ns * cpus))
    };
    let alone = solo("0");
    let (a, b) = std::thread::scope(|s| {
        let other = s.spawn(|| solo("1"));
        let here = solo("0");
        (here, other.join().unwrap_or(Err("panicked".into())))
    });
    match (alone, a, b) {
        (Ok(alone), Ok(a), Ok(b)) => {
            for (name, one, two) in [
                ("cores_ceiling_wall", alone.0, (a.0 + b.0) / 2.0),
                ("cores_ceiling_cpu", alone.1, (a.1 + b.1) / 2.0),
            ] {
                if two > 0.0 && one.is_finite() && two.is_finite() {
                    c.cells
                        .entry(name.into())
                        .or_default()
                        .push(2.0 * one / two);
                }
            }
        }
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => c.errors.push(e),
    }
}

/// Runs every job once per round, the order rotated each round.
pub fn run(cfg: &Config) -> Crosscore {
    let mut c = Crosscore {
        cells: BTreeMap::new(),
        errors: Vec::new(),
        ran: false,
    };
    let Some(bitwake) = &cfg.bitwake_cores else {
        return c;
    };
    c.ran = true;
    let jobs = jobs(cfg, bitwake);
    let rounds = if cfg.mode.quick { 3 } else { cfg.mode.rounds };
    for r in 0..rounds {
        for i in 0..jobs.len() {
            let j = &jobs[(i + r) % jobs.len()];
            let mut cmd = Command::new(&j.program);
            cmd.args(&j.args);
            match run_capture(cmd, Duration::from_secs(120)) {
                Ok(out) => {
                    for (name, v) in parse_results(&out) {
                        c.cells.entry(name).or_default().push(v);
                    }
                }
                Err(e) => c.errors.push(e),
            }
        }
        ceiling(&mut c, bitwake, "3");
    }
    c
}

fn cell(c: &Crosscore, name: &str) -> String {
    match c.cells.get(name) {
        Some(v) if !v.is_empty() => {
            let (m, lo, hi) = summary(v);
            format!("{} ({}–{})", fmt(m), fmt(lo), fmt(hi))
        }
        _ => "–".into(),
    }
}

/// A ratio: median (min–max).
fn ratio(c: &Crosscore, name: &str) -> String {
    match c.cells.get(name) {
        Some(v) if !v.is_empty() => {
            let (m, lo, hi) = summary(v);
            format!("{m:.2}× ({lo:.2}–{hi:.2})")
        }
        _ => "–".into(),
    }
}

/// A plain median with two decimals.
fn plain(c: &Crosscore, name: &str) -> String {
    median(c, name).map_or("–".into(), |m| format!("{m:.2}"))
}

/// A count per operation, median over the samples.
fn count(c: &Crosscore, name: &str) -> String {
    median(c, name).map_or("–".into(), |m| format!("{m:.4}"))
}

/// A share (0..1), median over the samples.
fn share(c: &Crosscore, name: &str) -> String {
    median(c, name).map_or("–".into(), |m| format!("same worker {m:.2}"))
}

fn median(c: &Crosscore, name: &str) -> Option<f64> {
    let v = c.cells.get(name).filter(|v| !v.is_empty())?;
    Some(summary(v).0)
}

/// Appends the section to the report.
pub fn render(s: &mut String, c: &Crosscore) {
    let _ = writeln!(s, "\n## Cross-core: thread-per-core\n");
    if !c.ran {
        let _ = writeln!(
            s,
            "Not run: bitwake's `cores_bitwake` program was not built.\n"
        );
        return;
    }
    let _ = writeln!(
        s,
        "Two threads pinned to CPUs 0 and 1, one task each. bitwake: `rt::cores`, one executor \
         per core, each parked in its own reactor after a bounded spin, `sync::Channel`. \
         tokio: two `current_thread` runtimes, one per pinned thread, `tokio::sync::mpsc` \
         between them, so every hand-off crosses threads. tokio multi_thread: 2 pinned workers, \
         both tasks spawned from outside; tokio puts them where it likes, and *same worker* is \
         the share of sampled messages whose sender and receiver ran on one worker (1.00: a \
         same-thread hand-off, not a cross-core one). crossbeam: std threads + \
         `crossbeam-channel`, bounded. park: std threads, an atomic slot and \
         `thread::park`/`unpark`. ns, median (min–max); lower is better.\n"
    );
    let _ = writeln!(
        s,
        "| scenario | bitwake | tokio, 2 current_thread (cross-core) | tokio multi_thread (same worker) | crossbeam | park/unpark |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    let _ = writeln!(
        s,
        "| ping-pong, ns per round trip | {} | {} | {} ({}) | {} | {} |",
        cell(c, "cores_pingpong_bitwake"),
        cell(c, "cores_pingpong_tokio"),
        cell(c, "cores_pingpong_tokio_mt"),
        share(c, "cores_pingpong_tokio_mt_same_worker"),
        cell(c, "cores_pingpong_crossbeam"),
        cell(c, "cores_pingpong_park")
    );
    let _ = writeln!(
        s,
        "| channel core 0 → core 1 (capacity 64), ns per message | {} | {} | {} ({}) | {} | – |",
        cell(c, "cores_channel_bitwake"),
        cell(c, "cores_channel_tokio"),
        cell(c, "cores_channel_tokio_mt"),
        share(c, "cores_channel_tokio_mt_same_worker"),
        cell(c, "cores_channel_crossbeam")
    );
    let _ = writeln!(
        s,
        "\nbitwake's ping-pong, per round trip (median): eventfd writes (a wake that found the \
         other core asleep, past its spin) to core 1 {}, to core 0 {}.",
        count(c, "cores_pingpong_eventfd_writes_core1_per_round_bitwake"),
        count(c, "cores_pingpong_eventfd_writes_core0_per_round_bitwake")
    );
    let _ = writeln!(
        s,
        "bitwake's channel run, per message (median): the receiver waited {}, the sender \
         waited {}; eventfd writes to core 1 {}, to core 0 {}.",
        count(c, "cores_channel_recv_waits_per_msg_bitwake"),
        count(c, "cores_channel_send_waits_per_msg_bitwake"),
        count(c, "cores_channel_eventfd_writes_core1_per_msg_bitwake"),
        count(c, "cores_channel_eventfd_writes_core0_per_msg_bitwake")
    );
    let _ = writeln!(
        s,
        "\nScaling of CPU-bound work (64 tasks yielding; spawn+join of empty tasks, split over the \
         cores), wall ns per operation with 1 and 2 executors, run back to back in one process \
         (order alternating). **Speed-up** = 1 core ÷ 2 cores, median (min–max) of the pairs \
         (goal ≥ 1.8×). *CPUs* = the process's CPU time ÷ wall time (what the shared machine \
         gave it; 2 executors can only be 2× faster with 2.00). *CPU cost* = CPU time per \
         operation with 2 executors ÷ with 1 (1.00: the second core adds no work, so the \
         speed-up is bounded only by the CPUs given).\n"
    );
    let _ = writeln!(
        s,
        "| work | 1 core | 2 cores | speed-up | CPUs (1 core / 2 cores) | CPU cost |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for (label, key, who) in [
        ("bitwake yield_many", "yield", "bitwake"),
        ("tokio yield_many", "yield", "tokio"),
        ("bitwake spawn_many", "spawn", "bitwake"),
    ] {
        let name = |what: &str| format!("cores_{key}_{what}_{who}");
        let _ = writeln!(
            s,
            "| {label} | {} | {} | {} | {} / {} | {} |",
            cell(c, &name("1core")),
            cell(c, &name("2cores")),
            ratio(c, &name("speedup")),
            plain(c, &name("1core_cpus")),
            plain(c, &name("2cores_cpus")),
            ratio(c, &name("cpu_cost_ratio")),
        );
    }
    let _ = writeln!(
        s,
        "\nThe machine's ceiling, same run: the 1-executor yield work in two processes at once \
         (pinned to CPU 0 and CPU 1, sharing nothing) did {} the work of one alone in the same \
         wall time (what the shared machine delivered then), and {} per CPU-second (2.00× = two \
         independent CPUs; below that, the CPUs slow each other down and no runtime's 2 \
         executors can reach 2×). With full CPUs, a runtime's speed-up is about this ceiling ÷ \
         its CPU cost.",
        ratio(c, "cores_ceiling_wall"),
        ratio(c, "cores_ceiling_cpu")
    );
    for e in c.errors.iter().take(5) {
        let _ = writeln!(s, "\n> failed: {e}");
    }
}
