//! Host unit and integration tests (`cargo test`), counted test by test.

use crate::summary::Summary;
use crate::tools::say;
use std::path::Path;

/// Runs `cargo test` with `args` in the workspace and adds its counts.
pub fn run(root: &Path, label: &str, args: &[&str], summary: &mut Summary) {
    say(format!("host tests: cargo test {}", args.join(" ")));
    let out = crate::tools::cargo()
        .current_dir(root)
        .arg("test")
        .args(args)
        .arg("--no-fail-fast")
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => return summary.record(&format!("[host] {label}"), Err(format!("cargo: {e}"))),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (mut passed, mut failed) = (0, 0);
    let mut failures = Vec::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("test result: ") {
            // "ok. 12 passed; 0 failed; 0 ignored; ..."
            for part in rest.split(';') {
                let words: Vec<_> = part.split_whitespace().collect();
                if let [.., n, kind] = words.as_slice() {
                    let n: usize = n.parse().unwrap_or(0);
                    match *kind {
                        "passed" => passed += n,
                        "failed" => failed += n,
                        _ => {}
                    }
                }
            }
        } else if let Some(name) = line
            .strip_prefix("test ")
            .and_then(|l| l.strip_suffix(" ... FAILED"))
        {
            failures.push(name.to_owned());
        }
    }
    println!("host   {label}: {passed} passed, {failed} failed");
    for f in &failures {
        println!("FAILED [host] {label}: {f}");
    }
    if !out.status.success() && failed == 0 {
        // A build error or a crashed test binary: count it and show why.
        let tail: Vec<_> = stderr
            .lines()
            .rev()
            .take(25)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        summary.record(
            &format!("[host] {label}"),
            Err(format!("cargo test failed:\n{}", tail.join("\n"))),
        );
    }
    summary.add_counts(&format!("[host] {label}"), passed, failed, failures);
}
