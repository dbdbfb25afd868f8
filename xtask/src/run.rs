//! `cargo xtask run [--target T] [--native] [--server ADDR:PORT] [--trace]
//! [PROGRAM] [-- ARGS...]`: builds one program for a target and runs it
//! there; its exit status becomes the xtask's.
//!
//! * `demo` (the default) is the book's demo: the freestanding delay server
//!   starts in the background (unless `--server` names a running one), the
//!   demo runs against it, both outputs are shown, the server is stopped.
//! * Any other program of a Linux target (a `[[bin]]` of `programs/`) runs
//!   under the target's QEMU user-mode runner, or directly with `--native`,
//!   with the arguments after `--`; `--trace` builds it with the event trace.
//! * On a microcontroller board (`kind = "qemu-system"`) the program is an
//!   example of the `mcu` crate, booted under the board's QEMU with the
//!   arguments after `--` on its semihosting command line.
//!
//! A flag that does not apply to the program or target is an error, as is
//! a program the target does not have (the message lists those it has).

use crate::cargo_build::{BuildOptions, build_programs, program_names, run_command};
use crate::freestanding::ensure_runner;
use crate::targets::Target;
use crate::tools::say;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// The program `run` runs when none is named.
pub const DEFAULT_PROGRAM: &str = "demo";

/// The command line of `run`, target resolved.
#[derive(Debug, Default)]
pub struct RunOptions {
    pub native: bool,
    pub server: Option<String>,
    pub trace: bool,
    pub program: Option<String>,
    pub args: Vec<String>,
}

/// What `run` will do, decided (and checked) before anything is built.
#[derive(Debug, PartialEq)]
pub enum Plan {
    /// The demo against the delay server (`server`: one already running).
    Demo {
        native: bool,
        server: Option<String>,
        trace: bool,
    },
    /// A freestanding program of a Linux target.
    Linux {
        program: String,
        args: Vec<String>,
        native: bool,
        trace: bool,
    },
    /// An example of the `mcu` crate on a board, under its QEMU.
    Board { program: String, args: Vec<String> },
}

/// Checks the options against the target and the programs it has
/// (`programs`: the `[[bin]]`s of `programs/` for a Linux target, the `mcu`
/// examples for a board).
pub fn plan(target: &Target, programs: &[String], opts: &RunOptions) -> Result<Plan, String> {
    let board = target.kind() == "qemu-system";
    let listed = || {
        format!(
            "the programs for {} are: {}",
            target.name,
            programs.join(", ")
        )
    };
    let program = match (&opts.program, board) {
        (Some(p), _) => p.clone(),
        (None, false) => DEFAULT_PROGRAM.to_owned(),
        (None, true) => {
            return Err(format!(
                "board {} has no default program: name one; {}",
                target.name,
                listed()
            ));
        }
    };
    if !programs.contains(&program) {
        return Err(format!(
            "no program `{program}`; {} (a program of your own: `cargo xtask new NAME --path \
             DIR`, then `cargo xtask run` inside it)",
            listed()
        ));
    }
    if opts.server.is_some() && program != DEFAULT_PROGRAM {
        return Err(format!(
            "--server applies to the demo only (it names the delay server the demo talks to), not to `{program}`"
        ));
    }
    if board {
        for (set, flag, why) in [
            (
                opts.native,
                "--native",
                "board programs run under QEMU system mode",
            ),
            (
                opts.trace,
                "--trace",
                "the event trace is printed by Linux programs only",
            ),
        ] {
            if set {
                return Err(format!(
                    "{flag} does not apply to board {}: {why}",
                    target.name
                ));
            }
        }
        return Ok(Plan::Board {
            program,
            args: opts.args.clone(),
        });
    }
    if opts.native && !target.runs_natively() {
        return Err(format!(
            "target {} cannot run natively on this machine (leave out --native to run it under {})",
            target.name,
            target.runner().join(" ")
        ));
    }
    if program == DEFAULT_PROGRAM {
        if let Some(a) = opts.args.first() {
            return Err(format!(
                "the demo takes no arguments (`{a}`): it is given the delay server's address (--server ADDR:PORT to choose it)"
            ));
        }
        return Ok(Plan::Demo {
            native: opts.native,
            server: opts.server.clone(),
            trace: opts.trace,
        });
    }
    Ok(Plan::Linux {
        program,
        args: opts.args.clone(),
        native: opts.native,
        trace: opts.trace,
    })
}

