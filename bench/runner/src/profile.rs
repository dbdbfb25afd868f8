//! Instructions per operation under `valgrind --tool=callgrind`: wall time on
//! a shared VM is noisy and it has no hardware counters, but instruction
//! counts are repeatable. Each contender runs twice with different sizes;
//! the difference divided by the extra operations cancels start-up and
//! set-up, leaving the cost of one operation.

use crate::run_capture;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// (row label, scenario, size key, small, large, operations per unit of size).
/// Each process runs the scenario twice (warm-up + `reps=1`), hence the 2.
pub const ROWS: &[(&str, &str, &str, u64, u64, u64)] = &[
    (
        "yield (per wake+poll)",
        "yield",
        "yields",
        50,
        100,
        2 * 1000,
    ),
    (
        "ping_pong (per hand-off)",
        "ping",
        "pings",
        50_000,
        100_000,
        2 * 2,
    ),
    ("spawn_many (per task)", "spawn", "batches", 5, 10, 2 * 1000),
    (
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

/// Row → contender → instructions per operation (or why not).
pub type Profile = Vec<(String, Vec<(String, Result<f64, String>)>)>;

fn instructions(bin: &Path, args: &[String]) -> Result<u64, String> {
    let out_file = std::env::temp_dir().join(format!("bitwake-bench-cg-{}", std::process::id()));
    let mut cmd = Command::new("valgrind");
    cmd.arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(bin)
        .args(args);
    // callgrind prints its summary on stderr, which `run_capture` drops on
    // success; read the total from the output file instead.
    run_capture(cmd, Duration::from_secs(120))?;
    let text = std::fs::read_to_string(&out_file).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&out_file);
    text.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|v| v.trim().split_whitespace().next()?.parse().ok())
        .ok_or_else(|| "no totals in callgrind output".into())
}

pub fn run(bins: &Path) -> Profile {
    let mut rows = Vec::new();
    for &(label, scenario, key, small, large, per) in ROWS {
        let mut cells = Vec::new();
        for &(who, bin) in WHO {
            let path = bins.join(bin);
            let one = |n: u64| {
                instructions(
                    &path,
                    &[
                        scenario.to_owned(),
                        format!("{key}={n}"),
                        "reps=1".to_owned(),
                    ],
                )
            };
            let r = one(small).and_then(|a| {
                let b = one(large)?;
                Ok((b as f64 - a as f64) / ((large - small) * per) as f64)
            });
            cells.push((who.to_owned(), r));
        }
        rows.push((label.to_owned(), cells));
    }
    rows
}
