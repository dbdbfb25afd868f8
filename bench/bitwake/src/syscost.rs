//! System-call cost through bitwake: `bitwake::sys::write` of 1 byte to
//! /dev/null, 10⁶ times (compare `syscost asm|libc|syscalls` in bench-net).
use bench_common as c;
use std::os::fd::AsRawFd;

fn main() {
    let reps: u32 = std::env::args()
        .find_map(|a| a.strip_prefix("reps=").and_then(|v| v.parse().ok()))
        .unwrap_or(3);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .unwrap();
    let fd = f.as_raw_fd();
    const N: u64 = 1_000_000;
    c::measure("syscall_bitwake", reps, || {
        for _ in 0..N {
            assert_eq!(bitwake::sys::write(fd, b"x"), Ok(1));
        }
        N
    });
}
