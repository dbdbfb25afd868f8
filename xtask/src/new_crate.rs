//! `cargo xtask new NAME [--path DIR] [--mcu BOARD]`: a program of your own,
//! in a crate outside the workspace that depends on bitwake by path, and
//! `cargo xtask run` from inside such a crate.
//!
//! The crate builds with plain cargo (`cargo build --target TRIPLE`): on
//! Linux targets cargo's default static-PIE is relocated by bitwake's
//! start-up, on a board `bitwake-mcu` supplies the memory layout and the
//! crate's `build.rs` the runtime's linker script. Its `.cargo/config.toml`
//! holds only the `xtask` alias (pointing at this repository), and its
//! `Cargo.toml` names the target `cargo xtask run` uses there
//! (`[package.metadata.bitwake] target = ...`).

use crate::outside::plain_cargo_env;
use crate::targets::{self, Target};
use crate::tools::{ensure_rust_target, say};
use std::path::{Path, PathBuf};

/// The board whose template `cargo xtask test` builds and boots.
pub const CHECKED_BOARD: &str = "lm3s6965evb";

/// The program every new crate starts with: tasks, a timer, and strings
/// reached through a `static` (which a static-PIE must relocate).
pub fn main_rs(name: &str) -> String {
    MAIN_RS.replace("NAME", name)
}

const MAIN_RS: &str = r#"#![no_std]
#![no_main]

use bitwake::time::{Duration, sleep};

bitwake::main!(main);

/// Who to greet, and after how many milliseconds.
static GREETINGS: [(&str, u64); 2] = [("world", 20), ("NAME", 10)];

bitwake::task! {
    pool_size = 4;
    async fn greet(name: &'static str, delay_ms: u64) -> &'static str {
        sleep(Duration::from_millis(delay_ms)).await;
        name
    }
}

fn main() -> Result<(), bitwake::executor::SpawnError> {
    bitwake::block_on(async {
        let [(a, a_ms), (b, b_ms)] = GREETINGS;
        let first = bitwake::spawn(greet(a, a_ms))?;
        let second = bitwake::spawn(greet(b, b_ms))?;
        // Both sleep at once; awaiting them in order keeps the output in order.
        for handle in [first, second] {
            match handle.await {
                Ok(name) => bitwake::println!("hello, {name}"),
                Err(e) => bitwake::println!("a task ended early: {e}"),
            }
        }
        Ok(())
    })
}
"#;

/// What the template's program prints (`NAME` replaced).
pub fn expected_output(name: &str) -> String {
    format!("hello, world\nhello, {name}\n")
}

/// Creates the crate; returns its directory.
pub fn create(
    root: &Path,
    name: &str,
    path: Option<&str>,
    mcu: Option<&str>,
) -> Result<PathBuf, String> {
    check_name(name)?;
    let dir = match path {
        Some(p) => PathBuf::from(p),
        None => std::env::current_dir()
            .map_err(|e| e.to_string())?
            .join(name),
    };
    let dir = if dir.is_absolute() {
        dir
    } else {
        std::env::current_dir()
            .map_err(|e| e.to_string())?
            .join(dir)
    };
    if dir.starts_with(root) {
        return Err(format!(
            "{} is inside the bitwake repository; a program of your own lives outside it \
             (--path DIR)",
            dir.display()
        ));
    }
    if dir.join("Cargo.toml").exists() {
        return Err(format!("{} already holds a Cargo.toml", dir.display()));
    }
    let target = match mcu {
        Some(board) => {
            let t = targets::find(root, board)
                .map_err(|e| format!("{e} (`cargo xtask targets` lists them)"))?;
            if t.kind() != "qemu-system" {
                return Err(format!(
                    "--mcu {board}: not a board; the boards are the targets of kind \
                     qemu-system in `cargo xtask targets`"
                ));
            }
            t
        }
        None => targets::find(root, crate::DEFAULT_TARGET)?,
    };
    for (rel, text) in files(root, name, &target) {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(dir)
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a crate name: letters, digits, `-` and `_`, starting with a letter"
        ))
    }
}

