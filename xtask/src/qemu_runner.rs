//! qemu-runner: runs microcontroller images under QEMU system mode, and is the
//! cargo `runner` for the `qemu-system` targets (see `.cargo/config.toml`).
//!
//! * An image with an `.embedded_test` section is an embedded-test suite. The
//!   runner lists its tests from the ELF symbol table (embedded-test exports
//!   one 12-byte record per test under a JSON symbol name: `{"name":…,
//!   "ignored":…,"should_panic":…[,"timeout":N]}`; the record holds the entry
//!   function's address and the module path). It then boots QEMU once per test,
//!   with semihosting answering the target's `SYS_GET_CMDLINE` with
//!   `run_addr <address>` — exactly what probe-rs sends to real hardware — and
//!   takes the semihosting exit status as the verdict (0 = pass; embedded-test
//!   aborts with 134 on a panic or an `Err`). A test that does not exit within
//!   its timeout is killed and fails. One line per test, libtest style.
//! * Any other image is simply booted, with the ELF path and the extra
//!   arguments as its semihosting command line; its exit status is passed on.
//!
//! One boot per test costs a few tens of milliseconds (the images are small)
//! and gives every test a freshly reset chip: no state leaks between tests,
//! and a hung or crashed test cannot take the others down.

use crate::elf32::{EM_ARM, EM_RISCV, Elf32};
use crate::process::run_with_timeout;
use crate::targets::{self, Target};
use crate::tools::ensure_program;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// `--nocapture`: print what each test wrote (semihosting stdout/stderr).
static NOCAPTURE: AtomicBool = AtomicBool::new(false);

/// embedded-test's default when a test has no `#[timeout]` and its module no
/// `default_timeout`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// One test as listed in the ELF.
#[derive(Clone, Debug)]
pub struct TestCase {
    /// `module::path::test_name`, without the crate name.
    pub name: String,
    /// Address of the test's entry function (Thumb bit included on Arm).
    pub addr: u32,
    pub ignored: bool,
    pub should_panic: bool,
    pub timeout: Duration,
}

/// What happened to one test.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Passed,
    Failed(String),
    Ignored,
}

/// Reads the test list of an embedded-test image; `Ok(None)` when the image
/// is not a test suite.
pub fn list_tests(elf: &Elf32) -> Result<Option<Vec<TestCase>>, String> {
    let Some((index, _)) = elf.section(".embedded_test") else {
        return Ok(None);
    };
    if elf.symbols.is_empty() {
        return Err(
            "the image has an .embedded_test section but no symbol table (built with `strip`?)"
                .into(),
        );
    }
    let section = &elf.sections[index];
    let mut tests = Vec::new();
    for sym in elf
        .symbols
        .iter()
        .filter(|s| s.shndx as usize == index && s.size == 12 && s.name.starts_with('{'))
    {
        let rel = sym.value.wrapping_sub(section.addr);
        let rec = elf
            .read_in_section(index, rel, 12)
            .ok_or_else(|| format!("test record `{}` outside its section", sym.name))?;
        let word = |i: usize| u32::from_le_bytes(rec[i * 4..i * 4 + 4].try_into().unwrap());
        let (addr, path_ptr, path_len) = (word(0), word(1), word(2));
        let module = elf
            .read_vaddr(path_ptr, path_len as usize)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        // Like probe-rs: drop the crate name, keep the module path.
        let module = module.split_once("::").map(|(_, m)| m).unwrap_or("");
        let name = json_str(&sym.name, "name")
            .ok_or_else(|| format!("test symbol without a name: {}", sym.name))?;
        tests.push(TestCase {
            name: if module.is_empty() {
                name
            } else {
                format!("{module}::{name}")
            },
            addr,
            ignored: json_bool(&sym.name, "ignored"),
            should_panic: json_bool(&sym.name, "should_panic"),
            timeout: json_int(&sym.name, "timeout")
                .map(Duration::from_secs)
                .unwrap_or(DEFAULT_TIMEOUT),
        });
    }
    tests.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Some(tests))
}

// The symbol names are flat JSON objects written by embedded-test's macro;
// these three lookups are all the JSON this needs.
fn json_str(json: &str, key: &str) -> Option<String> {
    let start = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let len = json[start..].find('"')?;
    Some(json[start..start + len].to_owned())
}

fn json_bool(json: &str, key: &str) -> bool {
    json.contains(&format!("\"{key}\":true"))
}

