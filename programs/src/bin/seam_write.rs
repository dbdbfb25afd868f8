//! The zero-cost syscall seam, made visible: `seam_write` is bitwake's typed
//! `sys::write` and nothing else. It is kept out of line, in its own ELF
//! section, only so that `cargo xtask test` can find it in the stripped
//! binary and check its disassembly: with the default backend the body must
//! be register moves around one `syscall` (x86-64) or `svc #0` (aarch64),
//! with no call or indirect branch anywhere.
#![no_std]
#![no_main]

use bitwake::sys::{self, Errno};

bitwake::main!(main);

/// `sys::write(1, buf)`, out of line in the section `bitwake_seam`.
#[inline(never)]
#[unsafe(link_section = "bitwake_seam")]
fn seam_write(buf: &[u8]) -> Result<usize, Errno> {
    sys::write(1, buf)
}

fn main() -> i32 {
    // black_box keeps the argument opaque, so the body is the general one.
    match seam_write(core::hint::black_box(b"seam: one inline syscall\n")) {
        Ok(_) => 0,
        Err(_) => 1,
    }
}
