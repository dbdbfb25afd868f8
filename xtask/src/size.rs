//! `cargo xtask size`: stripped sizes of the freestanding programs.

use crate::cargo_build::{BuildOptions, build_programs, program_names};
use crate::elf::Elf;
use crate::targets::Target;
use std::path::Path;

pub fn run(root: &Path, target: &Target) -> Result<bool, String> {
    if target.kind() == "qemu-system" {
        return crate::mcu::size(root, Some(target), false);
    }
    let names: Vec<String> = program_names(root)?
        .into_iter()
        .filter(|n| !n.starts_with("test-"))
        .collect();
    let elfs = build_programs(root, target, &names, &BuildOptions::default())?;
    println!(
        "stripped sizes for {} ({}), in bytes:",
        target.name,
        target.triple()
    );
    println!(
        "{:<16} {:>8} {:>8} {:>8} {:>8}",
        "program", "text", "data", "bss", "file"
    );
    for (name, elf) in names.iter().zip(&elfs) {
        let s = Elf::read(elf)?.sizes();
        println!(
            "{name:<16} {:>8} {:>8} {:>8} {:>8}",
            s.text, s.data, s.bss, s.file
        );
    }
    print_executor_footprint(root)?;
    Ok(true)
}

/// The executor's footprint on x86-64 (the host): bytes per pool slot beyond
/// the future itself, and the fixed static size for a 64-task pool. The
/// example computes both from the real types with `size_of`.
fn print_executor_footprint(root: &Path) -> Result<(), String> {
    let out = crate::tools::cargo()
        .current_dir(root)
        .args(["run", "-q", "-p", "bitwake", "--example", "executor_size"])
        .output()
        .map_err(|e| format!("cannot run the executor_size example: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the executor_size example failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    print!("{}", String::from_utf8_lossy(&out.stdout));
    Ok(())
}
