//! `cargo xtask bench [--quick]`: builds the benchmark workspace in `bench/`
//! (its own workspace, so tokio, embassy and friends never enter bitwake's
//! dependency tree) and the freestanding bitwake programs it measures, then
//! hands over to `bench/runner`, which runs everything interleaved and pinned
//! and writes `BENCHMARKS.md`.

use crate::cargo_build::{self, BuildOptions};
use crate::targets::{self, Target};
use crate::tools::{ensure_program, ensure_rust_target, say};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The CPU every benchmark process is pinned to (the other one absorbs the
/// OS, other tenants and, for C10k, the client).
const CPU: &str = "1";

/// The bench packages built in one cargo invocation. embassy's
/// `platform-std` package is built on its own: its `__pender` would clash
/// with the raw-loop contender's if cargo unified their features.
/// bitwake's own contender (`bench-bitwake`) is built after them, so the
/// peers still run when bitwake does not build.
const PACKAGES: &[&str] = &[
    "bench-floor",
    "bench-tokio",
    "bench-smol",
    "bench-embassy-raw",
    "bench-net",
    "bench-crosscore",
    "bench-runner",
];

/// Deletes stale outputs before a build that may fail, so the runner never
/// measures a binary left over from an older tree.
fn remove_stale(paths: &[PathBuf]) {
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

use crate::tools::cargo;

fn bench_cargo(bench: &Path, args: &[&str]) -> Result<(), String> {
    bench_cargo_with_flags(bench, args, None)
}

/// Runs cargo in `bench/` with its own target directory and exactly the
/// given rustflags: the xtask runs under `cargo run`, and no flag meant for
/// the root workspace's builds may leak into the benchmark builds.
fn bench_cargo_with_flags(
    bench: &Path,
    args: &[&str],
    rustflags: Option<&[String]>,
) -> Result<(), String> {
    let mut cmd = cargo();
    cmd.current_dir(bench)
        .args(args)
        .arg("--target-dir")
        .arg(bench.join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR");
    if let Some(flags) = rustflags {
        // With `--target`, these reach only the target's artifacts.
        cmd.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
    }
    let status = cmd.status().map_err(|e| format!("cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` in bench/ failed", args.join(" ")))
    }
}

fn with_packages<'a>(mut args: Vec<&'a str>, pkgs: &[&'a str]) -> Vec<&'a str> {
    for p in pkgs {
        args.push("-p");
        args.push(p);
    }
    args
}

/// Builds bitwake's freestanding benchmark programs of `bench/freestanding`
/// (echo server, timers) for `target`, with the target file's link flags,
/// and returns the folder holding them.
fn build_freestanding(bench: &Path, target: &Target) -> Result<Option<PathBuf>, String> {
    if !bench.join("freestanding/Cargo.toml").exists() {
        return Ok(None);
    }
    let triple = target.triple().to_owned();
    ensure_rust_target(&triple)?;
    let dir = bench.join("target").join(&triple).join("release");
    remove_stale(&[
        dir.join("bitwake_echo"),
        dir.join("timers_bitwake"),
        dir.join("cores_bitwake"),
    ]);
    bench_cargo_with_flags(
        bench,
        &[
            "build",
            "--release",
            "--quiet",
            "-p",
            "bench-freestanding",
            "--target",
            &triple,
        ],
        Some(&target.list("rustflags")),
    )?;
    Ok(Some(dir))
}

fn git_commit(root: &Path) -> String {
    let out = |args: &[&str]| {
        Command::new("git")
            .current_dir(root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let head = out(&["rev-parse", "--short=10", "HEAD"]).unwrap_or_else(|| "unknown".into());
    // Tracked sources changed since HEAD; the files a build or a previous
    // run rewrites (Cargo.lock, BENCHMARKS.md) do not count.
    let dirty = out(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| {
        s.lines()
            .any(|l| !l.ends_with("Cargo.lock") && !l.ends_with("BENCHMARKS.md"))
    });
    if dirty {
        format!("{head} (+ uncommitted changes)")
    } else {
        head
    }
}

pub fn run(root: &Path, rest: &[String]) -> Result<bool, String> {
    let quick = rest.iter().any(|a| a == "--quick");
    if let Some(a) = rest.iter().find(|a| *a != "--quick") {
        return Err(format!("bench: unknown argument `{a}` (only --quick)"));
    }
    ensure_program("taskset", "util-linux")?;
    ensure_program("strace", "strace")?;
    ensure_program("strip", "binutils")?;
    let bench = root.join("bench");
    let mut notes = Vec::new();
    say("building the benchmark workspace (bench/)");
    bench_cargo(
        &bench,
        &with_packages(vec!["build", "--release", "--quiet"], PACKAGES),
    )?;
    bench_cargo(
        &bench,
        &with_packages(
            vec!["build", "--release", "--quiet"],
            &["bench-embassy-std"],
        ),
    )?;
    let release = bench.join("target/release");
    remove_stale(&[release.join("bitwake"), release.join("syscost_bitwake")]);
    remove_stale(&[
        release.join("fiber_bitwake"),
        release.join("fiber_corosensei"),
        release.join("fiber_call"),
    ]);
    if let Err(e) = bench_cargo(
        &bench,
        &with_packages(vec!["build", "--release", "--quiet"], &["bench-fiber"]),
    ) {
        notes.push(format!(
            "fiber contenders (bench/fiber): {e}: their cells are n/a"
        ));
    }
    if let Err(e) = bench_cargo(
        &bench,
        &with_packages(vec!["build", "--release", "--quiet"], &["bench-bitwake"]),
    ) {
        notes.push(format!("bitwake contender: {e}: its cells are n/a"));
    }
    // The actor scenarios (bitwake::actor vs actix, kameo, ractor): one
    // package, since every contender shares its parameters.
    let actor_bins = [
        "actors_bitwake",
        "actors_actix",
        "actors_kameo",
        "actors_ractor",
    ];
    remove_stale(&actor_bins.map(|b| release.join(b)));
    if let Err(e) = bench_cargo(
        &bench,
        &with_packages(vec!["build", "--release", "--quiet"], &["bench-actors"]),
    ) {
        notes.push(format!("actor contenders: {e}: the actor cells are n/a"));
    }
    say("building the footprint references (profile footprint)");
    bench_cargo(
        &bench,
        &[
            "build",
            "--profile",
            "footprint",
            "--quiet",
            "-p",
            "bench-net",
            "-p",
            "bench-tokio",
            "--bin",
            "hello_std",
            "--bin",
            "hello_tokio",
        ],
    )?;
    bench_cargo(
        &bench,
        &[
            "build",
            "--profile",
            "footprint",
            "--quiet",
            "-p",
            "bench-embassy-std",
            "--bin",
            "hello_embassy",
        ],
    )?;

    let target = targets::find(root, crate::DEFAULT_TARGET)?;
    let mut runner_args: Vec<String> = Vec::new();
    // The freestanding programs bitwake ships, for C10k and the footprint.
    let wanted = ["hello", "demo", "delayserver"];
    let have = cargo_build::program_names(root)?;
    let present: Vec<String> = wanted
        .iter()
        .filter(|w| have.iter().any(|h| h == *w))
        .map(|w| w.to_string())
        .collect();
    for w in wanted.iter().filter(|w| !present.iter().any(|p| p == *w)) {
        notes.push(format!(
            "bitwake program `{w}` does not exist yet in programs/"
        ));
    }
    // A target directory of our own: never touch (or delete from) the one
    // other builds of the programs use.
    let opts = BuildOptions {
        target_dir: Some(bench.join("target/programs")),
        ..BuildOptions::default()
    };
    let out_dir = bench
        .join("target/programs")
        .join(target.triple())
        .join("release");
    remove_stale(&present.iter().map(|p| out_dir.join(p)).collect::<Vec<_>>());
    let elfs = if present.is_empty() {
        Vec::new()
    } else {
        match cargo_build::build_programs(root, &target, &present, &opts) {
            Ok(e) => e,
            Err(e) => {
                notes.push(format!("building bitwake programs failed: {e}"));
                Vec::new()
            }
        }
    };
    for (name, elf) in present.iter().zip(&elfs) {
        runner_args.push("--size".into());
        runner_args.push(format!("bitwake {name} (freestanding)={}", elf.display()));
        if name == "delayserver" {
            runner_args.push("--bitwake-delay".into());
            runner_args.push(elf.display().to_string());
        }
    }
    match build_freestanding(&bench, &target) {
        Ok(Some(dir)) => {
            runner_args.push("--bitwake-echo".into());
            runner_args.push(dir.join("bitwake_echo").display().to_string());
            runner_args.push("--bitwake-timers".into());
            runner_args.push(dir.join("timers_bitwake").display().to_string());
            runner_args.push("--bitwake-cores".into());
            runner_args.push(dir.join("cores_bitwake").display().to_string());
        }
        Ok(None) => notes.push(
            "bitwake's freestanding bench programs (bench/freestanding) are not present".into(),
        ),
        Err(e) => notes.push(format!("bitwake's freestanding bench programs: {e}")),
    }
    let fp = bench.join("target/footprint");
    for (label, bin) in [
        ("std hello world", "hello_std"),
        ("tokio current_thread hello (spawn + print)", "hello_tokio"),
        ("embassy platform-std hello (task + print)", "hello_embassy"),
    ] {
        runner_args.push("--size".into());
        runner_args.push(format!("{label}={}", fp.join(bin).display()));
    }
    for n in notes {
        say(&n);
        runner_args.push("--note".into());
        runner_args.push(n);
    }
    // Instruction counts are the one noise-free measure on a shared VM
    // without hardware counters; without valgrind that table is n/a.
    match ensure_program("valgrind", "valgrind") {
        Ok(()) => runner_args.push("--callgrind".into()),
        Err(e) => say(format!("no instruction counts: {e}")),
    }
    let out = root.join("BENCHMARKS.md");
    let mut cmd = Command::new(bench.join("target/release/runner"));
    if quick {
        cmd.arg("--quick");
    }
    cmd.arg("--bins")
        .arg(bench.join("target/release"))
        .arg("--out")
        .arg(&out)
        .args(["--commit", &git_commit(root), "--cpu", CPU])
        .args(&runner_args);
    say(format!(
        "running the benchmarks ({}), pinned to CPU {CPU}",
        if quick {
            "quick, ≤ 2 min"
        } else {
            "full, ≤ 15 min"
        }
    ));
    let status = cmd
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("runner: {e}"))?;
    if !status.success() {
        return Err("the benchmark runner failed".into());
    }
    say(format!("wrote {}", out.display()));
    Ok(true)
}
