//! System-call cost: `write` of 1 byte to /dev/null, 10⁶ times, through
//! (a) a bare inline `syscall` instruction, (b) libc's `write`, (c) the
//! `syscalls` crate. bitwake's own `write` is measured by the `bitwake`
//! package's `syscost_bitwake`, as its own process.
//!
//! `syscost asm|libc|syscalls [reps=N]`
use bench_common::{self as c};
use std::os::fd::AsRawFd;

#[inline(always)]
fn asm_write(fd: i32, p: *const u8, n: usize) -> isize {
    let r: isize;
    // SAFETY: write(2) reads `n` bytes at `p`, which the caller owns; the
    // syscall instruction clobbers rcx and r11 only.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") 1isize => r,
            in("rdi") fd as isize,
            in("rsi") p,
            in("rdx") n,
            lateout("rcx") _, lateout("r11") _,
            options(nostack, preserves_flags)
        );
    }
    r
}

fn main() {
    let how = std::env::args().nth(1).unwrap_or_default();
    let reps: u32 = std::env::args()
        .find_map(|a| a.strip_prefix("reps=").and_then(|v| v.parse().ok()))
        .unwrap_or(3);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .unwrap();
    let fd = f.as_raw_fd();
    let b = [b'x'];
    const N: u64 = 1_000_000;
    let name = format!("syscall_{how}");
    match how.as_str() {
        "asm" => c::measure(&name, reps, || {
            for _ in 0..N {
                assert_eq!(asm_write(fd, b.as_ptr(), 1), 1);
            }
            N
        }),
        "libc" => c::measure(&name, reps, || {
            for _ in 0..N {
                // SAFETY: the buffer is valid for one byte.
                assert_eq!(unsafe { libc::write(fd, b.as_ptr().cast(), 1) }, 1);
            }
            N
        }),
        "syscalls" => c::measure(&name, reps, || {
            for _ in 0..N {
                // SAFETY: as above.
                let r = unsafe { syscalls::syscall!(syscalls::Sysno::write, fd, b.as_ptr(), 1) };
                assert_eq!(r, Ok(1));
            }
            N
        }),
        _ => {
            eprintln!("usage: syscost asm|libc|syscalls");
            std::process::exit(2);
        }
    }
}
