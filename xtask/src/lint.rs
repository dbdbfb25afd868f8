//! The house standards as checks of `cargo xtask test`: rustfmt, clippy with
//! warnings denied (and every `unsafe` block documented), rustdoc with
//! warnings denied — for the host build, the freestanding Linux build and
//! the MCU crate, each where it compiles. One summary line per check.
//!
//! The same commands by hand (see `CONFIGS` for the full list):
//!
//! ```text
//! cargo fmt --all --check
//! cargo clippy --workspace --all-targets --features bitwake/rt -- -D warnings
//! RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p bitwake -p bitwake-http --features bitwake/rt
//! ```

use crate::process::succeeds;
use crate::summary::Summary;
use crate::tools::{cargo, ensure_cargo_tool, ensure_rust_target, say};
use std::path::Path;

/// Lints that are errors everywhere. `undocumented_unsafe_blocks` is the
/// "every unsafe block has a SAFETY comment" rule of the house.
const DENY: &[&str] = &["-D", "warnings", "-D", "clippy::undocumented_unsafe_blocks"];

/// One build configuration to lint: a label, the target triple (`None` for
/// the host), the packages clippy checks (with tests and programs) and the
/// libraries rustdoc documents, and an MCU board when `mcu/build.rs` needs
/// one.
struct Config {
    label: &'static str,
    triple: Option<&'static str>,
    clippy: &'static [&'static str],
    doc: &'static [&'static str],
    board: Option<&'static str>,
}

const CONFIGS: &[Config] = &[
    Config {
        label: "host",
        triple: None,
        // The interop features too, so their impls and tests are linted.
        clippy: &[
            "--workspace",
            "--all-targets",
            "--features",
            "bitwake/rt,bitwake/linux-critical-section,bitwake/embedded-io-async-06,bitwake/embedded-io-async-07",
        ],
        doc: &[
            "-p",
            "bitwake",
            "-p",
            "bitwake-http",
            "--features",
            "bitwake/rt",
        ],
        board: None,
    },
    Config {
        label: "x86_64-unknown-none",
        triple: Some("x86_64-unknown-none"),
        clippy: &[
            "-p",
            "bitwake",
            "-p",
            "bitwake-arch",
            "-p",
            "bitwake-http",
            "-p",
            "bitwake-programs",
            "--features",
            "bitwake/rt",
        ],
        doc: &[
            "-p",
            "bitwake",
            "-p",
            "bitwake-arch",
            "-p",
            "bitwake-http",
            "--features",
            "bitwake/rt",
        ],
        board: None,
    },
    Config {
        label: "thumbv7m-none-eabi (mcu)",
        triple: Some("thumbv7m-none-eabi"),
        clippy: &["-p", "bitwake-mcu", "--all-targets"],
        doc: &["-p", "bitwake-mcu"],
        board: Some("lm3s6965evb"),
    },
];

pub fn run(root: &Path, summary: &mut Summary) {
    let target_dir = root.join("target/lint");
    say("lint: rustfmt, clippy, rustdoc");

    let mut c = cargo();
    c.current_dir(root).args(["fmt", "--all", "--check"]);
    let fmt = ensure_cargo_tool("fmt", "rustfmt").and_then(|()| succeeds(c));
    summary.record("[lint] rustfmt --check", fmt);
    crate::module_graph::run(root, summary);
    if let Err(e) = ensure_cargo_tool("clippy", "clippy") {
        summary.record("[lint] clippy", Err(e));
        return;
    }

    for cfg in CONFIGS {
        if let Some(triple) = cfg.triple
            && let Err(e) = ensure_rust_target(triple)
        {
            summary.record(&format!("[lint] clippy {}", cfg.label), Err(e));
            continue;
        }
        let command = |sub: &str, args: &[&str]| {
            let mut c = cargo();
            c.current_dir(root)
                .arg(sub)
                .args(args)
                .arg("--target-dir")
                .arg(&target_dir)
                .env_remove("RUSTFLAGS");
            if let Some(triple) = cfg.triple {
                c.args(["--target", triple]);
            }
            if let Some(board) = cfg.board {
                c.env("BITWAKE_BOARD", board);
            }
            c
        };
        let mut c = command("clippy", cfg.clippy);
        c.arg("--").args(DENY);
        summary.record(&format!("[lint] clippy {}", cfg.label), succeeds(c));

        let mut c = command("doc", cfg.doc);
        c.args(["--no-deps", "--quiet"])
            .env("RUSTDOCFLAGS", "-D warnings");
        summary.record(&format!("[lint] rustdoc {}", cfg.label), succeeds(c));
    }
}
