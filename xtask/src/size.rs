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
    Ok(true)
}
