//! Overflows a fiber's stack on purpose: `cargo xtask test` checks that the
//! report `fiber N overflowed its S-byte stack` reaches stderr and the exit
//! status is `bitwake::fiber::OVERFLOW_EXIT_STATUS`.
//!
//! `fiber-overflow guard`: an `mmap`ed stack, caught by its guard page at the
//! first write past it. `fiber-overflow canary`: a static stack with room
//! below it, caught by the canary at the next switch.
#![no_std]
#![no_main]

use bitwake::fiber::{self, FiberStack, MmapStack};

bitwake::main!(main);

/// A static stack with padding below it for the canary case's writes.
#[repr(C)]
struct Padded {
    pad: [u8; 8192],
    stack: FiberStack<4096>,
}
static PADDED: Padded = Padded {
    pad: [0; 8192],
    stack: FiberStack::new(),
};

#[inline(never)]
fn recurse(n: u32, yield_at_bottom: bool) -> u32 {
    let pad = core::hint::black_box([n as u8; 256]);
    if n == 0 {
        if yield_at_bottom {
            fiber::yield_now();
        }
        return pad[1] as u32;
    }
    recurse(n - 1, yield_at_bottom) + core::hint::black_box(pad[2]) as u32
}

fn main() -> i32 {
    let mode = bitwake::rt::args().nth(1).unwrap_or(b"guard");
    let r = bitwake::block_on(async move {
        match mode {
            // 16 KiB stack, recursion far deeper than that.
            b"guard" => {
                fiber::spawn(MmapStack::new(16 * 1024), || recurse(1000, false))
                    .unwrap()
                    .await
            }
            // 4 KiB stack, about 6 KiB deep: lands in the padding.
            _ => {
                fiber::spawn(&PADDED.stack, || recurse(20, true))
                    .unwrap()
                    .await
            }
        }
    });
    bitwake::println!("not reached: {r:?} {}", PADDED.pad[0]);
    0
}
