//! The microcontroller boards (`kind = "qemu-system"` in `targets/`): build
//! the `mcu/` crate's on-target suites and run them under QEMU, one boot per
//! test (see `qemu_runner`); run the blinky example; check its size against
//! `targets/size-baselines.txt`; run `portable` (the same source as the
//! Linux program) and check it prints what it prints everywhere; build and
//! run any example for `cargo xtask build` and `run`.

use crate::elf32::{Elf32, Sizes32};
use crate::process::run_with_timeout;
use crate::qemu_runner::{self, Outcome};
use crate::summary::Summary;
use crate::targets::{self, Target};
use crate::tools::{ensure_rust_target, say};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const PACKAGE: &str = "bitwake-mcu";
const SIZE_EXAMPLE: &str = "blinky";
/// The one-source program of every target (`programs/src/bin/portable.rs`).
const PORTABLE: &str = "portable";
const BASELINES: &str = "targets/size-baselines.txt";
/// A size may grow this much (percent) over its baseline before the test fails…
const SIZE_TOLERANCE_PCT: u64 = 5;
/// …or by this many bytes, so a section whose baseline is (near) zero does
/// not fail on its first static.
const SIZE_TOLERANCE_MIN: u64 = 16;
const BLINKY_TIMEOUT: Duration = Duration::from_secs(20);
/// QEMU instances running one board's tests at once. The suites include
/// timing checks against the host clock, so keep this modest on a small
/// shared machine.
const JOBS: usize = 2;

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// Where a board's images are built. `mcu/build.rs` bakes the board's
/// layout and clock into the image, so two boards with the same Rust target
/// (lm3s6965evb and mps2-an385) would overwrite each other's artifacts and
/// rebuild on every switch; the second and later ones get a directory of
/// their own.
pub fn board_target_dir(root: &Path, board: &Target) -> PathBuf {
    let first_with_triple = targets::load_all(root)
        .ok()
        .and_then(|all| {
            all.into_iter()
                .find(|t| t.kind() == "qemu-system" && t.triple() == board.triple())
        })
        .map(|t| t.name);
    if first_with_triple.is_none_or(|n| n == board.name) {
        target_dir(root)
    } else {
        target_dir(root).join(format!("mcu-{}", board.name))
    }
}

/// A cargo command for the board: its triple, the shared target dir, the
/// board named for `mcu/build.rs`, and no rustflags from the environment
/// (so the result is the same as a plain `cargo run --target`).
fn cargo(root: &Path, board: &Target, args: &[&str]) -> Command {
    let mut cmd = crate::tools::cargo();
    cmd.current_dir(root)
        .args(args)
        .args(["-p", PACKAGE, "--target", board.triple()])
        .arg("--target-dir")
        .arg(board_target_dir(root, board))
        .env("BITWAKE_BOARD", &board.name)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    cmd
}

/// Builds the test suites in the dev profile (release strips the symbol
/// table the runner reads the test list from) and returns their ELFs.
pub fn build_tests(root: &Path, board: &Target) -> Result<Vec<PathBuf>, String> {
    ensure_rust_target(board.triple())?;
    say(format!("building the MCU test suites for {}", board.name));
    let out = cargo(
        root,
        board,
        &[
            "test",
            "--no-run",
            "--quiet",
            "--message-format=json-render-diagnostics",
        ],
    )
    .stderr(Stdio::inherit())
    .output()
    .map_err(|e| format!("cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "building the test suites for {} failed",
            board.name
        ));
    }
    // Cargo's JSON lines: the test artifacts carry `"executable":"PATH"`.
    let text = String::from_utf8_lossy(&out.stdout);
    let mut elfs = Vec::new();
    for line in text.lines() {
        if !line.contains("\"reason\":\"compiler-artifact\"") || !line.contains("\"test\":true") {
            continue;
        }
        if let Some(start) = line.find("\"executable\":\"") {
            let rest = &line[start + 14..];
            if let Some(end) = rest.find('"') {
                elfs.push(PathBuf::from(&rest[..end]));
            }
        }
    }
    if elfs.is_empty() {
        return Err("cargo reported no test executables".into());
    }
    Ok(elfs)
}

/// The examples of the `mcu` crate (what `cargo xtask run` and `build` can
/// build for a board): the `[[example]]`s of `mcu/Cargo.toml` and the files
/// cargo finds on its own in `mcu/examples/` (`NAME.rs`, `NAME/main.rs`),
/// sorted.
pub fn example_names(root: &Path) -> Result<Vec<String>, String> {
    let manifest = root.join("mcu/Cargo.toml");
    let text =
        std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let mut names = Vec::new();
    let mut in_example = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_example = line == "[[example]]";
        } else if let Some(v) = line.strip_prefix("name").filter(|_| in_example) {
            names.push(
                v.trim_start()
                    .trim_start_matches('=')
                    .trim()
                    .trim_matches('"')
                    .to_owned(),
            );
        }
    }
    let dir = root.join("mcu/examples");
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
            let is_example = if path.is_dir() {
                path.join("main.rs").is_file()
            } else {
                path.extension().is_some_and(|e| e == "rs")
            };
            if let (true, Some(stem)) = (is_example, stem) {
                names.push(stem);
            }
        }
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// Builds example `name` of the `mcu` crate for `board` in release mode and
/// returns its ELF.
pub fn build_example(root: &Path, board: &Target, name: &str) -> Result<PathBuf, String> {
    ensure_rust_target(board.triple())?;
    say(format!("building {name} for {}", board.name));
    let status = cargo(
        root,
        board,
        &["build", "--release", "--quiet", "--example", name],
    )
    .status()
    .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building {name} for {} failed", board.name));
    }
    Ok(board_target_dir(root, board)
        .join(board.triple())
        .join("release/examples")
        .join(name))
}

