//! The zero-cost syscall seam, checked on the machine code: builds the
//! `seam-write` program (whose `seam_write` is just `bitwake::sys::write`,
//! kept out of line in the ELF section `bitwake_seam`), disassembles that
//! section and checks that it holds exactly one syscall instruction, loads
//! the `write` number itself, and contains no call and no branch that leaves
//! the function — i.e. the typed wrapper and the backend were inlined down
//! to the instruction.

use crate::cargo_build::{BuildOptions, build_programs};
use crate::process::run_with_timeout;
use crate::summary::Summary;
use crate::targets::Target;
use crate::tools::{ensure_program, have};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const SECTION: &str = "bitwake_seam";

/// Builds `seam-write` with `opts` for `target` and records the check.
pub fn check(root: &Path, target: &Target, opts: &BuildOptions, tag: &str, summary: &mut Summary) {
    let name = format!("[{tag}] seam: sys::write is one inline syscall (no call, no indirection)");
    let r = build_programs(root, target, &["seam-write".to_owned()], opts)
        .and_then(|elfs| disassemble(target, &elfs[0]))
        .and_then(|listing| {
            let verdict = verify(arch(target), &listing);
            if verdict.is_ok() {
                println!("       disassembly of `seam_write` ({}):", target.name);
                for l in &listing {
                    println!("         {l}");
                }
            }
            verdict
        });
    summary.record(&name, r);
}

fn arch(target: &Target) -> &str {
    target.str("arch").unwrap_or("")
}

/// The instructions of the seam section, one per line, without addresses.
fn disassemble(target: &Target, elf: &Path) -> Result<Vec<String>, String> {
    // llvm-objdump reads every architecture; otherwise binutils for the
    // target's architecture (installed on demand).
    let tool = if have("llvm-objdump") {
        "llvm-objdump".to_owned()
    } else if arch(target) == "x86_64" {
        ensure_program("objdump", "binutils")?;
        "objdump".to_owned()
    } else {
        let t = format!("{}-linux-gnu-objdump", arch(target));
        ensure_program(&t, &format!("binutils-{}-linux-gnu", arch(target)))?;
        t
    };
    let mut cmd = Command::new(&tool);
    cmd.args(["-d", "--no-show-raw-insn", "-j", SECTION]);
    if arch(target) == "x86_64" {
        cmd.args(["-M", "intel"]);
    }
    cmd.arg(elf);
    let out = run_with_timeout(cmd, Duration::from_secs(60))?;
    if out.code != Some(0) {
        return Err(format!(
            "{tool}: {}; {}",
            out.describe_exit(),
            out.stderr.trim()
        ));
    }
    let listing: Vec<String> = out
        .stdout
        .lines()
        .filter_map(|l| {
            // Instruction lines look like `  2011e4:  mov eax, 1`.
            let (addr, insn) = l.split_once(':')?;
            let addr = addr.trim();
            if addr.is_empty() || !addr.chars().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            let insn = insn.split_whitespace().collect::<Vec<_>>().join(" ");
            (!insn.is_empty()).then_some(insn)
        })
        .collect();
    if listing.is_empty() {
        return Err(format!("{tool} found no instructions in section {SECTION}"));
    }
    Ok(listing)
}

/// Checks one listing (exposed for the unit test).
pub fn verify(arch: &str, listing: &[String]) -> Result<(), String> {
    let mnemonic = |l: &str| l.split_whitespace().next().unwrap_or("").to_owned();
    let (trap, loads_write): (&str, &dyn Fn(&str) -> bool) = match arch {
        // write is 1 on x86-64, in eax (or rax).
        "x86_64" => ("syscall", &|l: &str| {
            let l = l.replace(' ', "");
            l == "moveax,1" || l == "movrax,1" || l == "moveax,0x1" || l == "movrax,0x1"
        }),
        // write is 64 in x8 (w8) on aarch64.
        "aarch64" => ("svc", &|l: &str| {
            let l = l.replace(' ', "");
            l == "movw8,#0x40" || l == "movx8,#0x40" || l == "movw8,#64" || l == "movx8,#64"
        }),
        other => return Err(format!("no seam check for architecture {other}")),
    };
    let traps = listing.iter().filter(|l| mnemonic(l) == trap).count();
    if traps != 1 {
        return Err(format!(
            "{traps} `{trap}` instructions (want exactly 1): {listing:?}"
        ));
    }
    let trap_at = listing
        .iter()
        .position(|l| mnemonic(l) == trap)
        .unwrap_or(0);
    if !listing[..trap_at].iter().any(|l| loads_write(l)) {
        return Err(format!(
            "the write syscall number is not loaded before `{trap}`: {listing:?}"
        ));
    }
    for l in listing {
        let m = mnemonic(l);
        let calls = matches!(m.as_str(), "call" | "callq" | "bl" | "blr" | "blraa" | "br");
        let branches = (arch == "x86_64" && m.starts_with('j'))
            || (arch == "aarch64"
                && (m == "b" || m.starts_with("b.") || m.starts_with("cb") || m.starts_with("tb")));
        let internal = l.contains(&format!("<{SECTION}+")) || l.contains(&format!("<{SECTION}>"));
        if calls || (branches && !internal) {
            return Err(format!("`{l}` leaves the function: {listing:?}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::verify;

    fn lines(s: &[&str]) -> Vec<String> {
        s.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn accepts_an_inline_syscall_and_rejects_a_call() {
        let good = lines(&[
            "mov r8, rdi",
            "mov eax, 1",
            "mov edi, 1",
            "syscall",
            "cmp rax, -4096",
            "jbe 0x201205 <bitwake_seam+0x24>",
            "ret",
        ]);
        assert_eq!(verify("x86_64", &good), Ok(()));
        let call = lines(&["mov eax, 1", "syscall", "call 0x201000 <write>", "ret"]);
        assert!(verify("x86_64", &call).is_err());
        let out = lines(&["mov eax, 1", "syscall", "jmp 0x201000 <elsewhere>"]);
        assert!(verify("x86_64", &out).is_err());
        let none = lines(&["mov eax, 1", "ret"]);
        assert!(verify("x86_64", &none).is_err());
        let arm = lines(&["mov x8, #0x40", "mov x0, #0x1", "svc #0", "ret"]);
        assert_eq!(verify("aarch64", &arm), Ok(()));
        let arm_call = lines(&["mov x8, #0x40", "svc #0", "blr x3", "ret"]);
        assert!(verify("aarch64", &arm_call).is_err());
    }
}
