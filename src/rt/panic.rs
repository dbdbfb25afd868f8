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
        Some(loc) => write!(
            w,
            "panicked at {}:{}:{}:\n{}\n",
            loc.file(),
            loc.line(),
            loc.column(),
            info.message()
        ),
        None => write!(w, "panicked:\n{}\n", info.message()),
    };
    let _ = w.flush();
    exit_group(101)
}
