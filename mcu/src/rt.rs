//! Start-up, exit and console for a program on a microcontroller: what
//! `bitwake::main!` and `bitwake::println!` expand to here.
//!
//! The program's entry is the runtime crate's (`cortex-m-rt` / `riscv-rt`)
//! `main`, declared by [`main!`](crate::main): it calls [`init`](crate::init),
//! then the program's `main`, and [`exit`]s through semihosting with the
//! status `main` reports ([`Termination`]), so under QEMU the process exit
//! status is the program's. The console is semihosting stdout and stderr.
//!
//! Semihosting needs a host on the other end — QEMU, or a debug probe: on a
//! board running without one, the `BKPT` / `EBREAK` of a semihosting call
//! traps. Firmware for such a board prints through its own driver.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

#[cfg(target_arch = "arm")]
#[doc(hidden)]
pub use cortex_m_rt::entry;
#[cfg(target_arch = "riscv32")]
#[doc(hidden)]
pub use riscv_rt::entry;

/// Declares the program's entry point: `bitwake_mcu::main!(path_to_main);`
/// (what `bitwake::main!` expands to on a microcontroller).
///
/// `main` takes no arguments and returns anything that implements
/// [`Termination`]: `()`, an `i32` exit status, or `Result<(), E: Debug>`.
/// The macro also defines the panic handler (message to stderr, exit 101).
#[macro_export]
macro_rules! main {
    ($main:path) => {
        #[$crate::rt::entry]
        fn __bitwake_entry() -> ! {
            $crate::init();
            $crate::rt::exit($crate::rt::Termination::report($main()))
        }

        #[panic_handler]
        fn __bitwake_panic(info: &::core::panic::PanicInfo<'_>) -> ! {
            $crate::rt::handle_panic(info)
        }
    };
}

/// What `main` may return; turned into the exit status.
pub trait Termination {
    /// The exit status to report (0 is success).
    fn report(self) -> i32;
}

impl Termination for () {
    fn report(self) -> i32 {
        0
    }
}

impl Termination for i32 {
    fn report(self) -> i32 {
        self
    }
}

impl<E: fmt::Debug> Termination for Result<(), E> {
    fn report(self) -> i32 {
        match self {
            Ok(()) => 0,
            Err(e) => {
                _print(2, format_args!("Error: {e:?}\n"));
                1
            }
        }
    }
}

/// Ends the program with `status` (semihosting `SYS_EXIT`). QEMU exits with
/// it as far as the call carries it: on these 32-bit cores, 0 for 0 and 1
/// for any other status.
pub fn exit(status: i32) -> ! {
    semihosting::process::exit(status)
}

/// Set by the first panic: a panic while printing a panic exits at once.
/// Load/store only (thumbv6m has no swap); panics happen on one core.
static PANICKING: AtomicBool = AtomicBool::new(false);

/// Prints `panicked at FILE:LINE:COL:\nMESSAGE` to stderr and exits with 101.
pub fn handle_panic(info: &core::panic::PanicInfo<'_>) -> ! {
    if PANICKING.load(Ordering::Relaxed) {
        exit(101);
    }
    PANICKING.store(true, Ordering::Relaxed);
    match info.location() {
        Some(loc) => _print(
            2,
            format_args!(
                "panicked at {}:{}:{}:\n{}\n",
                loc.file(),
                loc.line(),
                loc.column(),
                info.message()
            ),
        ),
        None => _print(2, format_args!("panicked:\n{}\n", info.message())),
    }
    exit(101)
}

/// A small stack buffer in front of a semihosting stream: a line is usually
/// one `SYS_WRITE`.
struct Console<W: semihosting::io::Write> {
    out: W,
    len: usize,
    buf: [u8; 128],
}

impl<W: semihosting::io::Write> Console<W> {
    fn flush(&mut self) {
        // Printing has nowhere to report failure (like std's print!, minus
        // the panic).
        let _ = self
            .out
            .write_all(self.buf.get(..self.len).unwrap_or_default());
        self.len = 0;
    }
}

impl<W: semihosting::io::Write> Write for Console<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut bytes = s.as_bytes();
        while !bytes.is_empty() {
            if self.len == self.buf.len() {
                self.flush();
            }
            let free = self.buf.get_mut(self.len..).unwrap_or_default();
            let n = bytes.len().min(free.len());
            let (now, later) = bytes.split_at(n);
            if let Some(dst) = free.get_mut(..n) {
                dst.copy_from_slice(now);
            }
            self.len += n;
            bytes = later;
        }
        Ok(())
    }
}

fn print_to<W: semihosting::io::Write>(out: W, args: fmt::Arguments<'_>) {
    let mut c = Console {
        out,
        len: 0,
        buf: [0; 128],
    };
    let _ = c.write_fmt(args);
    c.flush();
}

#[doc(hidden)]
/// Prints to semihosting stdout (`fd` 1) or stderr (any other `fd`), as
/// the Linux runtime prints to fds 1 and 2.
pub fn _print(fd: u8, args: fmt::Arguments<'_>) {
    if fd == 1 {
        if let Ok(out) = semihosting::io::stdout() {
            print_to(out, args);
        }
    } else if let Ok(out) = semihosting::io::stderr() {
        print_to(out, args);
    }
}