fn json_int(json: &str, key: &str) -> Option<u64> {
    let start = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let digits: String = json[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// The board an image runs on: `--board`/`BITWAKE_BOARD` when given,
/// otherwise the `qemu-system` target whose triple appears in the image's
/// path (cargo builds into `<target-dir>/<triple>/…`), checked against the
/// image's machine type.
pub fn board_for(root: &Path, elf_path: &Path, explicit: Option<&str>) -> Result<Target, String> {
    if let Some(name) = explicit
        .map(str::to_owned)
        .or_else(|| std::env::var("BITWAKE_BOARD").ok())
    {
        return targets::find(root, &name);
    }
    let boards: Vec<Target> = targets::load_all(root)?
        .into_iter()
        .filter(|t| t.kind() == "qemu-system")
        .collect();
    let path = elf_path.to_string_lossy();
    let dirs: Vec<&str> = path.split('/').collect();
    // A board built in a directory of its own (`mcu-<board>`, see
    // `mcu::board_target_dir`) first, then the first board of the triple.
    let own = boards
        .iter()
        .position(|b| dirs.contains(&format!("mcu-{}", b.name).as_str()));
    let by_triple = boards.iter().position(|b| dirs.contains(&b.triple()));
    own.or(by_triple).map(|i| boards[i].clone()).ok_or_else(|| {
        format!("cannot tell the board of {path}: pass --board NAME (or set BITWAKE_BOARD)")
    })
}

/// Makes sure the board's QEMU is installed.
pub fn ensure_qemu(board: &Target) -> Result<(), String> {
    let qemu = board.list("qemu");
    let program = qemu
        .first()
        .ok_or_else(|| format!("board {} has no `qemu` command line", board.name))?;
    ensure_program(program, board.runner_package().unwrap_or(program)).map_err(|e| {
        format!(
            "{e}\n(on Debian, qemu-system-arm and qemu-system-misc are the packages; if apt \
             reports a conflict with a backported qemu-utils, install the same QEMU version \
             of both by hand)"
        )
    })
}

/// `arg=` values in `-semihosting-config` are comma-separated options; a
/// literal comma is written twice.
fn semihosting_config(args: &[&str]) -> String {
    let mut s = String::from("enable=on,target=native");
    for a in args {
        s.push_str(",arg=");
        s.push_str(&a.replace(',', ",,"));
    }
    s
}

/// The QEMU command that boots `elf` on `board` with the given semihosting
/// command line.
pub fn qemu_command(board: &Target, elf: &Path, cmdline: &[&str]) -> Command {
    let qemu = board.list("qemu");
    let mut cmd = Command::new(&qemu[0]);
    cmd.args(&qemu[1..])
        .args(["-nographic", "-monitor", "none", "-semihosting-config"])
        .arg(semihosting_config(cmdline))
        .arg("-kernel")
        .arg(elf);
    cmd
}

/// The last few lines a failed boot printed, to explain the failure.
fn tail(out: &str, err: &str) -> String {
    let lines: Vec<&str> = out
        .lines()
        .chain(err.lines())
        // lm3s6965evb's QEMU model prints this on every boot; it means nothing.
        .filter(|l| !l.contains("Timer with period zero"))
        .filter(|l| !l.trim().is_empty())
        .collect();
    let start = lines.len().saturating_sub(3);
    lines[start..].join(" | ")
}

/// Boots one test and judges it.
pub fn run_test(board: &Target, elf: &Path, case: &TestCase) -> (Outcome, Duration) {
    if case.ignored {
        return (Outcome::Ignored, Duration::ZERO);
    }
    let addr = case.addr.to_string();
    let cmd = qemu_command(board, elf, &["run_addr", &addr]);
    let out = match run_with_timeout(cmd, case.timeout) {
        Ok(o) => o,
        Err(e) => return (Outcome::Failed(e), Duration::ZERO),
    };
    if NOCAPTURE.load(Ordering::Relaxed) {
        print!("{}", out.stdout);
        eprint!("{}", out.stderr);
    }
    let passed_run = out.code == Some(0);
    let outcome = if out.timed_out {
        Outcome::Failed(format!("timed out after {:?}", case.timeout))
    } else if case.should_panic {
        if passed_run {
            Outcome::Failed("exited normally but should have panicked".into())
        } else {
            Outcome::Passed
        }
    } else if passed_run {
        Outcome::Passed
    } else {
        Outcome::Failed(format!(
            "{}: {}",
            out.describe_exit(),
            tail(&out.stdout, &out.stderr)
        ))
    };
    (outcome, out.elapsed)
}

/// Runs every test of a suite (those whose name contains one of `filters`,
/// when given), calling `report` once per test in name order as each
/// finishes. `jobs` QEMU instances run at once.
pub fn run_suite(
    board: &Target,
    elf: &Path,
    tests: &[TestCase],
    filters: &[String],
    jobs: usize,
    report: &mut dyn FnMut(&TestCase, &Outcome, Duration),
) {
    let selected: Vec<&TestCase> = tests
        .iter()
        .filter(|t| filters.is_empty() || filters.iter().any(|f| t.name.contains(f.as_str())))
        .collect();
    let results: Vec<std::sync::Mutex<Option<(Outcome, Duration)>>> = selected
        .iter()
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::Condvar::new();
    let lock = std::sync::Mutex::new(());
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(case) = selected.get(i) else { break };
                    let r = run_test(board, elf, case);
                    *results[i].lock().unwrap() = Some(r);
                    let _g = lock.lock().unwrap();
                    done.notify_all();
                }
            });
        }
        // Report in order, as soon as each result is in.
        for (i, case) in selected.iter().enumerate() {
            let mut g = lock.lock().unwrap();
            loop {
                if let Some((o, d)) = results[i].lock().unwrap().take() {
                    drop(g);
                    report(case, &o, d);
                    break;
                }
                g = done.wait(g).unwrap();
            }
        }
    });
}

