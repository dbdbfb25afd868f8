//! A fiber that overflows its 512-byte stack, for `cargo xtask test`: on the
//! ARMv7-M boards the MPU guard stops it at the first write below the stack
//! and the HardFault handler prints `fiber 1 overflowed its 512-byte stack`
//! and exits with `bitwake::fiber::OVERFLOW_EXIT_STATUS`; on the others the
//! canary finds it at the fiber's next switch and the report is a panic.
//!
//! It prints `MPU regions: N` first (the MPU's `TYPE.DREGION`, 0 without
//! one), so the run also shows which QEMU models have an MPU.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {}

#[cfg(target_os = "none")]
mod firmware {
    use bitwake::fiber::{self, FiberStack};

    /// The stack, with room below it so that the canary-only boards write
    /// into memory of the program's own.
    #[repr(C)]
    struct Padded {
        pad: [u8; 2048],
        stack: FiberStack<512>,
    }
    static PADDED: Padded = Padded {
        pad: [0; 2048],
        stack: FiberStack::new(),
    };

    /// About 100 bytes a frame, `n` frames deep.
    #[inline(never)]
    fn recurse(n: u32) -> u32 {
        let pad = core::hint::black_box([n as u8; 100]);
        if n == 0 {
            fiber::yield_now();
            return pad[7] as u32;
        }
        recurse(n - 1) + core::hint::black_box(pad[3]) as u32
    }

    fn main() -> i32 {
        #[cfg(target_arch = "arm")]
        {
            // SAFETY: reads the MPU type register (in the system control
            // space; zero without an MPU).
            let mpu_type = unsafe { core::ptr::read_volatile(0xe000_ed90 as *const u32) };
            bitwake::println!("MPU regions: {}", (mpu_type >> 8) & 0xff);
        }
        let r =
            bitwake::block_on(async { fiber::spawn(&PADDED.stack, || recurse(12)).unwrap().await });
        bitwake::println!("not caught: {r:?} {}", PADDED.pad[0]);
        0
    }

    bitwake_mcu::main!(main);

    #[cfg(target_arch = "arm")]
    #[cortex_m_rt::exception]
    unsafe fn HardFault(frame: &cortex_m_rt::ExceptionFrame) -> ! {
        bitwake_mcu::fault::report_fiber_overflow();
        bitwake::eprintln!("HardFault at pc={:#x}", frame.pc());
        bitwake_mcu::rt::exit(102)
    }
}
