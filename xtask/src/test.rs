//! `cargo xtask test [--target T]`: host tests, then every freestanding test
//! program natively and under QEMU for each Linux target, then the other
//! checks. The last line is `N passed, N failed` over everything.
//!
//! Per Linux target, the freestanding suite runs three times: with the
//! default asm backend, with the `syscalls` crate backend (label
//! `syscalls-crate`) and with the fault injector wrapped around the default
//! backend (label `fault-inject`, which adds the `test-faults` scripts; the
//! other programs run under an empty script, so the injector must be
//! transparent, and the demo runs against the delay server as processes,
//! both under fault scripts). The zero-cost seam is checked on the disassembly of
//! `seam-write` for each backend without the injector. The fuzz corpus is
//! replayed through the parsers' property checks on stable, and the delay
//! server gets a short soak under hostile load where it runs natively.

use crate::cargo_build::BuildOptions;
use crate::fault_e2e;
use crate::freestanding;
use crate::host_tests;
use crate::seam;
use crate::summary::Summary;
use crate::targets::{self, Target};
use std::path::{Path, PathBuf};

pub fn run(root: &Path, target: Option<&str>) -> Result<bool, String> {
    let all = targets::load_all(root)?;
    let selected: Vec<Target> = match target {
        Some(name) => vec![targets::find(root, name)?],
        None => all,
    };
    let mut summary = Summary::default();

    host_tests::run(
        root,
        "bitwake, bitwake-arch, bitwake-http, xtask",
        // The interop features switch on tests/interop_*.rs (embassy-sync
        // on bitwake's critical section, embedded-io-async 0.6 and 0.7).
        &[
            "--features",
            "rt,std,linux-critical-section,embedded-io-async-06,embedded-io-async-07",
        ],
        &mut summary,
    );

    if target.is_none() {
        crate::fuzz::replay(root, &mut summary);
        crate::lint::run(root, &mut summary);
        crate::executor_checks::run(root, &mut summary);
    }

    for t in selected.iter().filter(|t| t.kind() == "linux-user") {
        let default = BuildOptions::default();
        freestanding::test_target(root, t, &default, "", &mut summary);
        seam::check(root, t, &default, &t.name, &mut summary);
        crate::outside::check(root, t, &mut summary);
        crate::new_crate::check(root, t, &mut summary);
        if t.runs_natively() {
            crate::soak::check(root, t, &mut summary);
        }
        for variant in ["syscalls-crate", "fault-inject"] {
            // A target directory per variant, so the builds do not evict
            // each other's artifacts.
            let opts = BuildOptions {
                features: vec![variant.to_owned()],
                target_dir: Some(variant_dir(root, variant)),
            };
            freestanding::test_target(root, t, &opts, variant, &mut summary);
            if variant == "fault-inject" {
                let tag = format!("{}+{variant}", t.name);
                fault_e2e::check(root, t, &opts, &tag, &mut summary);
            }
            if variant == "syscalls-crate" {
                seam::check(
                    root,
                    t,
                    &opts,
                    &format!("{}+{variant}", t.name),
                    &mut summary,
                );
            }
        }
    }

    for t in selected.iter().filter(|t| t.kind() == "qemu-system") {
        crate::mcu::test_board(root, t, &mut summary);
        // One board is enough to show a crate of one's own builds and runs.
        if t.name == crate::new_crate::CHECKED_BOARD {
            crate::new_crate::check_board(root, t, &mut summary);
        }
    }

    Ok(summary.finish())
}

fn variant_dir(root: &Path, variant: &str) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join(format!("variant-{variant}"))
}
