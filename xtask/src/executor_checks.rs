//! Executor checks for `cargo xtask test`: the core must build
//! unchanged for bare-metal and microcontroller targets, and run under Miri
//! and loom. Each check is one line in the summary.
//!
//! The same commands by hand:
//!
//! ```text
//! cargo build -p bitwake --target x86_64-unknown-none
//! cargo build -p bitwake --target thumbv7em-none-eabihf
//! cargo build -p bitwake --target riscv32imac-unknown-none-elf
//! cargo build -p bitwake --target thumbv6m-none-eabi --features critical-section
//! cargo +nightly miri test -p bitwake --test 'executor_*' --test 'sync_*' --test 'future_*' --test fanout_alloc --test 'actor_*'
//! cargo +nightly miri test -p bitwake --lib -- executor:: time:: waitlist::
//! cargo +nightly miri test -p bitwake-http --lib
//! RUSTFLAGS="--cfg loom" cargo test --release -p bitwake --test executor_loom
//! RUSTFLAGS="--cfg loom" cargo test --release -p bitwake --test sync_loom
//! RUSTFLAGS="--cfg loom" cargo test --release -p bitwake --test critical_section_loom
//! RUSTFLAGS="--cfg loom" cargo test --release -p bitwake --test sync_loom_fanout
//! RUSTFLAGS="--cfg loom" cargo test --release -p bitwake --test fiber_loom
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release -p bitwake --test cores_loom
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release -p bitwake --test per_core_loom
//! ```

use crate::process::succeeds;
use crate::summary::Summary;
use crate::tools::{ensure_rust_target, say};
use std::path::Path;
use std::process::Command;

/// `(target triple, extra cargo args)`: thumbv6m has no compare-and-swap, so
/// it needs a critical-section implementation (the final binary provides it).
const CROSS: &[(&str, &[&str])] = &[
    ("x86_64-unknown-none", &[]),
    ("thumbv7em-none-eabihf", &[]),
    ("thumbv6m-none-eabi", &["--features", "critical-section"]),
    ("riscv32imac-unknown-none-elf", &[]),
];

/// The executor's, `sync`'s and `actor`'s integration tests (Miri runs
/// these; `actor_timeout` needs the platform's timers, so it is not here).
const TESTS: &[&str] = &[
    "executor_spawn",
    "executor_wake",
    "executor_panic",
    "executor_interop",
    "executor_alloc",
    "executor_local",
    "executor_join_set",
    "executor_try_spawn",
    "executor_per_core",
    "sync_channel",
    "sync_mutex",
    "sync_alloc",
    "sync_semaphore",
    "sync_signal",
    "sync_notify",
    "future_combinators",
    "sync_broadcast",
    "sync_watch",
    "fanout_alloc",
    "sync_reopen",
    "actor_basic",
    "actor_supervision",
    "actor_ring",
    "actor_alloc",
    "actor_threads",
];

use crate::tools::cargo;

/// One loom model: an integration test built with `--cfg loom`.
struct LoomModel {
    /// The summary line's tag.
    area: &'static str,
    /// What the model explores, for the progress line.
    what: &'static str,
    /// The `tests/*.rs` file.
    test: &'static str,
    /// Extra environment: a bound on preemptions where the model's state
    /// space is too large to explore in full.
    env: &'static [(&'static str, &'static str)],
}

