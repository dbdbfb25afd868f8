//! Programs outside the repository, as a user writes them: a throw-away crate
//! in a temporary directory that depends on bitwake by path, built with plain
//! cargo (no `.cargo/config.toml`, no `RUSTFLAGS` of ours) and run natively
//! and under the target's QEMU. Its `main` prints pointers stored in statics
//! (a `&'static str` in a static struct, a table of strings, a table of
//! function pointers) and runs a task, so a static-PIE that start-up failed
//! to relocate prints garbage or crashes.
//!
//! Per architecture:
//! * x86-64: cargo's defaults (a static-PIE, `DT_RELA`, debug build), then a
//!   release build with packed relocations (`DT_RELR`);
//! * aarch64: cargo's defaults (a static non-PIE executable), then a
//!   release static-PIE (`DT_RELA`);
//! * both: a crate with a symbolic relocation start-up cannot apply must stop
//!   with exit status 78 and a message saying how to link instead;
//! * both: the relocation code of a static-PIE (debug on x86-64) makes no
//!   indirect call (through the GOT, which is not relocated yet when it runs).

use crate::freestanding::{ensure_runner, modes};
use crate::process::run_with_timeout;
use crate::summary::Summary;
use crate::targets::Target;
use crate::tools::{ensure_program, ensure_rust_target, have};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);
const BUILD_TIMEOUT: Duration = Duration::from_secs(600);

/// The throw-away program: everything it prints goes through a pointer that
/// a static-PIE must relocate.
pub const MAIN_RS: &str = r#"#![no_std]
#![no_main]

bitwake::main!(main);

struct Greeting {
    text: &'static str,
    count: u32,
}

static GREETING: Greeting = Greeting { text: "static str in a static struct", count: 3 };
static NAMES: [&str; 3] = ["alpha", "beta", "gamma"];
static OPS: [fn(u32) -> u32; 2] = [double, square];

fn double(x: u32) -> u32 {
    x * 2
}

fn square(x: u32) -> u32 {
    x * x
}

bitwake::task! {
    pool_size = 2;
    async fn answer(x: u32) -> u32 {
        bitwake::time::sleep(bitwake::time::Duration::from_millis(1)).await;
        x + 1
    }
}

#[cfg(feature = "symbolic")]
core::arch::global_asm!(
    ".weak bitwake_outside_absent",
    ".pushsection .data.rel.ro.bitwake_outside,\"aw\"",
    ".balign 8",
    ".globl BITWAKE_OUTSIDE_SYMBOLIC",
    "BITWAKE_OUTSIDE_SYMBOLIC: .quad bitwake_outside_absent",
    ".popsection",
);
#[cfg(feature = "symbolic")]
unsafe extern "C" {
    static BITWAKE_OUTSIDE_SYMBOLIC: usize;
}

fn main() -> i32 {
    // Referenced so the linker keeps it; start-up must stop before this.
    #[cfg(feature = "symbolic")]
    bitwake::println!("unreachable: {}", unsafe { (&raw const BITWAKE_OUTSIDE_SYMBOLIC).read_volatile() });
    let g = core::hint::black_box(&GREETING);
    bitwake::println!("greeting: {} x{}", g.text, g.count);
    let names = core::hint::black_box(&NAMES);
    bitwake::println!("names: {} {} {}", names[0], names[1], names[2]);
    let ops = core::hint::black_box(&OPS);
    bitwake::println!("ops: {} {}", ops[0](5), ops[1](5));
    let got = bitwake::block_on(async {
        match bitwake::spawn(answer(41)) {
            Ok(handle) => handle.await.unwrap_or(0),
            Err(_) => 0,
        }
    });
    bitwake::println!("task: {got}");
    0
}
"#;

/// What [`MAIN_RS`] prints.
pub const EXPECTED: &str = "greeting: static str in a static struct x3\n\
                            names: alpha beta gamma\n\
                            ops: 10 25\n\
                            task: 42\n";