/// The files of a new crate, relative to its directory.
pub fn files(root: &Path, name: &str, target: &Target) -> Vec<(&'static str, String)> {
    let root_s = root.display().to_string();
    let board = target.kind() == "qemu-system";
    let deps = if board {
        format!(
            "bitwake = {{ path = {root_s:?} }}\n\
             # The board's platform: entry point, WFI park, timer, semihosting console.\n\
             bitwake-mcu = {{ path = {:?} }}\n",
            root.join("mcu").display().to_string()
        )
    } else {
        format!("bitwake = {{ path = {root_s:?}, features = [\"rt\"] }}\n")
    };
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n{deps}\n\
         # The target `cargo xtask run` builds for in this directory (`cargo xtask\n\
         # targets` lists them; --target overrides it).\n\
         [package.metadata.bitwake]\ntarget = \"{}\"\n\n\
         [profile.release]\nopt-level = \"s\"\nlto = true\ncodegen-units = 1\npanic = \"abort\"\nstrip = true\n",
        target.name
    );
    let alias = format!(
        "# Only the alias: builds need no configuration (see README.md).\n\
         [alias]\nxtask = \"run --quiet --manifest-path {} --\"\n",
        root.join("xtask/Cargo.toml").display()
    );
    let mut files = vec![
        ("Cargo.toml", manifest),
        ("src/main.rs", main_rs(name)),
        (".cargo/config.toml", alias),
        (".gitignore", "/target\n".to_owned()),
        ("README.md", readme(root, name, target)),
    ];
    if board {
        files.push((
            "build.rs",
            "//! The runtime's linker script (bitwake-mcu's build script writes the\n\
             //! board's memory.x and puts it on the linker's search path).\n\
             fn main() {\n    println!(\"cargo::rustc-link-arg=-Tlink.x\");\n}\n"
                .to_owned(),
        ));
    }
    files
}

/// The crate's README: the exact commands for its target.
fn readme(root: &Path, name: &str, target: &Target) -> String {
    let triple = target.triple();
    // bitwake-mcu picks the first board (by name) for a triple; another
    // board of the same triple is named in the environment.
    let shares_triple = targets::load_all(root)
        .unwrap_or_default()
        .into_iter()
        .find(|t| t.kind() == "qemu-system" && t.triple() == triple)
        .is_some_and(|first| first.name != target.name);
    let board_env = if shares_triple {
        format!("BITWAKE_BOARD={} ", target.name)
    } else {
        String::new()
    };
    let env_runner = format!(
        "CARGO_TARGET_{}_RUNNER",
        triple.to_uppercase().replace('-', "_")
    );
    if target.kind() == "qemu-system" {
        let qemu = format!(
            "{} -nographic -semihosting-config enable=on,target=native -kernel",
            target.list("qemu").join(" ")
        );
        return format!(
            "# {name}\n\nA bitwake program for the {board} board ({triple}), run under QEMU.\n\n\
             ```sh\n\
             rustup target add {triple}\n\
             {board_env}cargo build --release --target {triple}\n\
             {qemu} target/{triple}/release/{name}\n\
             # or, with cargo run:\n\
             {board_env}{env_runner}=\"{qemu}\" cargo run --release --target {triple}\n\
             # or through the repository's xtask (installs QEMU if needed):\n\
             cargo xtask run\n\
             ```\n\n\
             `println!` goes to the semihosting console; `main`'s result becomes QEMU's exit\n\
             status.\n",
            board = target.name,
        );
    }
    format!(
        "# {name}\n\nA freestanding Linux program on bitwake: no std, no libc.\n\n\
         ```sh\n\
         rustup target add {triple}\n\
         cargo build --target {triple}          # add --release for a small binary\n\
         ./target/{triple}/debug/{name}\n\
         qemu-x86_64 target/{triple}/debug/{name}   # the same under QEMU user mode\n\
         # or, with cargo run:\n\
         {env_runner}=qemu-x86_64 cargo run --target {triple}\n\
         # aarch64, under QEMU:\n\
         cargo build --target aarch64-unknown-none && qemu-aarch64 target/aarch64-unknown-none/debug/{name}\n\
         # or through the repository's xtask (`--target aarch64-linux`, `--native`):\n\
         cargo xtask run\n\
         ```\n\n\
         cargo's default for `{triple}` is a static position-independent executable;\n\
         bitwake's start-up relocates it before `main`, so no linker flags are needed.\n"
    )
}

/// The directory of the crate around the current directory, when it is a
/// crate made by `new` (its manifest has `[package.metadata.bitwake]`) and
/// lies outside the repository.
pub fn enclosing_crate(root: &Path) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let dir = cwd.ancestors().find(|d| d.join("Cargo.toml").is_file())?;
    if dir.starts_with(root) {
        return None;
    }
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    manifest
        .contains("[package.metadata.bitwake]")
        .then(|| dir.to_owned())
}

