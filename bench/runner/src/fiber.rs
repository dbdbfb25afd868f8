//! The `fiber_switch` scenario: bitwake's fibers against corosensei (its
//! default stack, std) and a plain function call (the floor), one resume +
//! suspend round trip per operation; plus the fiber's round trip through the
//! executor (`fiber::yield_now`), the bytes a fiber costs beyond its stack,
//! and 10,000 sleeping fibers on 4 KiB static stacks. Renders its own
//! section of BENCHMARKS.md.

use crate::stats::{fmt, summary};
use crate::{Config, Samples, first_line, parse_results, pinned, run_capture};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The contenders of the switch table: label, binary.
const SWITCH: &[(&str, &str)] = &[
    ("bitwake fiber (bare switch)", "fiber_bitwake"),
    ("corosensei 0.3 (DefaultStack)", "fiber_corosensei"),
    ("function call (floor)", "fiber_call"),
];

/// A contender in a row: label, binary, scenario.
type Who = (&'static str, &'static str, &'static str);

/// The rows through the executor.
const EXECUTOR: &[Who] = &[
    (
        "bitwake fiber: `fiber::yield_now`",
        "fiber_bitwake",
        "yield",
    ),
    (
        "bitwake async task: `executor::yield_now().await`",
        "fiber_bitwake",
        "task_yield",
    ),
];

/// Everything the section shows.
#[derive(Default)]
pub struct Fiber {
    /// (row, contender) → ns per round trip.
    pub ns: BTreeMap<(String, String), Samples>,
    /// Contender → instructions per round trip (callgrind), or why not.
    pub instructions: BTreeMap<String, Result<f64, String>>,
    /// `RESULT` lines of the single-shot scenarios, by contender.
    pub facts: BTreeMap<String, Vec<(String, f64)>>,
    pub errors: BTreeMap<String, String>,
}

fn run_one(cfg: &Config, bin: &str, args: &[String], limit: u64) -> Result<String, String> {
    let path = cfg.bins.join(bin);
    if !path.exists() {
        return Err("not built".into());
    }
    let mut cmd = pinned(cfg, &path);
    cmd.args(args);
    run_capture(cmd, Duration::from_secs(limit))
}

/// Total instructions of one callgrind run.
fn instructions(bin: &Path, args: &[String]) -> Result<u64, String> {
    let out = std::env::temp_dir().join(format!("bitwake-fiber-cg-{}", std::process::id()));
    let mut cmd = Command::new("valgrind");
    cmd.arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(bin)
        .args(args);
    run_capture(cmd, Duration::from_secs(120))?;
    let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&out);
    text.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| "no totals in callgrind output".into())
}