/// Runs the planned program; returns its exit status (a process killed by
/// signal N counts as 128 + N, as in a shell).
pub fn run(root: &Path, target: &Target, opts: &RunOptions) -> Result<u8, String> {
    let programs = if target.kind() == "qemu-system" {
        crate::mcu::example_names(root)?
    } else {
        program_names(root)?
    };
    match plan(target, &programs, opts)? {
        Plan::Demo {
            native,
            server,
            trace,
        } => run_demo(root, target, native, server, trace),
        Plan::Linux {
            program,
            args,
            native,
            trace,
        } => {
            if !native {
                ensure_runner(target)?;
            }
            let build = build_options(root, trace);
            let elf = build_programs(root, target, std::slice::from_ref(&program), &build)?
                .pop()
                .ok_or("the build returned no program")?;
            let mut cmd = run_command(target, &elf, native);
            cmd.args(&args);
            if trace {
                cmd.env("BITWAKE_TRACE", "1");
            }
            say(format!("running {program}: {cmd:?}"));
            let status = cmd
                .status()
                .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
            Ok(exit_code(status))
        }
        Plan::Board { program, args } => {
            crate::mcu::run_example(root, target, &program, &args).map(exit_code)
        }
    }
}

fn build_options(root: &Path, trace: bool) -> BuildOptions {
    let mut build = BuildOptions::default();
    if trace {
        build.features.push("trace".into());
        build.target_dir = Some(root.join("target/trace"));
    }
    build
}

/// A process's exit status as one byte: its code, or 128 + the signal.
pub fn exit_code(status: ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => c as u8,
        (None, Some(sig)) => 128u8.wrapping_add(sig as u8),
        (None, None) => 1,
    }
}

fn run_demo(
    root: &Path,
    target: &Target,
    native: bool,
    server: Option<String>,
    trace: bool,
) -> Result<u8, String> {
    if !native {
        ensure_runner(target)?;
    }
    let build = build_options(root, trace);
    let mut elfs = build_programs(
        root,
        target,
        &[DEFAULT_PROGRAM.to_owned(), "delayserver".to_owned()],
        &build,
    )?
    .into_iter();
    let (Some(demo), Some(server_elf)) = (elfs.next(), elfs.next()) else {
        return Err("the build returned fewer programs than asked for".into());
    };

    let (addr, mut server) = match server {
        Some(a) => (a, None),
        None => {
            let port = free_port(8080)?;
            let addr = format!("127.0.0.1:{port}");
            let mut cmd = run_command(target, &server_elf, native);
            cmd.arg(&addr);
            say(format!("starting the delay server: {cmd:?}"));
            let child = spawn_prefixed(cmd, "delayserver | ")?;
            let server = ServerGuard(child);
            wait_until_listening(&addr, Duration::from_secs(20))?;
            (addr, Some(server))
        }
    };

    let mut cmd = run_command(target, &demo, native);
    cmd.arg(&addr);
    if trace {
        cmd.env("BITWAKE_TRACE", "1");
    }
    say(format!("running the demo: {cmd:?}"));
    let started = Instant::now();
    let mut child = spawn_prefixed(cmd, "demo        | ")?;
    let status = child.wait().map_err(|e| e.to_string())?;
    // Give the pump threads a moment to print the last lines.
    std::thread::sleep(Duration::from_millis(50));
    say(format!(
        "demo finished in {:.2} s with {status}",
        started.elapsed().as_secs_f64()
    ));
    if let Some(s) = server.as_mut() {
        say("stopping the delay server");
        s.stop();
    }
    Ok(exit_code(status))
}

