//! The reactor: epoll readiness and timers for freestanding Linux.
//!
//! The book builds this in chapters 4, 8 and 10 on mio; here it is epoll
//! directly, through the typed syscall layer (never `asm!`). `driver.rs`
//! holds the loop and says, step by step, where a wake goes.
// Linux only: see "Linux-only modules" in the crate root.
#![cfg(all(
    any(feature = "linux", all(test, target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]

pub(crate) mod clock;
mod driver;
mod lock;
mod registry;

pub use clock::LinuxClock;
pub use driver::{CapacityError, Direction, Interest, Reactor, Token};

/// Registration capacity of the global reactor. Empty slots are zero bytes in
/// `.bss`, so capacity costs address space, not binary size; 16384 covers a
/// C10k server with room to spare.
pub const MAX_REGISTRATIONS: usize = 16384;
/// The reactor type of the global instance.
pub type GlobalReactor = Reactor<MAX_REGISTRATIONS>;

static REACTOR: GlobalReactor = Reactor::new();

/// The process-wide reactor.
#[inline]
pub fn reactor() -> &'static GlobalReactor {
    &REACTOR
}
