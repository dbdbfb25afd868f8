//! `cargo xtask run [--target T] [--native] [--server ADDR:PORT] [--trace]`:
//! the book's demo. Starts the freestanding delay server in the background,
//! runs the demo against it (both under the target's QEMU runner, or natively
//! with `--native`), shows both outputs, stops the server.

use crate::cargo_build::{BuildOptions, build_programs, run_command};
use crate::freestanding::ensure_runner;
use crate::targets::Target;
use crate::tools::say;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct RunOptions {
    pub native: bool,
    pub server: Option<String>,
    pub trace: bool,
}

pub fn run(root: &Path, target: &Target, opts: &RunOptions) -> Result<bool, String> {
    if opts.native && !target.runs_natively() {
        return Err(format!(
            "target {} cannot run natively on this machine",
            target.name
        ));
    }
    if !opts.native {
        ensure_runner(target)?;
    }
    let mut build = BuildOptions::default();
    if opts.trace {
        build.features.push("trace".into());
        build.target_dir = Some(root.join("target/trace"));
    }
    let mut elfs = build_programs(
        root,
        target,
        &["demo".to_owned(), "delayserver".to_owned()],
        &build,
    )?
    .into_iter();
    let (demo, server_elf) = (elfs.next().unwrap(), elfs.next().unwrap());

    let (addr, mut server) = match &opts.server {
        Some(a) => (a.clone(), None),
        None => {
            let port = free_port(8080)?;
            let addr = format!("127.0.0.1:{port}");
            let mut cmd = run_command(target, &server_elf, opts.native);
            cmd.arg(&addr);
            say(format!("starting the delay server: {cmd:?}"));
            let child = spawn_prefixed(cmd, "delayserver | ")?;
            let server = ServerGuard(child);
            wait_until_listening(&addr, Duration::from_secs(20))?;
            (addr, Some(server))
        }
    };

    let mut cmd = run_command(target, &demo, opts.native);
    cmd.arg(&addr);
    if opts.trace {
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
    Ok(status.success())
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
