//! The panic handler's body: message to stderr, exit status 101 (as std).

use crate::sys::exit_group;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};

static PANICKING: AtomicBool = AtomicBool::new(false);

/// Prints `panicked at FILE:LINE:COL:\nMESSAGE` to stderr and exits with 101.
/// A panic while printing a panic exits at once.
pub fn handle_panic(info: &core::panic::PanicInfo<'_>) -> ! {
    if PANICKING.swap(true, Ordering::Relaxed) {
        exit_group(101);
    }
    let mut w = super::io::BufferedFd::<512>::new(2);
    let _ = match info.location() {
        // Line and column are printed as u64: the rest of a program formats
        // u64s anyway, and `u32`'s own `Display` would be ~240 bytes more.
        Some(loc) => write!(
            w,
            "panicked at {}:{}:{}:\n{}\n",
            loc.file(),
            u64::from(loc.line()),
            u64::from(loc.column()),
            info.message()
        ),
        None => write!(w, "panicked:\n{}\n", info.message()),
    };
    let _ = w.flush();
    exit_group(101)
}
