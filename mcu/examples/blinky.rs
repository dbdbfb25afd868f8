//! The minimal bitwake program for a microcontroller, and the size baseline:
//! one task toggles an "LED" (a flag) every 10 ms on the hardware timer,
//! ten times, while the executor sleeps in `WFI` in between; then the
//! program exits through semihosting (so it terminates under QEMU).
//!
//! It uses the API of every platform (`bitwake::block_on`, `bitwake::spawn`,
//! `bitwake::time::sleep`) but declares its entry and panic handler itself,
//! with no formatting code: the smallest image. `portable` (built from
//! `programs/src/bin/portable.rs`) shows `bitwake::main!` and `println!`.
//!
//! `cargo run --example blinky --target <triple>` runs it under QEMU through
//! `cargo xtask qemu-runner` (the cargo runner of the MCU targets).
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {}

#[cfg(target_os = "none")]
mod firmware {
    use bitwake::time::{Duration, sleep};
    use core::sync::atomic::{AtomicBool, Ordering};

    /// Stands in for a GPIO pin: the example stays board-independent.
    static LED: AtomicBool = AtomicBool::new(false);

    bitwake::task! {
        pool_size = 1;
        /// Toggles the LED `times` times, 10 ms apart.
        async fn blink(times: u32) -> u32 {
            for _ in 0..times {
                LED.store(!LED.load(Ordering::Relaxed), Ordering::Relaxed);
                sleep(Duration::from_millis(10)).await;
            }
            times
        }
    }

    #[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
    #[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
    fn main() -> ! {
        let blinks = bitwake::block_on(async {
            match bitwake::spawn(blink(10)) {
                Ok(h) => h.await.unwrap_or(0),
                Err(_) => 0,
            }
        });
        bitwake_mcu::rt::exit(if blinks == 10 { 0 } else { 1 })
    }

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
        bitwake_mcu::rt::exit(101)
    }
}
