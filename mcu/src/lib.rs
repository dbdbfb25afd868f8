//! bitwake on microcontrollers: the platform layer for Cortex-M and RISC-V.
//!
//! bitwake's core (`bitwake::executor`, `bitwake::time`) is OS-agnostic: it
//! parks through a seam ([`bitwake::executor::Park`]) and runs its timers
//! over a clock and an alarm ([`bitwake::time::Driver`]). This crate supplies
//! the microcontroller side of both, so a program uses the same API as on
//! Linux — `bitwake::block_on`, `bitwake::spawn`, `bitwake::time::{sleep,
//! timeout, interval}`, `bitwake::main!`, `bitwake::println!`:
//!
//! * [`PARK`] / [`WfiPark`]: the executor sleeps in `WFI` when no task is
//!   ready; any interrupt handler that wakes a task (sets its ready bit) ends
//!   the sleep. [`init`] installs it as the park of bitwake's default
//!   executor; it is registered with `bitwake::platform_init!`, so
//!   `bitwake::block_on` and `bitwake::spawn` call it by themselves.
//! * [`time::McuClock`]: bitwake's time driver on a hardware timer —
//!   SysTick on Cortex-M (1 kHz tick that checks the armed deadline),
//!   `mtime`/`mtimecmp` on RISC-V (tickless). Registered with
//!   `bitwake::time_driver!`; the timer interrupt handler calls
//!   `bitwake::time::driver::on_alarm`, which wakes the expired timers.
//! * [`main!`] and [`rt`]: what `bitwake::main!` and the print macros expand
//!   to on a microcontroller (a `cortex-m-rt` / `riscv-rt` entry, exit and
//!   console through semihosting).
//! * [`Signal`]: how an interrupt handler wakes a task; [`swi`]: a software
//!   interrupt (PendSV / machine software interrupt).
//! * `critical-section` comes from the `cortex-m` / `riscv` crates
//!   (single-core implementations); bitwake's `portable-atomic` uses it on
//!   cores without compare-and-swap (thumbv6m), and its timer queue is
//!   guarded by it.
//!
//! # Why a separate crate
//!
//! Keeping this out of `bitwake` itself keeps the core free of
//! `cortex-m`/`riscv`/`-rt` dependencies and of interrupt handler symbols
//! (`SysTick`, `PendSV`, `MachineTimer`, `MachineSoft` are defined here, and
//! a program can only have one of each): a firmware that wants its own time
//! driver links `bitwake` alone and registers its own. It also gives the
//! on-target test suites and the examples a home whose build script owns the
//! board's linker script, generated from `targets/<board>.toml`.
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

pub mod fault;
mod park;
pub mod rt;
mod signal;
pub mod swi;
pub mod time;

// The runtime crate provides the vector table and the reset handler: linked
// here, so a program that names only `bitwake` and `bitwake-mcu` boots.
#[cfg(target_arch = "arm")]
use cortex_m_rt as _;
#[cfg(target_arch = "riscv32")]
use riscv_rt as _;

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
/// in bitwake's default executor; later calls do nothing.
///
/// `bitwake::block_on` and `bitwake::spawn` call it (it is the platform's
/// `bitwake::platform_init!`), and so does the entry of [`main!`]. Call it
/// yourself, from thread mode, only to read the clock before either: on
/// Cortex-M the clock counts from here.
pub fn init() {
    if INITIALISED.load(Ordering::Acquire) {
        return;
    }
    INITIALISED.store(true, Ordering::Release);
    bitwake::executor::DEFAULT_PARK.install(park::park_fn, park::unpark_fn);
    arch::init_swi();
    arch::init_timer();
}

bitwake::platform_init!(init);