/// `preferred` if it is free on 127.0.0.1, else any free port.
fn free_port(preferred: u16) -> Result<u16, String> {
    if TcpListener::bind(("127.0.0.1", preferred)).is_ok() {
        return Ok(preferred);
    }
    let l = TcpListener::bind(("127.0.0.1", 0)).map_err(|e| e.to_string())?;
    let port = l.local_addr().map_err(|e| e.to_string())?.port();
    say(format!("port {preferred} is busy; using {port}"));
    Ok(port)
}

fn wait_until_listening(addr: &str, limit: Duration) -> Result<(), String> {
    let sa: SocketAddr = addr.parse().map_err(|e| format!("{addr}: {e}"))?;
    let start = Instant::now();
    while start.elapsed() < limit {
        if TcpStream::connect_timeout(&sa, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!(
        "the delay server did not start listening on {addr}"
    ))
}

/// Starts `cmd` with stdout and stderr printed line by line behind `prefix`.
pub fn spawn_prefixed(mut cmd: Command, prefix: &'static str) -> Result<Child, String> {
    let (child, out, err) = crate::process::spawn_piped(&mut cmd)?;
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{prefix}{line}");
        }
    });
    // Both streams go to our stdout: one lock, so a line from the program's
    // stderr (the trace) never lands in the middle of one from its stdout.
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            println!("{prefix}{line}");
        }
    });
    Ok(child)
}

/// Kills the server when dropped, so an error path never leaves it running.
struct ServerGuard(Child);

impl ServerGuard {
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn target(name: &str, toml: &str) -> Target {
        Target {
            name: name.into(),
            path: PathBuf::from(format!("targets/{name}.toml")),
            fields: crate::targets::parse(toml).unwrap(),
        }
    }

    fn linux() -> Target {
        let arch = std::env::consts::ARCH;
        target(
            "here-linux",
            &format!(
                "kind = \"linux-user\"\narch = \"{arch}\"\nnative = true\nrunner = [\"qemu-{arch}\"]\n"
            ),
        )
    }

    fn foreign_linux() -> Target {
        target(
            "far-linux",
            "kind = \"linux-user\"\narch = \"sparc\"\nnative = true\nrunner = [\"qemu-sparc\"]\n",
        )
    }

    fn board() -> Target {
        target(
            "someboard",
            "kind = \"qemu-system\"\nrunner = [\"cargo\"]\n",
        )
    }

    fn bins() -> Vec<String> {
        ["hello", "demo", "delayserver", "portable"]
            .map(String::from)
            .to_vec()
    }

    fn examples() -> Vec<String> {
        ["blinky", "portable"].map(String::from).to_vec()
    }

    fn opts(program: Option<&str>) -> RunOptions {
        RunOptions {
            program: program.map(String::from),
            ..RunOptions::default()
        }
    }

    #[test]
    fn the_demo_is_the_default_and_keeps_its_flags() {
        let o = RunOptions {
            native: true,
            trace: true,
            server: Some("127.0.0.1:9".into()),
            ..opts(None)
        };
        assert_eq!(
            plan(&linux(), &bins(), &o),
            Ok(Plan::Demo {
                native: true,
                server: Some("127.0.0.1:9".into()),
                trace: true
            })
        );
        assert!(matches!(
            plan(&linux(), &bins(), &opts(Some("demo"))),
            Ok(Plan::Demo { native: false, .. })
        ));
    }

