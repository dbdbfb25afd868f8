//! bitwake on microcontrollers: the platform layer for Cortex-M and RISC-V.
//!
//! bitwake's core (`bitwake::executor`, `bitwake::time`) is OS-agnostic: it
//! parks through a seam ([`bitwake::executor::Park`]) and keeps timers in a
//! static queue without reading any clock. This crate supplies the
//! microcontroller side of both:
//!
//! * [`PARK`] / [`WfiPark`]: the executor sleeps in `WFI` when no task is
//!   ready; any interrupt handler that wakes a task (sets its ready bit) ends
//!   the sleep. [`init`] installs it as the park of bitwake's default
//!   executor, so `bitwake::executor::block_on` / `spawn` just work.
//! * [`time`]: `now`, `sleep`, `sleep_until`, `timeout` on a hardware timer —
//!   SysTick on Cortex-M (1 kHz tick), `mtime`/`mtimecmp` on RISC-V
//!   (tickless). Timers fire from the timer interrupt handler.
//! * [`Signal`]: how an interrupt handler wakes a task; [`swi`]: a software
//!   interrupt (PendSV / machine software interrupt).
//! * `critical-section` comes from the `cortex-m` / `riscv` crates
//!   (single-core implementations); bitwake's `portable-atomic` uses it on
//!   cores without compare-and-swap (thumbv6m).
//!
//! # Why a separate crate
//!
//! Keeping this out of `bitwake` itself keeps the core free of
//! `cortex-m`/`riscv`/`-rt` dependencies and of interrupt handler symbols
//! (`SysTick`, `PendSV`, `MachineTimer`, `MachineSoft` are defined here, and
//! a program can only have one of each): a firmware that wants its own time
//! driver links `bitwake` alone. It also gives the on-target test suites and
//! the size example a home whose build script owns the board's linker
//! script, generated from `targets/<board>.toml`.
//!
//! # Resources taken
//!
//! SysTick (Cortex-M) or the CLINT timer and software interrupt of hart 0
//! (RISC-V); the `SysTick`/`PendSV` or `MachineTimer`/`MachineSoft` handlers.
//! The board and timer frequency come from the board file at build time
//! ([`BOARD`], [`TIMER_HZ`]).
#![no_std]
#![cfg(all(target_os = "none", any(target_arch = "arm", target_arch = "riscv32")))]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[cfg(target_arch = "arm")]
#[path = "arch/cortex_m.rs"]
mod arch;
#[cfg(target_arch = "riscv32")]
#[path = "arch/riscv.rs"]
mod arch;

mod park;
mod signal;
pub mod swi;
pub mod time;

pub use park::{PARK, WfiPark, parks, sleeping};
pub use signal::{Signal, Wait};

use core::sync::atomic::{AtomicBool, Ordering};

/// The board this image was built for (the `targets/` file name).
pub const BOARD: &str = env!("BITWAKE_MCU_BOARD");

/// Frequency of the hardware timer the time driver counts (core clock for
/// SysTick, `mtime` rate on RISC-V), from the board file.
pub const TIMER_HZ: u64 = parse_u64(env!("BITWAKE_MCU_TIMER_HZ"));

const fn parse_u64(s: &str) -> u64 {
    let b = s.as_bytes();
    let mut i = 0;
    let mut v = 0u64;
    while i < b.len() {
        assert!(
            b[i].is_ascii_digit(),
            "BITWAKE_MCU_TIMER_HZ is not a number"
        );
        v = v * 10 + (b[i] - b'0') as u64;
        i += 1;
    }
    v
}

static INITIALISED: AtomicBool = AtomicBool::new(false);

/// Starts the time driver and the software interrupt, and installs [`PARK`]
/// in bitwake's default executor. Call once at start-up, from thread mode,
/// before using [`time`]; later calls do nothing.
pub fn init() {
    if INITIALISED.load(Ordering::Acquire) {
        return;
    }
    INITIALISED.store(true, Ordering::Release);
    bitwake::executor::DEFAULT_PARK.install(park::park_fn, park::unpark_fn);
    arch::init_swi();
    arch::init_timer();
}

/// [`init`], then runs `future` on bitwake's default executor.
pub fn block_on<F: core::future::Future>(future: F) -> F::Output {
    init();
    bitwake::executor::block_on(future)
}
