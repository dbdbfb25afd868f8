//! The book's chapter-3 example, freestanding: print one line through an
//! inline-asm `write` syscall, then exit. Nothing else runs: no libc, no
//! runtime set-up beyond `_start`: the thread pointer set to the main
//! thread's block (`arch_prctl` on x86-64) and one `rt_sigaction` that
//! ignores SIGPIPE.
#![no_std]
#![no_main]

use bitwake_arch::{nr, syscall3};

bitwake::main!(main);

const MESSAGE: &str = "Hello world from raw syscall!\n";

fn main() -> i32 {
    // SAFETY: write(1, MESSAGE, len) only reads MESSAGE's bytes.
    let ret = unsafe { syscall3(nr::WRITE, 1, MESSAGE.as_ptr() as usize, MESSAGE.len()) };
    // A negative (error) return or a short write is a failure.
    if ret == MESSAGE.len() { 0 } else { 1 }
}
