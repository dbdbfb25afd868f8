//! Board support from data: finds the `targets/*.toml` board file of kind
//! `qemu-system` for the triple being built (or the one `BITWAKE_BOARD`
//! names), writes its memory layout as `memory.x` for cortex-m-rt / riscv-rt,
//! passes the runtime's linker script, and hands the board name and timer
//! frequency to the code as compile-time environment variables.
//!
//! Keeping the layout in the target file means adding a board is adding a
//! file, as for the Linux targets; only its numbers differ.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// The few keys of a board file this script needs, read with a line scanner
/// (the format is the TOML subset described in `targets/README.md`).
#[derive(Default)]
struct Board {
    name: String,
    kind: String,
    triple: String,
    ints: Vec<(String, u64)>,
    icount_shift: Option<u32>,
}

impl Board {
    fn int(&self, key: &str) -> Option<u64> {
        self.ints.iter().find(|(k, _)| k == key).map(|&(_, v)| v)
    }
}

fn parse(path: &Path) -> Board {
    let text = fs::read_to_string(path).unwrap_or_default();
    let mut b = Board {
        name: path.file_stem().unwrap().to_string_lossy().into_owned(),
        ..Board::default()
    };
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k == "qemu" {
            // `"-icount", "shift=3,sleep=off"` → 3
            b.icount_shift = v.split("shift=").nth(1).and_then(|r| {
                let digits: String = r.chars().take_while(|c| c.is_ascii_digit()).collect();
                digits.parse().ok()
            });
        } else if let Some(s) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            match k {
                "kind" => b.kind = s.to_owned(),
                "triple" => b.triple = s.to_owned(),
                _ => {}
            }
        } else {
            let digits = v.replace('_', "");
            let n = match digits.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => digits.parse().ok(),
            };
            if let Some(n) = n {
                b.ints.push((k.to_owned(), n));
            }
        }
    }
    b
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(rust_analyzer)");
    println!("cargo::rustc-check-cfg=cfg(fiber_mpu_guard)");
    // ARMv7-M: bitwake's `fiber-mpu-guard` is on (see Cargo.toml), and the
    // fault handlers report a fiber hitting its guard.
    if env::var("TARGET").is_ok_and(|t| t.starts_with("thumbv7")) {
        println!("cargo::rustc-cfg=fiber_mpu_guard");
    }
    println!("cargo::rerun-if-env-changed=BITWAKE_BOARD");
    let target = env::var("TARGET").unwrap();
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let targets_dir = manifest.join("../targets");
    println!("cargo::rerun-if-changed={}", targets_dir.display());

    let mut boards: Vec<Board> = fs::read_dir(&targets_dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .map(|p| parse(&p))
                .filter(|b| b.kind == "qemu-system")
                .collect()
        })
        .unwrap_or_default();
    boards.sort_by(|a, b| a.name.cmp(&b.name));
    let wanted = env::var("BITWAKE_BOARD").ok();
    let board = match &wanted {
        Some(name) => boards
            .iter()
            .find(|b| &b.name == name && b.triple == target),
        None => boards.iter().find(|b| b.triple == target),
    };
    let Some(board) = board else {
        if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("none") {
            panic!(
                "no qemu-system board in targets/ for {target}{}",
                wanted.map(|w| format!(" named {w}")).unwrap_or_default()
            );
        }
        // A host build (e.g. `cargo clippy --workspace`): the crate compiles
        // to nothing there and needs no layout.
        return;
    };
    println!(
        "cargo::rerun-if-changed={}",
        targets_dir.join(format!("{}.toml", board.name)).display()
    );

    let hex = |k: &str| {
        board
            .int(k)
            .unwrap_or_else(|| panic!("targets/{}.toml needs `{k}`", board.name))
    };
    let ram = (hex("ram-origin"), hex("ram-length"));
    let memory_x = if target.starts_with("riscv") {
        // riscv-rt places every output section through a region alias. With
        // no flash, code and data share RAM; the stack takes what is left.
        format!(
            "MEMORY\n{{\n  RAM : ORIGIN = {:#x}, LENGTH = {:#x}\n}}\n\
             REGION_ALIAS(\"REGION_TEXT\", RAM);\nREGION_ALIAS(\"REGION_RODATA\", RAM);\n\
             REGION_ALIAS(\"REGION_DATA\", RAM);\nREGION_ALIAS(\"REGION_BSS\", RAM);\n\
             REGION_ALIAS(\"REGION_HEAP\", RAM);\nREGION_ALIAS(\"REGION_STACK\", RAM);\n",
            ram.0, ram.1
        )
    } else {
        format!(
            "MEMORY\n{{\n  FLASH : ORIGIN = {:#x}, LENGTH = {:#x}\n  RAM : ORIGIN = {:#x}, LENGTH = {:#x}\n}}\n",
            hex("flash-origin"),
            hex("flash-length"),
            ram.0,
            ram.1
        )
    };
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out.join("memory.x"), memory_x).unwrap();
    println!("cargo::rustc-link-search={}", out.display());
    // The runtime's script (it INCLUDEs memory.x); test binaries also get
    // embedded-test's, which collects the test records into `.embedded_test`.
    println!("cargo::rustc-link-arg=-Tlink.x");
    println!("cargo::rustc-link-arg-tests=-Tembedded-test.x");
    println!("cargo::rustc-env=BITWAKE_MCU_BOARD={}", board.name);
    println!("cargo::rustc-env=BITWAKE_MCU_TIMER_HZ={}", hex("timer-hz"));
    // With `-icount shift=N` in the board's QEMU line, each instruction is
    // 2^N ns of emulated time: the suites use that as an independent
    // reference for the timer frequency.
    if let Some(shift) = board.icount_shift {
        println!("cargo::rustc-env=BITWAKE_MCU_ICOUNT_SHIFT={shift}");
    }
}