    #[test]
    fn any_program_runs_with_its_arguments() {
        for program in ["hello", "portable"] {
            let o = RunOptions {
                args: vec!["a".into(), "b c".into()],
                trace: true,
                ..opts(Some(program))
            };
            assert_eq!(
                plan(&linux(), &bins(), &o),
                Ok(Plan::Linux {
                    program: program.into(),
                    args: vec!["a".into(), "b c".into()],
                    native: false,
                    trace: true,
                })
            );
        }
        for program in ["blinky", "portable"] {
            let o = RunOptions {
                args: vec!["x".into()],
                ..opts(Some(program))
            };
            assert_eq!(
                plan(&board(), &examples(), &o),
                Ok(Plan::Board {
                    program: program.into(),
                    args: vec!["x".into()]
                })
            );
        }
    }

    fn plan_err(t: &Target, programs: &[String], o: &RunOptions) -> String {
        match plan(t, programs, o) {
            Err(e) => e,
            Ok(p) => panic!("{o:?} on {}: planned {p:?}", t.name),
        }
    }

    #[test]
    fn unknown_programs_list_the_targets_programs() {
        let e = plan_err(&linux(), &bins(), &opts(Some("nope")));
        assert!(e.contains("no program `nope`"), "{e}");
        assert!(e.contains("hello, demo, delayserver, portable"), "{e}");
        let e = plan_err(&board(), &examples(), &opts(Some("hello")));
        assert!(e.contains("blinky, portable"), "{e}");
        // No default on a board: the demo is a Linux program.
        let e = plan_err(&board(), &examples(), &opts(None));
        assert!(e.contains("name one") && e.contains("blinky"), "{e}");
    }

    #[test]
    fn flags_that_do_not_apply_are_errors() {
        let server = Some("127.0.0.1:1".to_owned());
        let o = RunOptions {
            server: server.clone(),
            ..opts(Some("hello"))
        };
        assert!(plan_err(&linux(), &bins(), &o).contains("--server applies to the demo only"));
        let o = RunOptions {
            server,
            ..opts(Some("blinky"))
        };
        assert!(plan_err(&board(), &examples(), &o).contains("--server"));
        let o = RunOptions {
            native: true,
            ..opts(Some("blinky"))
        };
        assert!(plan_err(&board(), &examples(), &o).contains("--native does not apply"));
        let o = RunOptions {
            trace: true,
            ..opts(Some("blinky"))
        };
        assert!(plan_err(&board(), &examples(), &o).contains("--trace does not apply"));
        let o = RunOptions {
            native: true,
            ..opts(Some("hello"))
        };
        assert!(plan_err(&foreign_linux(), &bins(), &o).contains("cannot run natively"));
        let o = RunOptions {
            args: vec!["127.0.0.1:1".into()],
            ..opts(None)
        };
        assert!(plan_err(&linux(), &bins(), &o).contains("the demo takes no arguments"));
    }

    #[test]
    fn every_board_and_linux_target_has_its_programs() {
        let root = crate::root();
        let bins = program_names(&root).unwrap();
        let examples = crate::mcu::example_names(&root).unwrap();
        assert!(bins.iter().any(|b| b == "demo") && bins.iter().any(|b| b == "hello"));
        assert!(
            !bins.iter().any(|b| b == "test-faults"),
            "needs fault-inject"
        );
        assert!(examples.iter().any(|e| e == "blinky"));
        for t in crate::targets::load_all(&root).unwrap() {
            let (programs, program) = if t.kind() == "qemu-system" {
                (&examples, "blinky")
            } else {
                (&bins, "hello")
            };
            assert!(
                plan(&t, programs, &opts(Some(program))).is_ok(),
                "{}",
                t.name
            );
        }
    }

    #[test]
    fn exit_codes_pass_through() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(exit_code(ExitStatus::from_raw(0)), 0);
        assert_eq!(exit_code(ExitStatus::from_raw(3 << 8)), 3);
        assert_eq!(exit_code(ExitStatus::from_raw(101 << 8)), 101);
        // Killed by SIGKILL (9).
        assert_eq!(exit_code(ExitStatus::from_raw(9)), 137);
    }
}
