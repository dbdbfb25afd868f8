//! `cargo xtask`: bitwake's build driver. See `cargo xtask help`.

mod bench;
mod cargo_build;
mod e2e;
mod elf;
mod elf32;
mod executor_checks;
mod fault_e2e;
mod freestanding;
mod host_tests;
mod lint;
mod mcu;
mod module_graph;
mod process;
mod qemu_runner;
mod run;
mod seam;
mod size;
mod summary;
mod targets;
mod test;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  run   [--target T] [--native] [--server ADDR:PORT] [--trace]
                                   the book's demo: starts the delay server, runs the demo
                                   against it (under the target's QEMU runner, or directly
                                   with --native); --server uses a running server instead;
                                   --trace prints every poll, wake, park and readiness event
  test  [--target T]               host tests, then every freestanding test program natively
                                   and under QEMU; last line: `N passed, N failed`
  build [--target T] [PROGRAM...]  build freestanding programs; prints each ELF path last
  size  [--target T]               stripped text/data/bss of the freestanding programs
  bench [--quick]                  executor/echo/timer/C10k benchmarks vs embassy, tokio,
                                   async-executor and an epoll loop; writes BENCHMARKS.md
  size --update [--target BOARD]   rebuild the MCU size example, rewrite targets/size-baselines.txt
  qemu-runner [--board B] ELF [ARGS]
                                   boot an MCU image under QEMU (the cargo runner of the
                                   qemu-system boards); test images: one boot per test
  lint                             rustfmt, clippy (warnings and undocumented unsafe denied)
                                   and rustdoc for host, freestanding and MCU builds
                                   (also part of `test` without --target)
  targets                          one line per file in targets/: NAME  RUST-TRIPLE  RUNNER

The default target is x86_64-linux. Missing tools (QEMU, strace, rustup targets)
are installed on first use when possible.";

const DEFAULT_TARGET: &str = "x86_64-linux";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

struct Args {
    command: String,
    target: Option<String>,
    native: bool,
    trace: bool,
    server: Option<String>,
    rest: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let command = it.next().unwrap_or_else(|| "help".into());
    let mut args = Args {
        command,
        target: None,
        native: false,
        trace: false,
        server: None,
        rest: Vec::new(),
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--target" => args.target = Some(it.next().ok_or("--target needs a value")?),
            "--native" => args.native = true,
            "--trace" => args.trace = true,
            "--server" => args.server = Some(it.next().ok_or("--server needs ADDR:PORT")?),
            _ if a.starts_with("--target=") => {
                args.target = Some(a["--target=".len()..].to_owned())
            }
            _ => args.rest.push(a),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    match real_main() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn real_main() -> Result<bool, String> {
    // The cargo runner of the MCU boards: its arguments (the ELF and the
    // program's own) bypass the option parsing below.
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if raw.first().map(String::as_str) == Some("qemu-runner") {
        return qemu_runner::main(&root(), &raw[1..]);
    }
    let args = parse_args()?;
    let root = root();
    let target_name = args
        .target
        .clone()
        .unwrap_or_else(|| DEFAULT_TARGET.to_owned());
    match args.command.as_str() {
        "run" => {
            let opts = run::RunOptions {
                native: args.native,
                server: args.server.clone(),
                trace: args.trace,
            };
            run::run(&root, &targets::find(&root, &target_name)?, &opts)
        }
        "test" => test::run(&root, args.target.as_deref()),
        "build" => {
            let target = targets::find(&root, &target_name)?;
            let elfs = freestanding::build_only(&root, &target, &args.rest)?;
            for elf in elfs {
                println!("{}", elf.display());
            }
            Ok(true)
        }
        "size" if args.rest.iter().any(|a| a == "--update") => mcu::size(
            &root,
            targets::find(&root, &target_name).ok().as_ref(),
            true,
        ),
        "size" => size::run(&root, &targets::find(&root, &target_name)?),
        "bench" => bench::run(&root, &args.rest),
        "lint" => {
            let mut summary = summary::Summary::default();
            lint::run(&root, &mut summary);
            Ok(summary.finish())
        }
        "targets" => {
            for t in targets::load_all(&root)? {
                println!("{}  {}  {}", t.name, t.triple(), t.runner().join(" "));
            }
            Ok(true)
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(true)
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}
