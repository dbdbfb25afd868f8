//! `cargo xtask fuzz [TARGET] [--time S]`: coverage-guided fuzzing of the
//! parsers with cargo-fuzz (libFuzzer; nightly, for this command only),
//! and the stable replay of the corpus that `cargo xtask test` runs.
//!
//! The targets and their properties are the `fuzz/` crate
//! (`fuzz/src/lib.rs`). Each run reads and grows `fuzz/corpus/TARGET`,
//! also reads `fuzz/regressions/TARGET` (inputs that once failed, kept by
//! name), and minimises the corpus afterwards (`cargo fuzz cmin`), so what
//! the repository keeps stays small. Targets run one after another at
//! `nice 10`: the fuzzer uses one core and leaves the other to the rest.

use crate::summary::Summary;
use crate::tools::say;
use std::path::Path;
use std::process::Command;

/// The fuzz targets, in the order `cargo xtask fuzz` runs them.
pub const TARGETS: [&str; 4] = ["request", "response", "percent", "fault_script"];

/// Longest input the fuzzer tries per target: past every capacity of the
/// parser it drives (4 KiB heads; 16 rules of a fault script), short enough
/// to keep runs fast.
fn max_len(target: &str) -> u32 {
    match target {
        "fault_script" => 512,
        "percent" => 1024,
        _ => 4096,
    }
}

/// The flags every cargo-fuzz command gets: the entry points' feature, no
/// sanitizer (the parsers are safe Rust: there is nothing for ASan to find,
/// and it would halve the executions), debug assertions on (overflow checks).
const FUZZ_FLAGS: [&str; 4] = [
    "--features=libfuzzer",
    "--sanitizer=none",
    "-a",
    "--release",
];

/// What one fuzz run reported.
#[derive(Debug, Default)]
struct RunStats {
    executions: u64,
    exec_per_sec: u64,
    coverage: u64,
    features: u64,
    corpus_before: usize,
    corpus_after: usize,
    crashed: bool,
}

