//! Building the freestanding programs of `programs/` for a target.

use crate::targets::Target;
use crate::tools::{ensure_rust_target, say};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The names of the `[[bin]]`s in `programs/Cargo.toml` that a default build
/// has (those without `required-features`), in file order.
pub fn program_names(root: &Path) -> Result<Vec<String>, String> {
    program_names_with(root, &[])
}

/// The names of the `[[bin]]`s a build with `features` has: every bin whose
/// `required-features` are all among `features`, in file order.
pub fn program_names_with(root: &Path, features: &[String]) -> Result<Vec<String>, String> {
    Ok(bins(root)?
        .into_iter()
        .filter(|(_, req)| req.iter().all(|r| features.contains(r)))
        .map(|(name, _)| name)
        .collect())
}

/// Every `[[bin]]` of `programs/Cargo.toml` with its `required-features`.
fn bins(root: &Path) -> Result<Vec<(String, Vec<String>)>, String> {
    let manifest = root.join("programs/Cargo.toml");
    let text =
        std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let mut bins: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_bin = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if let Some(v) = line.strip_prefix("name").filter(|_| in_bin) {
            let v = v
                .trim_start()
                .trim_start_matches('=')
                .trim()
                .trim_matches('"');
            bins.push((v.to_owned(), Vec::new()));
        } else if let (Some(v), true, Some((_, req))) = (
            line.strip_prefix("required-features"),
            in_bin,
            bins.last_mut(),
        ) {
            // `required-features = ["a", "b"]`: the quoted names.
            *req = v.split('"').skip(1).step_by(2).map(str::to_owned).collect();
        }
    }
    Ok(bins)
}

/// The error for a program the build does not have: the programs it has,
/// or, for a `[[bin]]` that exists but needs features, which ones.
fn unknown_program(root: &Path, target: &Target, program: &str, all: &[String]) -> String {
    let gated = bins(root)
        .ok()
        .and_then(|b| b.into_iter().find(|(name, _)| name == program))
        .map(|(_, req)| req)
        .filter(|req| !req.is_empty());
    match gated {
        Some(req) => format!(
            "program `{program}` needs the feature(s) {} (the test suite builds it so)",
            req.join(", ")
        ),
        None => format!(
            "no program `{program}`; the programs for {} are: {} (a program of your own: \
             `cargo xtask new NAME --path DIR` makes a crate for it outside the repository, \
             and `cargo xtask run` runs it from there; see \"Your own program\" in README.md)",
            target.name,
            all.join(", ")
        ),
    }
}

/// Options of one build.
#[derive(Default, Clone)]
pub struct BuildOptions {
    /// Extra cargo features for `bitwake-programs` (e.g. a syscall backend).
    pub features: Vec<String>,
    /// A separate target directory, so variant builds do not evict each other.
    pub target_dir: Option<PathBuf>,
}

/// Builds `programs` (all when empty) for `target` in release mode and
/// returns the ELF paths in the same order.
pub fn build_programs(
    root: &Path,
    target: &Target,
    programs: &[String],
    opts: &BuildOptions,
) -> Result<Vec<PathBuf>, String> {
    let all = program_names_with(root, &opts.features)?;
    let programs: Vec<String> = if programs.is_empty() {
        all.clone()
    } else {
        programs.to_vec()
    };
    if let Some(p) = programs.iter().find(|p| !all.contains(p)) {
        return Err(unknown_program(root, target, p, &all));
    }
    let triple = target.triple().to_owned();
    ensure_rust_target(&triple)?;
    let mut cmd = crate::tools::cargo();
    cmd.current_dir(root).args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "bitwake-programs",
        "--target",
        &triple,
    ]);
    for p in &programs {
        cmd.args(["--bin", p]);
    }
    if !opts.features.is_empty() {
        cmd.args(["--features", &opts.features.join(",")]);
    }
    let target_dir = opts
        .target_dir
        .clone()
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| root.join("target"));
    cmd.arg("--target-dir").arg(&target_dir);
    // Link flags come from the target file. With `--target`, these flags reach
    // only the target's artifacts, never build scripts or the host.
    let flags = target.list("rustflags");
    cmd.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
    cmd.env_remove("RUSTFLAGS");
    say(format!(
        "building {} for {} ({triple})",
        programs.join(" "),
        target.name
    ));
    let status = cmd.status().map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building programs for {} failed", target.name));
    }
    Ok(programs
        .iter()
        .map(|p| target_dir.join(&triple).join("release").join(p))
        .collect())
}

/// The command that runs `elf` on `target`: under its runner, or directly.
pub fn run_command(target: &Target, elf: &Path, native: bool) -> Command {
    if native {
        return Command::new(elf);
    }
    let runner = target.runner();
    let mut cmd = Command::new(&runner[0]);
    cmd.args(&runner[1..]).arg(elf);
    cmd
}