/// The throw-away crate's manifest: bitwake by path, with `rt`.
fn manifest(root: &Path) -> String {
    format!(
        "[package]\nname = \"outside-check\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
         [dependencies]\nbitwake = {{ path = {:?}, features = [\"rt\"] }}\n\n\
         [features]\nrelr = []\nsymbolic = []\n\n\
         # The template's release profile: the dependencies' release builds are\n\
         # shared with `cargo xtask run` of the template.\n\
         [profile.release]\nopt-level = \"s\"\nlto = true\ncodegen-units = 1\npanic = \"abort\"\nstrip = true\n",
        root.display().to_string()
    )
}

/// Link-only variations come from the crate's build script, not from
/// `RUSTFLAGS`, so the dependencies' builds are shared between variants.
const BUILD_RS: &str = r#"fn main() {
    if std::env::var_os("CARGO_FEATURE_RELR").is_some() {
        println!("cargo::rustc-link-arg=-zpack-relative-relocs");
    }
    // A weak symbol with no definition, made dynamic: a symbolic relocation.
    if std::env::var_os("CARGO_FEATURE_SYMBOLIC").is_some() {
        println!("cargo::rustc-link-arg=-zdynamic-undefined-weak");
    }
}
"#;

/// One build of the throw-away crate and what to expect of it.
struct Variant {
    label: &'static str,
    release: bool,
    rustflags: &'static [&'static str],
    features: &'static [&'static str],
    /// ELF type the build must have: 2 = EXEC, 3 = DYN (static-PIE).
    elf_type: u16,
    /// Some(type): start-up must refuse this relocation type.
    refused: Option<u32>,
    /// Check the relocation code's disassembly.
    disassemble: bool,
    /// A section the image must have (the relocation table under test).
    section: &'static str,
}

fn variants(arch: &str) -> Vec<Variant> {
    // The `symbolic` feature leaves a symbolic relocation (R_X86_64_64 = 1,
    // R_AARCH64_ABS64 = 257) in the image.
    match arch {
        "x86_64" => vec![
            Variant {
                label: "cargo defaults, debug: static-PIE, DT_RELA",
                release: false,
                rustflags: &[],
                features: &[],
                elf_type: 3,
                refused: None,
                disassemble: true,
                section: ".rela.dyn",
            },
            Variant {
                label: "release, packed relocations (DT_RELR)",
                release: true,
                rustflags: &[],
                features: &["relr"],
                elf_type: 3,
                refused: None,
                disassemble: false,
                section: ".relr.dyn",
            },
            Variant {
                label: "symbolic relocation refused",
                release: true,
                rustflags: &[],
                features: &["relr", "symbolic"],
                elf_type: 3,
                refused: Some(1),
                disassemble: false,
                section: ".rela.dyn",
            },
        ],
        _ => vec![
            Variant {
                label: "cargo defaults, debug: static non-PIE",
                release: false,
                rustflags: &[],
                features: &[],
                elf_type: 2,
                refused: None,
                disassemble: false,
                section: "",
            },
            // Release: the prebuilt aarch64 `core` is compiled for a static
            // relocation model, and a debug build links its vtables as text
            // relocations, which lld refuses in a PIE.
            Variant {
                label: "release static-PIE, DT_RELA",
                release: true,
                rustflags: &[
                    "-Crelocation-model=pic",
                    "-Clink-arg=-pie",
                    "-Clink-arg=--no-dynamic-linker",
                    "-Clink-arg=-ztext",
                ],
                features: &[],
                elf_type: 3,
                refused: None,
                disassemble: true,
                section: ".rela.dyn",
            },
            Variant {
                label: "symbolic relocation refused",
                release: true,
                rustflags: &[
                    "-Crelocation-model=pic",
                    "-Clink-arg=-pie",
                    "-Clink-arg=--no-dynamic-linker",
                    "-Clink-arg=-ztext",
                ],
                features: &["symbolic"],
                elf_type: 3,
                refused: Some(257),
                disassemble: false,
                section: ".rela.dyn",
            },
        ],
    }
}

