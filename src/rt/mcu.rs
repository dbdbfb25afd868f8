//! [`main!`](crate::main) and the print macros on a microcontroller.
//!
//! On freestanding Linux these macros are bitwake's own (`rt`); on a
//! microcontroller the entry point, the exit status and the console belong
//! to the platform crate, so here they expand to `bitwake-mcu`'s items
//! (a `cortex-m-rt` / `riscv-rt` entry that calls `main` and exits through
//! semihosting with its status; printing to semihosting stdout / stderr).
//! The program names `bitwake-mcu` as a dependency and writes the same
//! source as on Linux: `bitwake::main!(main)`, `bitwake::println!(..)`.

/// Declares the program's entry point: `bitwake::main!(path_to_main);`.
///
/// On a microcontroller this is `bitwake_mcu::main!`: the reset handler's
/// entry starts the platform (timers, the `WFI` park), calls `main`, and
/// exits through semihosting with `main`'s status; a panic prints its
/// message to semihosting stderr and exits with 101.
#[macro_export]
macro_rules! main {
    ($main:path) => {
        ::bitwake_mcu::main!($main);
    };
}

/// Prints to stdout (semihosting on a microcontroller).
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { ::bitwake_mcu::rt::_print(1, format_args!($($arg)*)) };
}

/// Prints a line to stdout (semihosting on a microcontroller).
#[macro_export]
macro_rules! println {
    () => { ::bitwake_mcu::rt::_print(1, format_args!("\n")) };
    ($($arg:tt)*) => { ::bitwake_mcu::rt::_print(1, format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints to stderr (semihosting on a microcontroller).
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { ::bitwake_mcu::rt::_print(2, format_args!($($arg)*)) };
}

/// Prints a line to stderr (semihosting on a microcontroller).
#[macro_export]
macro_rules! eprintln {
    () => { ::bitwake_mcu::rt::_print(2, format_args!("\n")) };
    ($($arg:tt)*) => { ::bitwake_mcu::rt::_print(2, format_args!("{}\n", format_args!($($arg)*))) };
}