/// `cargo xtask build --target BOARD [EXAMPLE...]`: builds the named
/// examples (all when none is named) and returns their ELFs.
pub fn build_examples(
    root: &Path,
    board: &Target,
    names: &[String],
) -> Result<Vec<PathBuf>, String> {
    let all = example_names(root)?;
    if let Some(bad) = names.iter().find(|n| !all.contains(n)) {
        return Err(format!(
            "no program `{bad}`; the programs for {} are: {}",
            board.name,
            all.join(", ")
        ));
    }
    let names = if names.is_empty() { &all } else { names };
    names
        .iter()
        .map(|n| build_example(root, board, n))
        .collect()
}

/// `cargo xtask run --target BOARD EXAMPLE [-- ARGS]`: builds the example
/// and boots it under the board's QEMU with the ELF path and `args` as its
/// semihosting command line, output straight through (as `qemu-runner`
/// does for a plain image). Returns how QEMU (the program) exited.
pub fn run_example(
    root: &Path,
    board: &Target,
    name: &str,
    args: &[String],
) -> Result<ExitStatus, String> {
    qemu_runner::ensure_qemu(board)?;
    let elf = build_example(root, board, name)?;
    let path = elf.to_string_lossy().into_owned();
    let mut cmdline = vec![path.as_str()];
    cmdline.extend(args.iter().map(String::as_str));
    let mut cmd = qemu_runner::qemu_command(board, &elf, &cmdline);
    say(format!("running {name} on {}: {cmd:?}", board.name));
    cmd.status().map_err(|e| format!("cannot start QEMU: {e}"))
}

/// `cargo xtask test` for one board: every test of every suite, the example
/// run, and the size check, each recorded in `summary`.
pub fn test_board(root: &Path, board: &Target, summary: &mut Summary) {
    let tag = format!("[{}]", board.name);
    let started = Instant::now();
    if let Err(e) = qemu_runner::ensure_qemu(board) {
        return summary.record(&format!("{tag} QEMU available"), Err(e));
    }
    match build_tests(root, board) {
        Err(e) => summary.record(&format!("{tag} build test suites"), Err(e)),
        Ok(elfs) => {
            for elf in elfs {
                let suite = elf
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                // cargo names test ELFs `<name>-<hash>`.
                let suite = suite.rsplit_once('-').map_or(suite.as_str(), |(n, _)| n);
                let tests = match Elf32::read(&elf).and_then(|e| qemu_runner::list_tests(&e)) {
                    Ok(Some(t)) if !t.is_empty() => t,
                    Ok(_) => {
                        summary.record(
                            &format!("{tag} {suite}: list tests"),
                            Err("no embedded-test tests in the image".into()),
                        );
                        continue;
                    }
                    Err(e) => {
                        summary.record(&format!("{tag} {suite}: list tests"), Err(e));
                        continue;
                    }
                };
                qemu_runner::run_suite(
                    board,
                    &elf,
                    &tests,
                    &[],
                    JOBS,
                    &mut |case, outcome, took| {
                        let name =
                            format!("{tag} {suite}::{} ({:.2}s)", case.name, took.as_secs_f64());
                        match outcome {
                            Outcome::Passed => summary.record(&name, Ok(())),
                            Outcome::Failed(why) => summary.record(&name, Err(why.clone())),
                            Outcome::Ignored => println!("ignored {tag} {suite}::{}", case.name),
                        }
                    },
                );
            }
        }
    }
    match build_example(root, board, SIZE_EXAMPLE) {
        Err(e) => summary.record(&format!("{tag} build {SIZE_EXAMPLE}"), Err(e)),
        Ok(elf) => {
            summary.record(
                &format!("{tag} {SIZE_EXAMPLE} runs under QEMU and exits 0"),
                boot_example(board, &elf),
            );
            summary.record(
                &format!("{tag} {SIZE_EXAMPLE} size within {SIZE_TOLERANCE_PCT}% of its baseline"),
                check_size(root, board, &elf),
            );
        }
    }

    match build_example(root, board, PORTABLE) {
        Err(e) => summary.record(&format!("{tag} build {PORTABLE}"), Err(e)),
        Ok(elf) => summary.record(
            &format!("{tag} {PORTABLE} prints the lines it prints on every target"),
            run_portable(board, &elf),
        ),
    }
    say(format!(
        "{} done in {:.1}s",
        board.name,
        started.elapsed().as_secs_f64()
    ));
}

