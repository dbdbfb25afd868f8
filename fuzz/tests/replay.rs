//! Replays the fuzz corpus on stable: every file of `corpus/TARGET/` and
//! `regressions/TARGET/` goes through the same property checks the fuzzer
//! runs (`bitwake_fuzz::TARGET`), so `cargo xtask test` catches a
//! regression of anything the fuzzer ever found.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = 0;
    for dir in ["corpus", "regressions"] {
        let dir = root.join(dir).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("read the corpus directory").path();
            let data = std::fs::read(&path).expect("read a corpus file");
            let result = std::panic::catch_unwind(|| check(&data));
            assert!(result.is_ok(), "{} fails its properties", path.display());
            files += 1;
        }
    }
    assert!(files > 0, "no corpus for {target}");
    println!("{target}: {files} inputs replayed");
}

#[test]
fn request_corpus() {
    replay("request", bitwake_fuzz::request);
}

#[test]
fn response_corpus() {
    replay("response", bitwake_fuzz::response);
}

#[test]
fn percent_corpus() {
    replay("percent", bitwake_fuzz::percent);
}

#[test]
fn fault_script_corpus() {
    replay("fault_script", bitwake_fuzz::fault_script);
}