pub fn run(cfg: &Config) -> Fiber {
    let mut f = Fiber::default();
    let n: u64 = if cfg.mode.quick {
        2_000_000
    } else {
        10_000_000
    };
    let rows: Vec<(&str, Vec<Who>)> = vec![
        (
            "switch",
            SWITCH.iter().map(|&(l, b)| (l, b, "switch")).collect(),
        ),
        ("yield", EXECUTOR.to_vec()),
    ];
    for (row, who) in &rows {
        eprintln!("runner: fiber {row} ({} contenders)", who.len());
        let n = if *row == "yield" { n / 10 } else { n };
        for round in 0..cfg.mode.rounds {
            for k in 0..who.len() {
                let (label, bin, scenario) = who[(k + round) % who.len()];
                let key = (row.to_string(), label.to_string());
                if f.errors.contains_key(&format!("{row}/{label}")) {
                    continue;
                }
                let args = vec![
                    scenario.to_string(),
                    format!("n={n}"),
                    format!("reps={}", cfg.mode.reps),
                ];
                match run_one(cfg, bin, &args, 60) {
                    Ok(out) => {
                        let v: Vec<f64> = parse_results(&out)
                            .into_iter()
                            .filter(|(k, _)| k == scenario)
                            .map(|(_, v)| v)
                            .collect();
                        f.ns.entry(key).or_default().extend(v);
                    }
                    Err(e) => {
                        f.errors.insert(format!("{row}/{label}"), first_line(&e));
                    }
                }
            }
        }
    }
    if cfg.callgrind {
        // Two sizes; the difference over the extra round trips (warm-up +
        // one rep each, hence 2×) cancels start-up.
        let all = SWITCH
            .iter()
            .map(|&(l, b)| (l, b, "switch"))
            .chain(EXECUTOR.iter().copied());
        for (label, bin, scenario) in all {
            // An executor round trip costs ~10× a switch: fewer suffice.
            let (small, extra) = if scenario == "switch" {
                (100_000, 100_000)
            } else {
                (10_000, 10_000)
            };
            let one = |n: u64| {
                instructions(
                    &cfg.bins.join(bin),
                    &[scenario.into(), format!("n={n}"), "reps=1".into()],
                )
            };
            let r = one(small).and_then(|a| {
                let b = one(small + extra)?;
                Ok((b as f64 - a as f64) / (2.0 * extra as f64))
            });
            f.instructions.insert(label.to_owned(), r);
        }
    }
    for (bin, scenario, limit) in [
        ("fiber_bitwake", "bytes", 30),
        ("fiber_corosensei", "bytes", 30),
        ("fiber_bitwake", "sleepers", 120),
    ] {
        match run_one(cfg, bin, &[scenario.into()], limit) {
            Ok(out) => f
                .facts
                .entry(format!("{bin} {scenario}"))
                .or_default()
                .extend(parse_results(&out)),
            Err(e) => {
                f.errors.insert(format!("{bin} {scenario}"), first_line(&e));
            }
        }
    }
    f
}

fn fact(f: &Fiber, key: &str, name: &str) -> Option<f64> {
    f.facts
        .get(key)?
        .iter()
        .find(|(n, _)| n == name)
        .map(|&(_, v)| v)
}

fn med(f: &Fiber, row: &str, label: &str) -> Option<f64> {
    f.ns.get(&(row.to_owned(), label.to_owned()))
        .filter(|v| !v.is_empty())
        .map(|v| summary(v).0)
}

