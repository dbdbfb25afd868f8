//! `cargo xtask test [--target T]`: host tests, then every freestanding test
//! program natively and under QEMU for each Linux target, then the other
//! checks. The last line is `N passed, N failed` over everything.

use crate::cargo_build::BuildOptions;
use crate::freestanding;
use crate::host_tests;
use crate::summary::Summary;
use crate::targets::{self, Target};
use std::path::Path;

pub fn run(root: &Path, target: Option<&str>) -> Result<bool, String> {
    let all = targets::load_all(root)?;
    let selected: Vec<Target> = match target {
        Some(name) => vec![targets::find(root, name)?],
        None => all,
    };
    let mut summary = Summary::default();

    host_tests::run(
        root,
        "bitwake, bitwake-arch, xtask",
        &["--features", "rt"],
        &mut summary,
    );

    if target.is_none() {
        crate::executor_checks::run(root, &mut summary);
    }

    for t in selected.iter().filter(|t| t.kind() == "linux-user") {
        freestanding::test_target(root, t, &BuildOptions::default(), "", &mut summary);
    }

    for t in selected.iter().filter(|t| t.kind() == "qemu-system") {
        crate::mcu::test_board(root, t, &mut summary);
    }

    Ok(summary.finish())
}