const LOOM: &[LoomModel] = &[
    LoomModel {
        area: "critical-section",
        what: "loom model of the Linux implementation's owner lock",
        test: "critical_section_loom",
        env: &[],
    },
    LoomModel {
        area: "executor",
        what: "loom model of wake-vs-scan-vs-park",
        test: "executor_loom",
        env: &[],
    },
    LoomModel {
        area: "cores",
        what: "loom model of a cross-core wake against scan and a spinning park",
        test: "cores_loom",
        env: &[("LOOM_MAX_PREEMPTIONS", "3")],
    },
    LoomModel {
        area: "executor",
        what: "loom model of executors taking a per-core task function's pools",
        test: "per_core_loom",
        env: &[("LOOM_MAX_PREEMPTIONS", "3")],
    },
    LoomModel {
        area: "sync",
        what: "loom models of channel close and mutex hand-off",
        test: "sync_loom",
        env: &[],
    },
    LoomModel {
        area: "fiber",
        what: "loom model of the stack hand-off",
        test: "fiber_loom",
        env: &[],
    },
    LoomModel {
        area: "sync",
        what: "loom models of broadcast and watch fan-out",
        test: "sync_loom_fanout",
        env: &[],
    },
];

/// Whether `cargo +nightly miri` works, installing nightly's Miri and
/// rust-src first when they are missing (Miri is a check only: every build
/// stays on stable). Offline or without rustup this is a skip, not a failure.
fn ensure_miri() -> bool {
    let works = || {
        Command::new("cargo")
            .args(["+nightly", "miri", "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works() {
        return true;
    }
    say("executor: installing nightly Miri (rustup, minimal profile)");
    let installed = Command::new("rustup")
        .args(["toolchain", "install", "nightly", "--profile", "minimal"])
        .args(["--component", "miri,rust-src"])
        .status()
        .is_ok_and(|s| s.success());
    installed && works()
}

/// Runs the cross-builds, Miri (when nightly Miri is installed) and loom.
pub fn run(root: &Path, summary: &mut Summary) {
    let target_dir = root.join("target/executor-checks");
    for (triple, extra) in CROSS {
        let name = format!("[executor] build core for {triple}");
        let r = ensure_rust_target(triple).and_then(|()| {
            let mut c = cargo();
            c.current_dir(root)
                .args(["build", "-p", "bitwake", "--target", triple])
                .args(*extra)
                .arg("--target-dir")
                .arg(target_dir.join("cross"));
            succeeds(c)
        });
        summary.record(&name, r);
    }

    if ensure_miri() {
        say("executor: Miri on the executor tests (slow)");
        let mut c = Command::new("cargo");
        c.current_dir(root)
            .args(["+nightly", "miri", "test", "-p", "bitwake"])
            .arg("--target-dir")
            .arg(target_dir.join("miri"));
        for t in TESTS {
            c.args(["--test", t]);
        }
        summary.record("[executor] Miri: executor tests", succeeds(c));

        // The core's own unit tests that touch no OS: the executor's
        // bitmaps and pools, the timer queue, the intrusive wait list.
        let mut c = Command::new("cargo");
        c.current_dir(root)
            .args(["+nightly", "miri", "test", "-p", "bitwake", "--lib"])
            .arg("--target-dir")
            .arg(target_dir.join("miri"))
            .args(["--", "executor::", "time::", "waitlist::"]);
        summary.record("[executor] Miri: core unit tests", succeeds(c));

        // bitwake-http's unit tests touch no OS either (the client's tests
        // open no socket): the parsers, the formatters, the error table.
        let mut c = Command::new("cargo");
        c.current_dir(root)
            .args(["+nightly", "miri", "test", "-p", "bitwake-http", "--lib"])
            .arg("--target-dir")
            .arg(target_dir.join("miri"));
        summary.record("[http] Miri: unit tests", succeeds(c));
    } else {
        println!(
            "skip   [executor] Miri: nightly Miri could not be installed \
             (rustup toolchain install nightly --profile minimal --component miri,rust-src)"
        );
    }

    for model in LOOM {
        say(format!("{}: {}", model.area, model.what));
        let mut c = cargo();
        c.current_dir(root)
            .env("RUSTFLAGS", "--cfg loom")
            .envs(model.env.iter().copied())
            .args(["test", "--release", "-p", "bitwake", "--test", model.test])
            .arg("--target-dir")
            .arg(target_dir.join("loom"));
        summary.record(
            &format!("[{}] loom: {}", model.area, model.test),
            succeeds(c),
        );
    }
}
