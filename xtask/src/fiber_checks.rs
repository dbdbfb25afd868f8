//! The fiber programs, run by `cargo xtask test` natively and under QEMU:
//! `fibers` must print the green threads' interleaving and finish, and
//! `fiber-overflow`, for each way of catching an overflow (the guard page of
//! an `mmap`ed stack, the canary of a static one), must print the report and
//! exit with the overflow status.

use crate::cargo_build;
use crate::process::run_with_timeout;
use crate::summary::Summary;
use crate::targets::Target;
use std::path::Path;
use std::time::Duration;

/// `bitwake::fiber::OVERFLOW_EXIT_STATUS`.
const OVERFLOW_EXIT_STATUS: i32 = 107;

/// Runs both overflow modes in every way the target runs programs.
pub fn check_overflow(target: &Target, elf: &Path, tag: &str, summary: &mut Summary) {
    for (mode, native) in crate::freestanding::modes(target) {
        for (arg, size) in [("guard", 16384), ("canary", 4096)] {
            let r = run_one(target, elf, native, arg, size);
            summary.record(
                &format!(
                    "[{tag}/{mode}] fiber-overflow {arg}: report on stderr, exit {OVERFLOW_EXIT_STATUS}"
                ),
                r,
            );
        }
    }
}

fn run_one(
    target: &Target,
    elf: &Path,
    native: bool,
    arg: &str,
    size: usize,
) -> Result<(), String> {
    let mut cmd = cargo_build::run_command(target, elf, native);
    cmd.arg(arg);
    let out = run_with_timeout(cmd, Duration::from_secs(30))?;
    if out.code != Some(OVERFLOW_EXIT_STATUS) {
        return Err(format!(
            "{} (want {OVERFLOW_EXIT_STATUS}); stderr {:?}",
            out.describe_exit(),
            out.stderr
        ));
    }
    let want = format!("overflowed its {size}-byte stack");
    if !out.stderr.starts_with("fiber ") || !out.stderr.contains(&want) {
        return Err(format!(
            "stderr was {:?} (want \"fiber N {want}\")",
            out.stderr
        ));
    }
    if out.stdout.contains("not reached") {
        return Err("the program went on after the overflow".into());
    }
    Ok(())
}

/// `fibers` prints the green threads' steps round by round, then the
/// timer and socket parts, then `fibers: ok`.
pub fn check_program(target: &Target, elf: &Path, tag: &str, summary: &mut Summary) {
    for (mode, native) in crate::freestanding::modes(target) {
        let r = run_with_timeout(
            cargo_build::run_command(target, elf, native),
            Duration::from_secs(30),
        )
        .and_then(|out| {
            if out.code != Some(0) {
                return Err(format!("{}; stderr {:?}", out.describe_exit(), out.stderr));
            }
            let want: Vec<String> = (1..=3)
                .flat_map(|step| (1..=3).map(move |id| format!("green thread {id}: step {step}")))
                .collect();
            let got: Vec<&str> = out.stdout.lines().take(want.len()).collect();
            if got != want {
                return Err(format!("first lines were {got:?}"));
            }
            for line in [
                "fiber: woke from sleep 2",
                "fiber: read \"hello, fiber\"",
                "got \"hello, fiber\" back",
                "fibers: ok",
            ] {
                if !out.stdout.contains(line) {
                    return Err(format!("no line with {line:?} in {:?}", out.stdout));
                }
            }
            Ok(())
        });
        summary.record(
            &format!(
                "[{tag}/{mode}] fibers: green threads interleave, then wait on a timer and a socket"
            ),
            r,
        );
    }
}