fn corpus_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// `cargo +nightly fuzz ...` in `fuzz/`, at nice 10, with the build
/// environment of the xtask's own cargo cleared.
fn cargo_fuzz(root: &Path) -> Command {
    let mut cmd = Command::new("nice");
    cmd.args(["-n", "10", "cargo", "+nightly", "fuzz"])
        .current_dir(root.join("fuzz"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO");
    cmd
}

/// Installs what the fuzzer needs: the nightly toolchain (minimal) and
/// cargo-fuzz from crates.io.
fn ensure_cargo_fuzz(root: &Path) -> Result<(), String> {
    let nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !nightly {
        say("the nightly toolchain is missing: rustup toolchain install nightly --profile minimal");
        let ok = Command::new("rustup")
            .args(["toolchain", "install", "nightly", "--profile", "minimal"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err("`rustup toolchain install nightly` failed".into());
        }
    }
    let works = || {
        cargo_fuzz(root)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works() {
        return Ok(());
    }
    say("cargo-fuzz is missing: cargo install cargo-fuzz --locked");
    let ok = crate::tools::cargo()
        .args(["install", "cargo-fuzz", "--locked"])
        .status()
        .is_ok_and(|s| s.success());
    if ok && works() {
        Ok(())
    } else {
        Err("`cargo install cargo-fuzz` failed; install it and run again".into())
    }
}

/// The last `key: N` (or `key:N`) of `text`.
fn last_number(text: &str, key: &str) -> Option<u64> {
    text.rmatch_indices(key).find_map(|(i, _)| {
        let rest = text[i + key.len()..].trim_start();
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

/// Fuzzes one target for `seconds`, then minimises its corpus.
fn fuzz_one(root: &Path, target: &str, seconds: u64) -> Result<RunStats, String> {
    let corpus = root.join("fuzz/corpus").join(target);
    let regressions = root.join("fuzz/regressions").join(target);
    std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    std::fs::create_dir_all(&regressions).map_err(|e| format!("{}: {e}", regressions.display()))?;
    let mut stats = RunStats {
        corpus_before: corpus_files(&corpus),
        ..RunStats::default()
    };
    say(format!("fuzzing {target} for {seconds} s (nice 10)"));
    let out = cargo_fuzz(root)
        .arg("run")
        .args(FUZZ_FLAGS)
        .arg(target)
        .arg(&corpus)
        .arg(&regressions)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-max_len={}", max_len(target)))
        .arg("-print_final_stats=1")
        .output()
        .map_err(|e| format!("cargo fuzz: {e}"))?;
    let log = String::from_utf8_lossy(&out.stderr);
    stats.executions = last_number(&log, "stat::number_of_executed_units:").unwrap_or(0);
    stats.exec_per_sec = last_number(&log, "stat::average_exec_per_sec:").unwrap_or(0);
    stats.coverage = last_number(&log, "cov:").unwrap_or(0);
    stats.features = last_number(&log, "ft:").unwrap_or(0);
    stats.crashed = !out.status.success();
    if stats.crashed {
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        for line in tail.into_iter().rev() {
            println!("  {line}");
        }
        say(format!(
            "{target}: the failing input is in fuzz/artifacts/{target}/; once fixed, copy it \
             to fuzz/regressions/{target}/ under a name that says what it caught"
        ));
        return Ok(stats);
    }
    say(format!("minimising fuzz/corpus/{target}"));
    let min = cargo_fuzz(root)
        .arg("cmin")
        .args(FUZZ_FLAGS)
        .arg(target)
        .arg(&corpus)
        .arg("--")
        .arg(format!("-max_len={}", max_len(target)))
        .output()
        .map_err(|e| format!("cargo fuzz cmin: {e}"))?;
    if !min.status.success() {
        return Err(format!(
            "cargo fuzz cmin {target} failed: {}",
            String::from_utf8_lossy(&min.stderr)
        ));
    }
    stats.corpus_after = corpus_files(&corpus);
    Ok(stats)
}

/// `cargo xtask fuzz`: runs `target` (or every target in turn) for
/// `seconds` each; prints a table; `true` when nothing failed.
pub fn run(root: &Path, target: Option<&str>, seconds: u64) -> Result<bool, String> {
    let targets: Vec<&str> = match target {
        Some(t) if TARGETS.contains(&t) => vec![t],
        Some(t) => {
            return Err(format!(
                "no fuzz target `{t}`; the targets are: {}",
                TARGETS.join(", ")
            ));
        }
        None => TARGETS.to_vec(),
    };
    ensure_cargo_fuzz(root)?;
    let mut rows = Vec::new();
    for t in &targets {
        rows.push((t, fuzz_one(root, t, seconds)?));
    }
    println!(
        "\ntarget        executions    exec/s   cov     ft  corpus (before → minimised)  result"
    );
    let mut passed = true;
    for (t, s) in &rows {
        passed &= !s.crashed;
        println!(
            "{t:<12} {:>11} {:>9} {:>5} {:>6}  {:>6} → {:<6}               {}",
            s.executions,
            s.exec_per_sec,
            s.coverage,
            s.features,
            s.corpus_before,
            s.corpus_after,
            if s.crashed { "FAILED" } else { "0 crashes" }
        );
    }
    Ok(passed)
}

/// The stable replay inside `cargo xtask test`: every corpus and regression
/// input through the same property checks (`fuzz/tests/replay.rs`).
pub fn replay(root: &Path, summary: &mut Summary) {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("fuzz-replay");
    let manifest = root.join("fuzz/Cargo.toml");
    let (manifest, target_dir) = (manifest.to_string_lossy(), target_dir.to_string_lossy());
    crate::host_tests::run(
        root,
        "fuzz corpus replay (stable)",
        &["--manifest-path", &manifest, "--target-dir", &target_dir],
        summary,
    );
}
