//! The real `demo` and `delayserver` programs, as processes, each under its
//! own fault script (`BITWAKE_FAULTS`, read at start-up by fault-injection
//! builds): the demo must still print both sequential answers and all five
//! concurrent ones, exit 0, and report that its script injected faults.

use crate::cargo_build::{BuildOptions, build_programs, run_command};
use crate::e2e::Server;
use crate::freestanding::modes;
use crate::process::run_with_timeout;
use crate::summary::Summary;
use crate::targets::Target;
use std::path::Path;
use std::time::Duration;

/// The server's script: `accept4` EMFILE twice, EAGAIN on every 3rd
/// `recvfrom` and reads capped at 5 bytes, halved sends, EINTR on every 5th
/// `epoll_pwait`.
pub const SERVER_SCRIPT: &str =
    "accept4:EMFILE*2,recvfrom:EAGAIN/3,recvfrom:cap5,sendto:half,epoll_pwait:EINTR@5/5";
/// The demo's script: EINTR on every 5th `epoll_pwait`, EAGAIN on every 3rd
/// `recvfrom`, reads capped at 7 bytes, halved sends.
pub const CLIENT_SCRIPT: &str = "epoll_pwait:EINTR@5/5,recvfrom:EAGAIN/3,recvfrom:cap7,sendto:half";

/// Runs the check for every mode of `target` (`opts` must be a
/// fault-injection build).
pub fn check(root: &Path, target: &Target, opts: &BuildOptions, tag: &str, summary: &mut Summary) {
    let programs = ["demo".to_owned(), "delayserver".to_owned()];
    let elfs = match build_programs(root, target, &programs, opts) {
        Ok(e) => e,
        Err(e) => return summary.record(&format!("[{tag}] build demo + delayserver"), Err(e)),
    };
    for (mode, native) in modes(target) {
        summary.record(
            &format!("[{tag}/{mode}] demo against delayserver, both under fault scripts"),
            run_once(target, &elfs[0], &elfs[1], native),
        );
    }
}

fn run_once(target: &Target, demo: &Path, server: &Path, native: bool) -> Result<(), String> {
    let mut cmd = run_command(target, server, native);
    cmd.env("BITWAKE_FAULTS", SERVER_SCRIPT);
    let server = Server::start(cmd)?;
    let addr = server.addr.to_string();

    let mut cmd = run_command(target, demo, native);
    cmd.arg(&addr).env("BITWAKE_FAULTS", CLIENT_SCRIPT);
    let out = run_with_timeout(cmd, Duration::from_secs(60))?;
    drop(server);
    let fail = |why: &str| {
        Err(format!(
            "{why}; {}; stdout: {:?}; stderr: {:?}",
            out.describe_exit(),
            out.stdout,
            out.stderr.trim()
        ))
    };
    if out.code != Some(0) {
        return fail("the demo failed");
    }
    if out.stdout.matches("\nHelloAsyncAwait\n").count() != 2 {
        return fail("want both sequential answers");
    }
    for body in ["one", "two", "three", "four", "five"] {
        if !out.stdout.contains(&format!("-> 200 {body}\n")) {
            return fail(&format!("no answer `{body}` in the concurrent round"));
        }
    }
    let injected = out
        .stderr
        .split("bitwake: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse::<u64>().ok());
    match injected {
        Some(n) if n > 0 => Ok(()),
        _ => fail("the demo's script injected nothing"),
    }
}
