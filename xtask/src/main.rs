//! `cargo xtask`: bitwake's build driver. See `cargo xtask help`.

mod actor_checks;
mod bench;
mod cargo_build;
mod chat_e2e;
mod cli;
mod e2e;
mod elf;
mod elf32;
mod executor_checks;
mod fault_e2e;
mod fiber_checks;
mod freestanding;
mod fuzz;
mod hardening;
mod host_tests;
mod lint;
mod mcu;
mod module_graph;
mod new_crate;
mod outside;
mod process;
mod qemu_runner;
mod run;
mod seam;
mod size;
mod soak;
mod soak_load;
mod summary;
mod targets;
mod test;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  run   [--target T] [--native] [--server ADDR:PORT] [--trace] [PROGRAM] [-- ARGS...]
                                   build PROGRAM for the target and run it there; its exit
                                   status is the xtask's. PROGRAM: a [[bin]] of programs/ on
                                   Linux targets (under the target's QEMU runner, or directly
                                   with --native; --trace prints every poll, wake, park and
                                   readiness event), an example of mcu/ on boards (under the
                                   board's QEMU). The default, `demo`, is the book's demo:
                                   it starts the delay server and runs the demo against it
                                   (--server ADDR:PORT: use a running server instead)
  test  [--target T]               host tests, then every freestanding test program natively
                                   and under QEMU; last line: `N passed, N failed`
  build [--target T] [PROGRAM...]  build programs (all when none is named); prints each
                                   ELF path last
  size  [--target T]               stripped text/data/bss of the freestanding programs
  size --update [--target BOARD]   rebuild the MCU size example, rewrite targets/size-baselines.txt
  bench [--quick]                  executor/echo/timer/C10k benchmarks vs embassy, tokio,
                                   async-executor and an epoll loop; writes BENCHMARKS.md
  soak  [--seconds S]              the delay server (native x86-64) under a mixed hostile load
                                   for S seconds (default 300): control clients, slowloris,
                                   idle holders, garbage, resets, disconnects during the
                                   delay, pipelined and oversized requests; reports requests,
                                   errors, fds and RSS; fails on a leak, crash or control error
  fuzz  [TARGET] [--time S]        coverage-guided fuzzing (cargo-fuzz, nightly; installed on
                                   first use) of TARGET, or of each target one after another,
                                   S seconds each (default 60): request, response, percent,
                                   fault_script; the corpus is fuzz/corpus/TARGET, minimised
                                   after the run; `test` replays it on stable
  qemu-runner [--board B] ELF [ARGS]
                                   boot an MCU image under QEMU (the cargo runner of the
                                   qemu-system boards); test images: one boot per test
  lint                             rustfmt, clippy (warnings and undocumented unsafe denied)
                                   and rustdoc for host, freestanding and MCU builds
                                   (also part of `test` without --target)
  targets                          one line per file in targets/: NAME  RUST-TRIPLE  RUNNER
  new NAME [--path DIR] [--mcu BOARD]
                                   a program of your own: a crate outside the repository
                                   (DIR, default ./NAME) depending on bitwake by path, for
                                   Linux or a board; inside it, `cargo xtask run` builds and
                                   runs it (its README has the plain cargo commands)

The default target is x86_64-linux; `cargo xtask targets` lists them all.
Unknown commands, flags and programs are errors. Missing tools (QEMU, strace,
rustup targets) are installed on first use when possible.";

pub const DEFAULT_TARGET: &str = "x86_64-linux";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The target named by `--target` (or the default), or an error listing
/// the known ones.
fn target(root: &Path, name: Option<&str>) -> Result<targets::Target, String> {
    targets::find(root, name.unwrap_or(DEFAULT_TARGET))
        .map_err(|e| format!("{e} (`cargo xtask targets` lists them)"))
}

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command; returns the exit status.
fn real_main() -> Result<u8, String> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    // The cargo runner of the MCU boards: its arguments (the ELF and the
    // program's own) are not the xtask's options.
    if raw.first().map(String::as_str) == Some("qemu-runner") {
        return qemu_runner::main(&root(), &raw[1..]).map(status);
    }
    let command =
        cli::parse(&raw).map_err(|e| format!("{e}\n(`cargo xtask help` shows every command)"))?;
    let root = root();
    match command {
        cli::Command::Run(a) if new_crate::enclosing_crate(&root).is_some() => {
            let dir = new_crate::enclosing_crate(&root).unwrap_or_default();
            new_crate::run_here(&root, &dir, &a)
        }
        cli::Command::New { name, path, mcu } => {
            let dir = new_crate::create(&root, &name, path.as_deref(), mcu.as_deref())?;
            println!(
                "created {} (see its README.md); inside it: cargo xtask run",
                dir.display()
            );
            Ok(0)
        }
        cli::Command::Run(a) => {
            let t = target(&root, a.target.as_deref())?;
            let opts = run::RunOptions {
                native: a.native,
                server: a.server,
                trace: a.trace,
                program: a.program,
                args: a.args,
            };
            run::run(&root, &t, &opts)
        }
        cli::Command::Test { target: name } => {
            if let Some(n) = &name {
                target(&root, Some(n))?;
            }
            test::run(&root, name.as_deref()).map(status)
        }
        cli::Command::Build {
            target: name,
            programs,
        } => {
            let t = target(&root, name.as_deref())?;
            let elfs = if t.kind() == "qemu-system" {
                mcu::build_examples(&root, &t, &programs)?
            } else {
                freestanding::build_only(&root, &t, &programs)?
            };
            for elf in elfs {
                println!("{}", elf.display());
            }
            Ok(0)
        }
        cli::Command::Size {
            target: name,
            update: true,
        } => {
            let board = match name {
                Some(n) => Some(target(&root, Some(&n))?),
                None => None,
            };
            if let Some(b) = board.as_ref().filter(|b| b.kind() != "qemu-system") {
                return Err(format!(
                    "size --update rewrites the MCU baselines; {} is not a board",
                    b.name
                ));
            }
            mcu::size(&root, board.as_ref(), true).map(status)
        }
        cli::Command::Size { target: name, .. } => {
            size::run(&root, &target(&root, name.as_deref())?).map(status)
        }
        cli::Command::Bench { quick } => {
            let rest = if quick {
                vec!["--quick".into()]
            } else {
                vec![]
            };
            bench::run(&root, &rest).map(status)
        }
        cli::Command::Soak { seconds } => {
            let t = target(&root, None)?;
            let seconds = seconds.unwrap_or(300);
            if seconds > soak::MAX_SECONDS {
                return Err(format!(
                    "soak: --seconds {seconds} is over the limit of {}",
                    soak::MAX_SECONDS
                ));
            }
            soak::run(&root, &t, seconds).map(status)
        }
        cli::Command::Fuzz { target, time } => {
            fuzz::run(&root, target.as_deref(), time.unwrap_or(60)).map(status)
        }
        cli::Command::Lint => {
            let mut summary = summary::Summary::default();
            lint::run(&root, &mut summary);
            Ok(status(summary.finish()))
        }
        cli::Command::Targets => {
            for t in targets::load_all(&root)? {
                println!("{}  {}  {}", t.name, t.triple(), t.runner().join(" "));
            }
            Ok(0)
        }
        cli::Command::Help => {
            println!("{USAGE}");
            Ok(0)
        }
    }
}

/// The exit status of a command that passed or failed.
fn status(passed: bool) -> u8 {
    if passed { 0 } else { 1 }
}