/// Prints a libtest-style line for one test.
pub fn print_line(case: &TestCase, outcome: &Outcome, took: Duration) {
    match outcome {
        Outcome::Passed => println!("test {} ... ok ({:.2}s)", case.name, took.as_secs_f64()),
        Outcome::Ignored => println!("test {} ... ignored", case.name),
        Outcome::Failed(why) => println!(
            "test {} ... FAILED ({:.2}s): {why}",
            case.name,
            took.as_secs_f64()
        ),
    }
}

/// `cargo xtask qemu-runner [--board B] [--jobs N] [--list] ELF [ARGS|FILTERS…]`:
/// the cargo runner entry point.
pub fn main(root: &Path, args: &[String]) -> Result<bool, String> {
    let mut board_name = None;
    let mut jobs = 1;
    let mut list_only = false;
    let mut include_ignored = false;
    let mut elf = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--board" => board_name = it.next().cloned(),
            "--jobs" => {
                jobs = it
                    .next()
                    .and_then(|j| j.parse().ok())
                    .ok_or("--jobs needs a number")?
            }
            "--" if elf.is_none() => {}
            // libtest flags cargo passes through; `--list` is honoured, the
            // others do not apply (tests always run one boot each).
            "--list" => list_only = true,
            "--include-ignored" | "--ignored" => include_ignored = true,
            "--nocapture" => NOCAPTURE.store(true, Ordering::Relaxed),
            "--quiet" | "-q" | "--exact" => {}
            _ if elf.is_none() => elf = Some(a.clone()),
            _ => rest.push(a.clone()),
        }
    }
    let elf = elf.ok_or("usage: cargo xtask qemu-runner [--board B] ELF [ARGS…]")?;
    let elf = Path::new(&elf);
    let board = board_for(root, elf, board_name.as_deref())?;
    let image = Elf32::read(elf)?;
    let expected = if board.triple().starts_with("riscv") {
        EM_RISCV
    } else {
        EM_ARM
    };
    if image.machine != expected {
        return Err(format!(
            "{} is not an image for board {} (ELF machine {})",
            elf.display(),
            board.name,
            image.machine
        ));
    }
    ensure_qemu(&board)?;
    let Some(mut tests) = list_tests(&image)? else {
        // A plain program (an example): boot it once, output straight through.
        let path = elf.to_string_lossy().into_owned();
        let mut cmdline = vec![path.as_str()];
        cmdline.extend(rest.iter().map(String::as_str));
        let status = qemu_command(&board, elf, &cmdline)
            .status()
            .map_err(|e| format!("cannot start QEMU: {e}"))?;
        return Ok(status.success());
    };
    if include_ignored {
        tests.iter_mut().for_each(|t| t.ignored = false);
    }
    if list_only {
        for t in &tests {
            println!("{}: test", t.name);
        }
        return Ok(true);
    }
    println!("\nrunning {} tests on {} (QEMU)", tests.len(), board.name);
    let started = Instant::now();
    let (mut passed, mut failed, mut ignored) = (0, 0, 0);
    run_suite(
        &board,
        elf,
        &tests,
        &rest,
        jobs,
        &mut |case, outcome, took| {
            print_line(case, outcome, took);
            match outcome {
                Outcome::Passed => passed += 1,
                Outcome::Failed(_) => failed += 1,
                Outcome::Ignored => ignored += 1,
            }
        },
    );
    println!(
        "\ntest result: {}. {passed} passed; {failed} failed; {ignored} ignored; finished in {:.2}s\n",
        if failed == 0 { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    Ok(failed == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_embedded_test_json_names() {
        let j = r#"{"disambiguator":9242252883249191573,"name":"adds","ignored":false,"should_panic":true,"timeout":5}"#;
        assert_eq!(json_str(j, "name").as_deref(), Some("adds"));
        assert!(!json_bool(j, "ignored"));
        assert!(json_bool(j, "should_panic"));
        assert_eq!(json_int(j, "timeout"), Some(5));
        assert_eq!(json_int(r#"{"name":"x"}"#, "timeout"), None);
    }

    #[test]
    fn escapes_commas_in_semihosting_args() {
        assert_eq!(
            semihosting_config(&["run_addr", "1,2"]),
            "enable=on,target=native,arg=run_addr,arg=1,,2"
        );
    }
}