/// Builds and runs the throw-away crate for one Linux target.
pub fn check(root: &Path, target: &Target, summary: &mut Summary) {
    let tag = format!("{}/outside", target.name);
    let dir = match scratch_crate(root, &target.name) {
        Ok(dir) => dir,
        Err(e) => {
            summary.record(&format!("[{tag}] a crate outside the workspace"), Err(e));
            return;
        }
    };
    let arch = target.str("arch").unwrap_or("");
    for v in variants(arch) {
        let name = format!("[{tag}] {}", v.label);
        let elf = build(root, &dir, target, &v, "outside-check");
        let elf = match elf {
            Ok(elf) => elf,
            Err(e) => {
                summary.record(&format!("{name}: build"), Err(e));
                continue;
            }
        };
        summary.record(
            &format!("{name}: ELF type and tables"),
            elf_type(&elf, v.elf_type, v.section),
        );
        if v.disassemble {
            summary.record(
                &format!("{name}: relocation code makes no indirect call"),
                disassembly_clean(arch, &elf),
            );
        }
        for (mode, native) in modes(target) {
            let r = run(target, &elf, native, v.refused, EXPECTED);
            summary.record(&format!("{name}: runs ({mode})"), r);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    readme_recipe(root, target, summary);
}

/// The README's "Your own program" recipe, taken from README.md itself: its
/// `Cargo.toml` (the path made this repository's), its `src/main.rs` and
/// the output it says the program prints.
fn readme_recipe(root: &Path, target: &Target, summary: &mut Summary) {
    let tag = format!("[{}/README recipe]", target.name);
    let dir = std::env::temp_dir().join(format!(
        "bitwake-recipe-{}-{}",
        target.name,
        std::process::id()
    ));
    let made = (|| -> Result<(String, String), String> {
        let readme = std::fs::read_to_string(root.join("README.md")).map_err(|e| e.to_string())?;
        let section = readme
            .split("\n## Your own program\n")
            .nth(1)
            .ok_or("README.md has no section \"Your own program\"")?;
        let section = section.split("\n## ").next().unwrap_or(section);
        let manifest = code_block(section, "toml")?;
        let main_rs = code_block(section, "rust")?;
        let expected = code_block(section, "text")?;
        let placeholder = "\"/path/to/bitwake\"";
        if !manifest.contains(placeholder) {
            return Err(format!("the recipe's Cargo.toml has no {placeholder}"));
        }
        let manifest = manifest.replace(placeholder, &format!("{:?}", root.display().to_string()));
        let name = manifest
            .lines()
            .find_map(|l| l.strip_prefix("name = "))
            .map(|n| n.trim_matches('"').to_owned())
            .ok_or("the recipe's Cargo.toml has no name")?;
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("src/main.rs"), main_rs).map_err(|e| e.to_string())?;
        if let Ok(lock) = std::fs::read_to_string(root.join("Cargo.lock")) {
            std::fs::write(dir.join("Cargo.lock"), lock).map_err(|e| e.to_string())?;
        }
        Ok((name, expected))
    })();
    match made {
        Ok((name, expected)) => build_and_run(root, &dir, target, &name, &expected, &tag, summary),
        Err(e) => summary.record(&format!("{tag} from README.md"), Err(e)),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The first fenced code block of `lang` in `text`.
fn code_block(text: &str, lang: &str) -> Result<String, String> {
    let open = format!("```{lang}\n");
    let start = text
        .find(&open)
        .ok_or_else(|| format!("no ```{lang} block"))?
        + open.len();
    let len = text[start..]
        .find("```")
        .ok_or_else(|| format!("unterminated ```{lang} block"))?;
    Ok(text[start..start + len].to_owned())
}

/// A fresh crate in the temporary directory, with the workspace's lock file
/// so it resolves the same dependency versions (no index update needed).
fn scratch_crate(root: &Path, target: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("bitwake-outside-{target}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let write = |rel: &str, text: &str| {
        std::fs::write(dir.join(rel), text).map_err(|e| format!("{rel}: {e}"))
    };
    write("Cargo.toml", &manifest(root))?;
    write("src/main.rs", MAIN_RS)?;
    write("build.rs", BUILD_RS)?;
    if let Ok(lock) = std::fs::read_to_string(root.join("Cargo.lock")) {
        write("Cargo.lock", &lock)?;
    }
    no_cargo_config(&dir)?;
    Ok(dir)
}

/// Fails when a `.cargo/config.toml` in `dir` or above could change the
/// build: the point is that plain cargo works.
pub fn no_cargo_config(dir: &Path) -> Result<(), String> {
    for d in dir.ancestors() {
        for name in ["config.toml", "config"] {
            let p = d.join(".cargo").join(name);
            if p.is_file() {
                return Err(format!(
                    "{} exists: the crate would not be built by plain cargo",
                    p.display()
                ));
            }
        }
    }
    Ok(())
}

/// Removes from `cmd`'s environment what would change what plain cargo
/// does (flags, a target, profile or runner overrides).
pub fn plain_cargo_env(cmd: &mut Command) {
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_MANIFEST_DIR",
        "CARGO_PKG_NAME",
    ] {
        cmd.env_remove(var);
    }
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        let overrides = key.starts_with("CARGO_TARGET_") && key != "CARGO_TARGET_DIR";
        if overrides || key.starts_with("CARGO_PROFILE_") {
            cmd.env_remove(&key);
        }
    }
}

/// A target directory of its own in the workspace's: repeated runs reuse
/// the dependencies' builds.
pub fn shared_target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("outside")
}