/// A value of the crate's `[package.metadata.bitwake]` section.
fn manifest_value(dir: &Path, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let mut in_section = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_section = line == "[package.metadata.bitwake]";
        } else if in_section
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().trim_matches('"').to_owned());
        }
    }
    None
}

fn package_name(dir: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).map_err(|e| e.to_string())?;
    text.lines()
        .map(str::trim)
        .find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == "name").then(|| v.trim().trim_matches('"').to_owned())
        })
        .ok_or_else(|| "Cargo.toml has no package name".to_owned())
}

/// `cargo xtask run` inside a crate made by `new`: builds it (release, plain
/// cargo) for its target and runs it there; returns the program's status.
pub fn run_here(root: &Path, dir: &Path, args: &crate::cli::RunArgs) -> Result<u8, String> {
    let name = package_name(dir)?;
    if args.server.is_some() || args.trace {
        return Err("--server and --trace are for the repository's demo programs".into());
    }
    if let Some(p) = args.program.as_ref().filter(|p| **p != name) {
        return Err(format!(
            "this crate's program is `{name}`, not `{p}` (run `cargo xtask run` with no name)"
        ));
    }
    let target_name = args
        .target
        .clone()
        .or_else(|| manifest_value(dir, "target"))
        .unwrap_or_else(|| crate::DEFAULT_TARGET.to_owned());
    let target = targets::find(root, &target_name)
        .map_err(|e| format!("{e} (`cargo xtask targets` lists them)"))?;
    let triple = target.triple().to_owned();
    ensure_rust_target(&triple)?;
    let mut build = crate::tools::cargo();
    build
        .current_dir(dir)
        .args(["build", "--release", "--target", &triple]);
    plain_cargo_env(&mut build);
    if target.kind() == "qemu-system" {
        build.env("BITWAKE_BOARD", &target.name);
    }
    say(format!("building {name} for {} ({triple})", target.name));
    let status = build.status().map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building {name} failed"));
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("target"));
    let elf = target_dir.join(&triple).join("release").join(&name);
    let mut cmd = if target.kind() == "qemu-system" {
        if args.native {
            return Err(format!(
                "{} is a board: it runs under QEMU only",
                target.name
            ));
        }
        crate::qemu_runner::ensure_qemu(&target)?;
        let path = elf.to_string_lossy().into_owned();
        let mut cmdline = vec![path.as_str()];
        cmdline.extend(args.args.iter().map(String::as_str));
        crate::qemu_runner::qemu_command(&target, &elf, &cmdline)
    } else {
        if args.native && !target.runs_natively() {
            return Err(format!("target {} cannot run natively here", target.name));
        }
        if !args.native {
            crate::freestanding::ensure_runner(&target)?;
        }
        let mut cmd = crate::cargo_build::run_command(&target, &elf, args.native);
        cmd.args(&args.args);
        cmd
    };
    say(format!("running {name}: {cmd:?}"));
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {name}: {e}"))?;
    Ok(crate::run::exit_code(status))
}

