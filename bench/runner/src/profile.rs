//! Instructions per operation under `valgrind --tool=callgrind`: wall time on
//! a shared VM is noisy and it has no hardware counters, but instruction
//! counts are repeatable. Each contender runs twice with different sizes;
//! the difference divided by the extra operations cancels start-up and
//! set-up, leaving the cost of one operation.

use crate::run_capture;
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// One row: label, scenario, size key, small and large size, operations
/// per unit of size (each process runs the scenario twice, warm-up +
/// `reps=1`, hence the factors of 2), an extra argument, and whether only
/// bitwake runs it (its pool-capacity sweep).
pub struct Row {
    pub label: &'static str,
    scenario: &'static str,
    key: &'static str,
    small: u64,
    large: u64,
    per: u64,
    extra: &'static str,
    pub bitwake_only: bool,
}

const fn row(
    label: &'static str,
    scenario: &'static str,
    key: &'static str,
    small: u64,
    large: u64,
    per: u64,
) -> Row {
    Row {
        label,
        scenario,
        key,
        small,
        large,
        per,
        extra: "",
        bitwake_only: false,
    }
}

pub const ROWS: &[Row] = &[
    row(
        "yield (per wake+poll)",
        "yield",
        "yields",
        50,
        100,
        2 * 1000,
    ),
    row(
        "ping_pong (per hand-off; bitwake capacity 1000)",
        "ping",
        "pings",
        50_000,
        100_000,
        2 * 2,
    ),
    Row {
        extra: "cap=64",
        bitwake_only: true,
        ..row(
            "ping_pong, bitwake capacity 64",
            "ping",
            "pings",
            50_000,
            100_000,
            2 * 2,
        )
    },
    Row {
        extra: "cap=4096",
        bitwake_only: true,
        ..row(
            "ping_pong, bitwake capacity 4096",
            "ping",
            "pings",
            50_000,
            100_000,
            2 * 2,
        )
    },
    row("spawn_many (per task)", "spawn", "batches", 5, 10, 2 * 1000),
    row(
        "spawn, 999/1000 full (per task)",
        "spawn_full",
        "full_iters",
        5_000,
        10_000,
        2,
    ),
];

pub const WHO: &[(&str, &str)] = &[
    ("bitwake", "bitwake"),
    ("floor", "floor"),
    ("embassy_raw", "embassy_raw"),
    ("tokio_ct", "tokio_ct"),
    ("async_executor", "async_executor"),
];

/// Per operation: instructions, and locked read-modify-writes among them.
pub type Cost = (f64, f64);

/// Row → contender → cost per operation (or why not).
pub type Profile = Vec<(String, Vec<(String, Result<Cost, String>)>)>;

/// Addresses of the atomic read-modify-write instructions of `bin`
/// (`lock`-prefixed, or `xchg` with memory, which locks implicitly), from
/// `objdump -d`.
pub fn locked_addresses(bin: &Path) -> Result<HashSet<u64>, String> {
    let out = Command::new("objdump")
        .args(["-d", "--no-show-raw-insn"])
        .arg(bin)
        .output()
        .map_err(|e| format!("objdump: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut set = HashSet::new();
    for line in text.lines() {
        let Some((addr, ins)) = line.split_once(":\t") else {
            continue;
        };
        let Ok(addr) = u64::from_str_radix(addr.trim(), 16) else {
            continue;
        };
        let ins = ins.trim_start();
        if ins.starts_with("lock ") || (ins.starts_with("xchg") && ins.contains('(')) {
            set.insert(addr);
        }
    }
    Ok(set)
}

/// Total instructions and executions of the addresses in `locked`, from a
/// callgrind run with `--dump-instr=yes` (position lines are "instr line
/// cost", instr absolute `0x…` or relative `+n`/`-n`/`*`; the line after
/// `calls=` is an inclusive call cost and is skipped).
pub fn counts(bin: &Path, args: &[String], locked: &HashSet<u64>) -> Result<(u64, u64), String> {
    let out_file = std::env::temp_dir().join(format!("bitwake-bench-cg-{}", std::process::id()));
    let mut cmd = Command::new("valgrind");
    cmd.arg("--tool=callgrind")
        .arg("--dump-instr=yes")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(bin)
        .args(args);
    run_capture(cmd, Duration::from_secs(120))?;
    let text = std::fs::read_to_string(&out_file).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&out_file);
    let total = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or("no totals in callgrind output")?;
    let (mut pos, mut skip, mut atomics) = (0i64, false, 0u64);
    for line in text.lines() {
        if line.starts_with("calls=") {
            skip = true;
            continue;
        }
        let mut f = line.split_whitespace();
        let Some(p) = f.next() else { continue };
        if let Some(h) = p.strip_prefix("0x") {
            pos = i64::from_str_radix(h, 16).unwrap_or(pos);
        } else if let Some(d) = p.strip_prefix('+') {
            pos += d.parse::<i64>().unwrap_or(0);
        } else if let Some(d) = p.strip_prefix('-') {
            pos -= d.parse::<i64>().unwrap_or(0);
        } else if p != "*" {
            continue;
        }
        if std::mem::take(&mut skip) {
            continue;
        }
        let cost = f.nth(1).and_then(|c| c.parse::<u64>().ok()).unwrap_or(0);
        if locked.contains(&(pos as u64)) {
            atomics += cost;
        }
    }
    Ok((total, atomics))
}

pub fn run(bins: &Path) -> Profile {
    let mut rows = Vec::new();
    for r in ROWS {
        let mut cells = Vec::new();
        for &(who, bin) in WHO {
            if r.bitwake_only && who != "bitwake" {
                cells.push((who.to_owned(), Err("–".to_owned())));
                continue;
            }
            let path = bins.join(bin);
            let cost = locked_addresses(&path).and_then(|locked| {
                let one = |n: u64| {
                    let mut args = vec![r.scenario.to_owned(), format!("{}={n}", r.key)];
                    if !r.extra.is_empty() {
                        args.push(r.extra.to_owned());
                    }
                    args.push("reps=1".to_owned());
                    counts(&path, &args, &locked)
                };
                let (a, la) = one(r.small)?;
                let (b, lb) = one(r.large)?;
                let ops = ((r.large - r.small) * r.per) as f64;
                Ok(((b as f64 - a as f64) / ops, (lb as f64 - la as f64) / ops))
            });
            cells.push((who.to_owned(), cost));
        }
        rows.push((r.label.to_owned(), cells));
    }
    rows
}
