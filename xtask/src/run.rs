//! `cargo xtask run [--target T] [--native]`: the main demo.

use crate::cargo_build::{BuildOptions, build_programs, run_command};
use crate::freestanding::ensure_runner;
use crate::targets::Target;
use crate::tools::say;
use std::path::Path;

pub fn run(root: &Path, target: &Target, native: bool) -> Result<bool, String> {
    if native && !target.runs_natively() {
        return Err(format!(
            "target {} cannot run natively on this machine",
            target.name
        ));
    }
    if !native {
        ensure_runner(target)?;
    }
    let elf = build_programs(
        root,
        target,
        &["hello".to_owned()],
        &BuildOptions::default(),
    )?
    .remove(0);
    let mut cmd = run_command(target, &elf, native);
    say(format!("running {cmd:?}"));
    let status = cmd.status().map_err(|e| e.to_string())?;
    Ok(status.success())
}