/// Builds the template's crate with plain cargo for one Linux target
/// (`.cargo/` removed: no configuration at all) and runs it natively and
/// under QEMU; also `cargo xtask run` from inside it, through its alias.
pub fn check(root: &Path, target: &Target, summary: &mut crate::summary::Summary) {
    let tag = format!("[{}/template]", target.name);
    let dir = std::env::temp_dir().join(format!(
        "bitwake-template-{}-{}",
        target.name,
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let name = "my-app";
    let made = (|| -> Result<PathBuf, String> {
        let linux = targets::find(root, crate::DEFAULT_TARGET)?;
        let d = dir.join(name);
        for (rel, text) in files(root, name, &linux) {
            let p = d.join(rel);
            std::fs::create_dir_all(p.parent().unwrap_or(&d)).map_err(|e| e.to_string())?;
            std::fs::write(&p, text).map_err(|e| e.to_string())?;
        }
        if let Ok(lock) = std::fs::read_to_string(root.join("Cargo.lock")) {
            std::fs::write(d.join("Cargo.lock"), lock).map_err(|e| e.to_string())?;
        }
        Ok(d)
    })();
    let d = match made {
        Ok(d) => d,
        Err(e) => {
            summary.record(&format!("{tag} cargo xtask new"), Err(e));
            return;
        }
    };
    // `cargo xtask run` through the crate's own alias (x86-64 only: the
    // default target of the template).
    if target.name == crate::DEFAULT_TARGET {
        let mut cmd = crate::tools::cargo();
        cmd.current_dir(&d).args(["xtask", "run", "--native"]);
        plain_cargo_env(&mut cmd);
        cmd.env("CARGO_TARGET_DIR", crate::outside::shared_target_dir(root));
        let r = crate::process::run_with_timeout(cmd, std::time::Duration::from_secs(600))
            .and_then(|out| {
                if out.code == Some(0) && out.stdout == expected_output(name) {
                    Ok(())
                } else {
                    Err(format!(
                        "{}; stdout {:?}; stderr {:?}",
                        out.describe_exit(),
                        out.stdout,
                        out.stderr.lines().rev().take(5).collect::<Vec<_>>()
                    ))
                }
            });
        summary.record(&format!("{tag} cargo xtask run inside the new crate"), r);
    }
    // Plain cargo with no configuration at all.
    let _ = std::fs::remove_dir_all(d.join(".cargo"));
    crate::outside::build_and_run(
        root,
        &d,
        target,
        name,
        &expected_output(name),
        &tag,
        summary,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `cargo xtask new --mcu BOARD`'s crate, built with plain cargo (release,
/// no configuration) and booted under the board's QEMU.
pub fn check_board(root: &Path, board: &Target, summary: &mut crate::summary::Summary) {
    let name = format!(
        "[{}/template] plain `cargo build --release --target {}`, runs under QEMU",
        board.name,
        board.triple()
    );
    let dir = std::env::temp_dir().join(format!(
        "bitwake-template-{}-{}",
        board.name,
        std::process::id()
    ));
    let app = "my-fw";
    let r = (|| -> Result<(), String> {
        let _ = std::fs::remove_dir_all(&dir);
        for (rel, text) in files(root, app, board) {
            if rel.starts_with(".cargo") {
                continue;
            }
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap_or(&dir)).map_err(|e| e.to_string())?;
            std::fs::write(&p, text).map_err(|e| e.to_string())?;
        }
        if let Ok(lock) = std::fs::read_to_string(root.join("Cargo.lock")) {
            std::fs::write(dir.join("Cargo.lock"), lock).map_err(|e| e.to_string())?;
        }
        crate::outside::no_cargo_config(&dir)?;
        ensure_rust_target(board.triple())?;
        // The board's own target directory, with the workspace's release
        // profile: the dependencies built for the board's suites are reused.
        let target_dir = crate::mcu::board_target_dir(root, board);
        let mut build = crate::tools::cargo();
        build
            .current_dir(&dir)
            .args(["build", "--quiet", "--release", "--target", board.triple()])
            .env("CARGO_TARGET_DIR", &target_dir)
            // What the board's suites were built with (redundant for the
            // first board of a triple; keeps their build script's output).
            .env("BITWAKE_BOARD", &board.name);
        plain_cargo_env(&mut build);
        let out = crate::process::run_with_timeout(build, std::time::Duration::from_secs(600))?;
        if out.code != Some(0) {
            return Err(format!(
                "cargo build: {}: {}",
                out.describe_exit(),
                out.stderr
            ));
        }
        let elf = target_dir.join(board.triple()).join("release").join(app);
        crate::qemu_runner::ensure_qemu(board)?;
        let path = elf.to_string_lossy().into_owned();
        let cmd = crate::qemu_runner::qemu_command(board, &elf, &[path.as_str()]);
        let out = crate::process::run_with_timeout(cmd, std::time::Duration::from_secs(60))?;
        if out.code == Some(0) && out.stdout == expected_output(app) {
            Ok(())
        } else {
            Err(format!(
                "{}; stdout {:?} (want {:?}); stderr {:?}",
                out.describe_exit(),
                out.stdout,
                expected_output(app),
                out.stderr
            ))
        }
    })();
    summary.record(&name, r);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's "Your own program" shows the template's program and
    /// output (`cargo xtask test` builds both; this keeps them one).
    #[test]
    fn readme_recipe_is_the_template() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        let section = readme.split("\n## Your own program\n").nth(1).unwrap();
        let block = |lang: &str| {
            let open = format!("```{lang}\n");
            let start = section.find(&open).unwrap() + open.len();
            let len = section[start..].find("```").unwrap();
            section[start..start + len].to_owned()
        };
        assert_eq!(block("rust"), main_rs("my-app"));
        assert_eq!(block("text"), expected_output("my-app"));
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("my-app").is_ok());
        assert!(check_name("1app").is_err());
        assert!(check_name("a/b").is_err());
        assert!(check_name("").is_err());
    }
}