/// A cargo command for a crate outside the workspace.
fn plain_cargo(root: &Path, dir: &Path) -> Command {
    let mut cmd = crate::tools::cargo();
    cmd.current_dir(dir);
    plain_cargo_env(&mut cmd);
    cmd.env("CARGO_TARGET_DIR", shared_target_dir(root));
    cmd
}

/// Builds the crate in `dir` (debug, plain cargo, no flags) for `target`
/// and runs its program `bin` natively and under QEMU, expecting `expected`
/// on stdout and exit status 0.
pub fn build_and_run(
    root: &Path,
    dir: &Path,
    target: &Target,
    bin: &str,
    expected: &str,
    tag: &str,
    summary: &mut Summary,
) {
    let name = format!("{tag} plain `cargo build --target {}`", target.triple());
    if let Err(e) = no_cargo_config(dir) {
        summary.record(&name, Err(e));
        return;
    }
    let v = Variant {
        label: "",
        release: false,
        rustflags: &[],
        features: &[],
        elf_type: 0,
        refused: None,
        disassemble: false,
        section: "",
    };
    let elf = match build(root, dir, target, &v, bin) {
        Ok(elf) => elf,
        Err(e) => {
            summary.record(&name, Err(e));
            return;
        }
    };
    for (mode, native) in modes(target) {
        let r = run(target, &elf, native, None, expected);
        summary.record(&format!("{name}, runs ({mode})"), r);
    }
}

fn build(
    root: &Path,
    dir: &Path,
    target: &Target,
    v: &Variant,
    bin: &str,
) -> Result<PathBuf, String> {
    let triple = target.triple();
    ensure_rust_target(triple)?;
    let mut cmd = plain_cargo(root, dir);
    cmd.args([
        "build",
        "--quiet",
        "--target",
        triple,
        "--message-format=short",
    ]);
    if v.release {
        cmd.arg("--release");
    }
    if !v.features.is_empty() {
        cmd.args(["--features", &v.features.join(",")]);
    }
    if !v.rustflags.is_empty() {
        cmd.env("RUSTFLAGS", v.rustflags.join(" "));
        // Compiler flags already keep these builds apart from the
        // template's: keep the symbols the disassembly check looks for.
        cmd.env("CARGO_PROFILE_RELEASE_STRIP", "false");
    }
    let out = run_with_timeout(cmd, BUILD_TIMEOUT)?;
    if out.code != Some(0) {
        return Err(format!(
            "cargo build: {}: {}",
            out.describe_exit(),
            tail(&out.stderr)
        ));
    }
    let profile = if v.release { "release" } else { "debug" };
    Ok(shared_target_dir(root).join(triple).join(profile).join(bin))
}

fn elf_type(elf: &Path, want: u16, section: &str) -> Result<(), String> {
    let e = crate::elf::Elf::read(elf)?;
    if !section.is_empty() && !e.sections.iter().any(|s| s.name == section) {
        return Err(format!(
            "no {section} section: the variant no longer tests what it says"
        ));
    }
    if e.e_type == want {
        Ok(())
    } else {
        Err(format!(
            "ELF type {} (want {want}: {}); the variant no longer tests what it says",
            e.e_type,
            if want == 3 { "a static-PIE" } else { "EXEC" }
        ))
    }
}

fn run(
    target: &Target,
    elf: &Path,
    native: bool,
    refused: Option<u32>,
    expected: &str,
) -> Result<(), String> {
    if !native {
        ensure_runner(target)?;
    }
    let cmd = crate::cargo_build::run_command(target, elf, native);
    let out = run_with_timeout(cmd, TIMEOUT)?;
    match refused {
        None if out.code == Some(0) && out.stdout == expected => Ok(()),
        None => Err(format!(
            "{}; stdout {:?} (want {expected:?}); stderr {:?}",
            out.describe_exit(),
            out.stdout,
            tail(&out.stderr)
        )),
        Some(kind) => {
            let says = format!("relocation of type {kind},");
            if out.code == Some(78)
                && out.stdout.is_empty()
                && out.stderr.contains(&says)
                && out.stderr.contains("--no-pie")
            {
                Ok(())
            } else {
                Err(format!(
                    "{} (want 78, nothing on stdout, a message naming type {kind} and \
                     --no-pie); stdout {:?}; stderr {:?}",
                    out.describe_exit(),
                    out.stdout,
                    out.stderr
                ))
            }
        }
    }
}

