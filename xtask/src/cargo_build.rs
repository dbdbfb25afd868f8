//! Building the freestanding programs of `programs/` for a target.

use crate::targets::Target;
use crate::tools::{ensure_rust_target, say};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The names of every `[[bin]]` in `programs/Cargo.toml`, in file order.
pub fn program_names(root: &Path) -> Result<Vec<String>, String> {
    let manifest = root.join("programs/Cargo.toml");
    let text =
        std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let mut names = Vec::new();
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
            names.push(v.to_owned());
        }
    }
    Ok(names)
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
    let triple = target.triple().to_owned();
    ensure_rust_target(&triple)?;
    let all = program_names(root)?;
    let programs: Vec<String> = if programs.is_empty() {
        all.clone()
    } else {
        programs.to_vec()
    };
    for p in &programs {
        if !all.contains(p) {
            return Err(format!(
                "no program `{p}`; programs are: {}",
                all.join(", ")
            ));
        }
    }
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
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