fn boot_example(board: &Target, elf: &Path) -> Result<(), String> {
    let path = elf.to_string_lossy().into_owned();
    let cmd = qemu_runner::qemu_command(board, elf, &[&path]);
    let out = run_with_timeout(cmd, BLINKY_TIMEOUT)?;
    if out.code == Some(0) {
        Ok(())
    } else {
        Err(format!("{} {}", out.describe_exit(), out.stderr.trim()))
    }
}

/// Boots `portable` and compares its output with the Linux targets' (see
/// `freestanding::PORTABLE_LINES`).
fn run_portable(board: &Target, elf: &Path) -> Result<(), String> {
    let path = elf.to_string_lossy().into_owned();
    let cmd = qemu_runner::qemu_command(board, elf, &[&path]);
    crate::freestanding::check_portable(&run_with_timeout(cmd, BLINKY_TIMEOUT)?)
}

/// One line of the baselines file: board, program, text, data, bss.
fn read_baselines(root: &Path) -> Vec<(String, String, Sizes32)> {
    let text = std::fs::read_to_string(root.join(BASELINES)).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() != 5 {
                return None;
            }
            let n = |i: usize| f[i].parse::<u64>().ok();
            Some((
                f[0].to_owned(),
                f[1].to_owned(),
                Sizes32 {
                    text: n(2)?,
                    data: n(3)?,
                    bss: n(4)?,
                },
            ))
        })
        .collect()
}

fn limit(base: u64) -> u64 {
    base + (base * SIZE_TOLERANCE_PCT / 100).max(SIZE_TOLERANCE_MIN)
}

fn check_size(root: &Path, board: &Target, elf: &Path) -> Result<(), String> {
    let now = Elf32::read(elf)?.sizes();
    let base = read_baselines(root)
        .into_iter()
        .find(|(b, p, _)| b == &board.name && p == SIZE_EXAMPLE)
        .map(|(_, _, s)| s)
        .ok_or_else(|| {
            format!("no baseline in {BASELINES}; record one with `cargo xtask size --update`")
        })?;
    let mut grown = Vec::new();
    for (what, cur, was) in [
        ("text", now.text, base.text),
        ("data", now.data, base.data),
        ("bss", now.bss, base.bss),
    ] {
        if cur > limit(was) {
            grown.push(format!("{what} {was} -> {cur}"));
        }
    }
    if grown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} (if intended: `cargo xtask size --update`)",
            grown.join(", ")
        ))
    }
}

/// `cargo xtask size --target BOARD` (print against the baseline) and
/// `cargo xtask size --update` (rebuild on every board, rewrite the file).
pub fn size(root: &Path, only: Option<&Target>, update: bool) -> Result<bool, String> {
    let boards: Vec<Target> = match only {
        Some(t) if t.kind() == "qemu-system" => vec![t.clone()],
        _ => targets::load_all(root)?
            .into_iter()
            .filter(|t| t.kind() == "qemu-system")
            .collect(),
    };
    let baselines = read_baselines(root);
    let mut rows = Vec::new();
    println!("{SIZE_EXAMPLE} (release), in bytes:");
    println!(
        "{:<14} {:<30} {:>7} {:>7} {:>7}   baseline text/data/bss",
        "board", "triple", "text", "data", "bss"
    );
    for b in &boards {
        let s = Elf32::read(&build_example(root, b, SIZE_EXAMPLE)?)?.sizes();
        let base = baselines
            .iter()
            .find(|(n, p, _)| n == &b.name && p == SIZE_EXAMPLE)
            .map(|(_, _, s)| format!("{}/{}/{}", s.text, s.data, s.bss))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<14} {:<30} {:>7} {:>7} {:>7}   {base}",
            b.name,
            b.triple(),
            s.text,
            s.data,
            s.bss
        );
        rows.push((b.name.clone(), s));
    }
    if update {
        // Keep the rows of boards not rebuilt this time.
        let mut all: Vec<(String, String, Sizes32)> = baselines
            .into_iter()
            .filter(|(n, _, _)| !rows.iter().any(|(r, _)| r == n))
            .collect();
        all.extend(
            rows.into_iter()
                .map(|(n, s)| (n, SIZE_EXAMPLE.to_owned(), s)),
        );
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let mut text = String::from(
            "# Size baselines of the MCU example (release build), in bytes, as size(1)\n\
             # counts them (text = code + rodata + vector table; bss without the stack).\n\
             # `cargo xtask test` fails when one grows more than 5 % (min. 16 bytes);\n\
             # `cargo xtask size --update` rewrites this file on purpose.\n\
             # board          program  text  data  bss\n",
        );
        for (n, p, s) in all {
            text.push_str(&format!(
                "{n:<16} {p:<8} {:>5} {:>5} {:>4}\n",
                s.text, s.data, s.bss
            ));
        }
        std::fs::write(root.join(BASELINES), text).map_err(|e| format!("{BASELINES}: {e}"))?;
        println!("wrote {BASELINES}");
    }
    Ok(true)
}