/// The functions of `bitwake::rt::relocate` may only call each other: any
/// other call in a static-PIE goes through a GOT entry that is not relocated
/// yet, or to code that may read one.
fn disassembly_clean(arch: &str, elf: &Path) -> Result<(), String> {
    let tool = disassembler(arch)?;
    let mut cmd = Command::new(&tool);
    cmd.args(["-d", "--no-show-raw-insn"]);
    if arch == "x86_64" {
        cmd.args(["-M", "intel"]);
    }
    cmd.arg(elf);
    let out = run_with_timeout(cmd, TIMEOUT)?;
    if out.code != Some(0) {
        return Err(format!("{tool}: {}", out.describe_exit()));
    }
    verify_relocator(arch, &out.stdout)
}

/// The mangled prefix of the relocation code's functions.
const RELOCATOR: &str = "_ZN7bitwake2rt8relocate";

/// Checks a full disassembly listing (exposed for the unit test).
pub fn verify_relocator(arch: &str, listing: &str) -> Result<(), String> {
    let mut inside = false;
    let mut functions = 0;
    for line in listing.lines() {
        let line = line.trim();
        if line.ends_with(">:") {
            inside = line.contains(&format!("<{RELOCATOR}"));
            functions += usize::from(inside);
            continue;
        }
        let Some((_, insn)) = line.split_once(':') else {
            continue;
        };
        if !inside {
            continue;
        }
        let insn = insn.split_whitespace().collect::<Vec<_>>().join(" ");
        let mnemonic = insn.split(' ').next().unwrap_or("");
        let own_target = insn.contains(&format!("<{RELOCATOR}"));
        let bad = match arch {
            "x86_64" => {
                (mnemonic.starts_with("call") && !own_target)
                    || (insn.contains("[rip") && mnemonic != "lea")
            }
            // `br` stays allowed: jump tables (32-bit offsets from the
            // table, position-independent) end in one.
            _ => mnemonic.starts_with("blr") || (mnemonic == "bl" && !own_target),
        };
        if bad {
            return Err(format!("`{insn}` in the relocation code"));
        }
    }
    if functions == 0 {
        return Err(format!("no {RELOCATOR}* function in the listing"));
    }
    Ok(())
}

/// llvm-objdump reads every architecture; otherwise binutils for `arch`.
fn disassembler(arch: &str) -> Result<String, String> {
    if have("llvm-objdump") {
        return Ok("llvm-objdump".into());
    }
    if arch == "x86_64" {
        ensure_program("objdump", "binutils")?;
        return Ok("objdump".into());
    }
    let tool = format!("{arch}-linux-gnu-objdump");
    ensure_program(&tool, &format!("binutils-{arch}-linux-gnu"))?;
    Ok(tool)
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::verify_relocator;

    #[test]
    fn relocator_may_call_only_itself() {
        let good = "0000000000012020 <_ZN7bitwake2rt8relocate5apply17h0E>:\n\
                    12030: lea rdi, [rip + 0x10]\n\
                    12040: call 12100 <_ZN7bitwake2rt8relocate9apply_rel17h1E>\n\
                    12050: syscall\n\
                    0000000000012200 <other>:\n\
                    12210: call qword ptr [rip + 0x100]\n";
        assert_eq!(verify_relocator("x86_64", good), Ok(()));
        let got_call = "0000000000012020 <_ZN7bitwake2rt8relocate5apply17h0E>:\n\
                        12030: mov rax, qword ptr [rip + 0x52bc]\n\
                        12037: call rax\n";
        assert!(verify_relocator("x86_64", got_call).is_err());
        let elsewhere = "0000000000012020 <_ZN7bitwake2rt8relocate5apply17h0E>:\n\
                         12030: call 13000 <memcpy>\n";
        assert!(verify_relocator("x86_64", elsewhere).is_err());
        let arm = "0000000000012020 <_ZN7bitwake2rt8relocate5apply17h0E>:\n\
                   12030: bl 0x12100 <_ZN7bitwake2rt8relocate4fail17h0E>\n\
                   12034: blr x8\n";
        assert!(verify_relocator("aarch64", arm).is_err());
        let jump_table = "0000000000012020 <_ZN7bitwake2rt8relocate5apply17h0E>:\n\
                          12030: ldrsw x1, [x7, x0, lsl #2]\n\
                          12034: br x21\n";
        assert_eq!(verify_relocator("aarch64", jump_table), Ok(()));
        assert!(verify_relocator("x86_64", "nothing here").is_err());
    }
}
