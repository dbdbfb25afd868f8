//! Installs what a subcommand needs on a fresh machine, saying what it does;
//! when it cannot, it says what to install by hand.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

/// Prints a progress line on stderr, prefixed so it stands apart from the
/// output of the programs the xtask runs.
pub fn say(msg: impl AsRef<str>) {
    eprintln!("xtask: {}", msg.as_ref());
}

/// The cargo that runs this xtask (`$CARGO`, so the same toolchain), or
/// `cargo` from `PATH`.
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Whether `program` can be found on `PATH`.
pub fn have(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

static APT_UPDATED: AtomicBool = AtomicBool::new(false);

/// Makes sure `program` is on `PATH`, installing Debian `package` with apt-get
/// when it is missing and apt-get is available.
pub fn ensure_program(program: &str, package: &str) -> Result<(), String> {
    if have(program) {
        return Ok(());
    }
    if !have("apt-get") {
        return Err(format!(
            "`{program}` is missing and apt-get is not available: install the `{package}` package (or an equivalent providing `{program}`)"
        ));
    }
    let sudo = if is_root() {
        None
    } else if have("sudo") {
        Some("sudo")
    } else {
        return Err(format!(
            "`{program}` is missing; run `apt-get install -y {package}` as root"
        ));
    };
    let apt = |args: &[&str]| -> Result<(), String> {
        let mut cmd = match sudo {
            Some(s) => {
                let mut c = Command::new(s);
                c.arg("apt-get");
                c
            }
            None => Command::new("apt-get"),
        };
        cmd.args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null());
        let status = cmd.status().map_err(|e| format!("apt-get: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("apt-get {} failed ({status})", args.join(" ")))
        }
    };
    if !APT_UPDATED.swap(true, Ordering::Relaxed) {
        say("running apt-get update");
        apt(&["update", "-qq"])?;
    }
    say(format!(
        "`{program}` is missing: apt-get install -y {package}"
    ));
    apt(&["install", "-y", "-qq", package])?;
    if have(program) {
        Ok(())
    } else {
        Err(format!(
            "installed `{package}` but `{program}` is still not on PATH"
        ))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Makes sure the rustup target `triple` is installed for the stable toolchain.
pub fn ensure_rust_target(triple: &str) -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is needed to add target {triple}: {e}"))?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == triple)
    {
        return Ok(());
    }
    say(format!("rust target {triple} is missing"));
    rustup_add(&["target", "add", triple])
}

/// Runs `rustup ARGS` (an `add`), saying so; the error names the command.
fn rustup_add(args: &[&str]) -> Result<(), String> {
    let line = format!("rustup {}", args.join(" "));
    say(&line);
    let ok = Command::new("rustup")
        .args(args)
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(())
    } else {
        Err(format!("`{line}` failed"))
    }
}

/// Makes sure `cargo <tool>` works (`clippy`, `fmt`), adding the rustup
/// component `component` when it does not.
pub fn ensure_cargo_tool(tool: &str, component: &str) -> Result<(), String> {
    let works = || {
        cargo()
            .args([tool, "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works() {
        return Ok(());
    }
    say(format!("cargo {tool} is missing"));
    rustup_add(&["component", "add", component])?;
    if works() {
        Ok(())
    } else {
        Err(format!("cargo {tool} still fails after adding {component}"))
    }
}
