//! The `actors` program, run by `cargo xtask test` natively and under QEMU:
//! it must show the worker failing and restarted by its supervisor (same
//! address, fresh state), the pipeline's total, the fiber actor's blocking
//! ask, and finish with `actors: ok`.

use crate::cargo_build;
use crate::process::run_with_timeout;
use crate::summary::Summary;
use crate::targets::Target;
use std::path::Path;
use std::time::Duration;

pub fn check_program(target: &Target, elf: &Path, tag: &str, summary: &mut Summary) {
    for (mode, native) in crate::freestanding::modes(target) {
        let r = run_with_timeout(
            cargo_build::run_command(target, elf, native),
            Duration::from_secs(60),
        )
        .and_then(|out| {
            if out.code != Some(0) {
                return Err(format!("{}; stderr {:?}", out.describe_exit(), out.stderr));
            }
            for line in [
                "worker: incarnation 1 started",
                "worker: incarnation 1 failed at job 3 (job lost); the supervisor restarts it",
                "worker: incarnation 2 started",
                "worker: job 4 done by incarnation 2",
                "worker: incarnation 4 started",
                "pipeline: 1..=10 squared and summed = Ok(385) (expected 385)",
                "auditor (on its fiber): asked the pipeline, got 385 back as a value",
                "tree: root Ok(()), pipeline Ok(())",
                "actors: ok",
            ] {
                if !out.stdout.lines().any(|l| l == line) {
                    return Err(format!("no line {line:?} in {:?}", out.stdout));
                }
            }
            Ok(())
        });
        summary.record(
            &format!("[{tag}/{mode}] actors: a worker restarted by its supervisor, a pipeline, a fiber actor, a ring"),
            r,
        );
    }
}