/// The section, in Markdown.
pub fn render(f: &Fiber) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## Fibers: `fiber_switch`\n");
    let _ = writeln!(
        s,
        "One operation = one resume + suspend round trip (parent → fiber → parent). \
         bitwake: the bare switch of `bitwake::fiber` (x86-64 asm, no executor); corosensei: \
         `Coroutine::resume` + `Yielder::suspend` on its default 1 MiB mmap stack; floor: a \
         non-inlined call and return. Instructions: callgrind, the difference of two runs \
         (10⁵ and 2·10⁵ round trips) per round trip, loop included. Sources: `bench/fiber/`.\n"
    );
    let b_ns = med(f, "switch", SWITCH[0].0);
    let c_ns = med(f, "switch", SWITCH[1].0);
    let ins = |l: &str| f.instructions.get(l).and_then(|r| r.as_ref().ok().copied());
    let (b_in, c_in) = (ins(SWITCH[0].0), ins(SWITCH[1].0));
    let goal = |met: Option<bool>| match met {
        Some(true) => "**met**",
        Some(false) => "**missed**",
        None => "n/a",
    };
    let _ = writeln!(s, "| goal | measured | |\n|---|---|---|");
    let _ = writeln!(
        s,
        "| round trip at or below corosensei's time | {} ns vs {} ns | {} |",
        b_ns.map_or("–".into(), fmt),
        c_ns.map_or("–".into(), fmt),
        goal(b_ns.zip(c_ns).map(|(b, c)| b <= c * 1.05))
    );
    let _ = writeln!(
        s,
        "| … and instruction count | {} vs {} | {} |",
        b_in.map_or("–".into(), |v| format!("{v:.1}")),
        c_in.map_or("–".into(), |v| format!("{v:.1}")),
        goal(b_in.zip(c_in).map(|(b, c)| b <= c))
    );
    let bytes = fact(f, "fiber_bitwake bytes", "bytes_beyond_stack");
    let _ = writeln!(
        s,
        "| bytes per fiber beyond its stack ≤ 16 | {} B (corosensei: {} B + a separate mapping) | {} |",
        bytes.map_or("–".into(), |v| format!("{v:.0}")),
        fact(f, "fiber_corosensei bytes", "bytes_beyond_stack")
            .map_or("–".into(), |v| format!("{v:.0}")),
        goal(bytes.map(|b| b <= 16.0))
    );
    let sk = "fiber_bitwake sleepers";
    let statics = fact(f, sk, "sleepers_static_bytes");
    let woken = fact(f, sk, "sleepers_woken");
    let early = fact(f, sk, "sleepers_early");
    let inv = fact(f, sk, "sleepers_inversions");
    let worst = fact(f, sk, "sleepers_worst_inversion_us");
    let _ = writeln!(
        s,
        "| 10,000 sleeping fibers, 4 KiB stacks, fit in 41 MB of static memory | {} | {} |",
        statics.map_or("–".into(), |v| format!(
            "{:.2} MB = {:.2} MiB ({} woken)",
            v / 1e6,
            v / (1024.0 * 1024.0),
            woken.map_or("–".into(), |w| format!("{w:.0}"))
        )),
        goal(statics.map(|v| v <= 41.0 * 1024.0 * 1024.0))
    );
    let _ = writeln!(
        s,
        "| … and wake in deadline order | {} woke early; {} consecutive wakes out of deadline \
         order, by at most {} µs | {} |\n",
        early.map_or("–".into(), |v| format!("{v:.0}")),
        inv.map_or("–".into(), |v| format!("{v:.0}")),
        worst.map_or("–".into(), |v| format!("{v:.0}")),
        goal(early.zip(inv).map(|(e, i)| e == 0.0 && i == 0.0))
    );
    let _ = writeln!(
        s,
        "| ns per round trip (the last two: per yield, executor pass included) | median \
         (min–max) | vs bitwake | instructions |\n|---|---|---|---|"
    );
    for row in ["switch", "yield"] {
        let labels: Vec<&str> = if row == "switch" {
            SWITCH.iter().map(|&(l, _)| l).collect()
        } else {
            EXECUTOR.iter().map(|&(l, _, _)| l).collect()
        };
        for l in labels {
            let v = f.ns.get(&(row.to_owned(), l.to_owned()));
            let cell = match v {
                Some(v) if !v.is_empty() => {
                    let (m, lo, hi) = summary(v);
                    format!("{} ({}–{})", fmt(m), fmt(lo), fmt(hi))
                }
                _ => f
                    .errors
                    .get(&format!("{row}/{l}"))
                    .cloned()
                    .unwrap_or_else(|| "–".into()),
            };
            let vs = match (b_ns, med(f, row, l)) {
                (Some(b), Some(o)) if row == "switch" && b > 0.0 => format!("{:.2}×", o / b),
                _ => "–".into(),
            };
            let i = match f.instructions.get(l) {
                Some(Ok(v)) => format!("{v:.1}"),
                Some(Err(e)) => e.clone(),
                None => "–".into(),
            };
            let _ = writeln!(s, "| {l} | {cell} | {vs} | {i} |");
        }
    }
    if let Some(ms) = fact(f, sk, "sleepers_run_ms") {
        let _ = writeln!(
            s,
            "\nSleepers: deadlines 100 µs apart starting 0.5 s after start, spawned in a shuffled \
             order; the run took {ms:.0} ms (spawning {} ms). Fibers whose timers expire in the \
             same executor pass resume in task-slot order, not deadline order (see FINDINGS).",
            fact(f, sk, "sleepers_spawn_ms").map_or("–".into(), |v| format!("{v:.0}"))
        );
    }
    for (k, e) in &f.errors {
        let _ = writeln!(s, "\n> {k}: {e}");
    }
    s.push('\n');
    s
}
