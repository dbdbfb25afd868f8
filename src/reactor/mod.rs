//! The reactor: epoll readiness and timers for freestanding Linux.
//!
//! The book builds this in chapters 4, 8 and 10 on mio; here it is epoll
//! directly, through the typed syscall layer (never `asm!`). One file per
//! job:
//!
//! * `selector.rs`: the OS layer — epoll and the eventfd that ends a wait;
//! * `registry.rs`, `registration.rs`: the fd table, tokens, register and
//!   deregister, the ticks and waiter lists of the readiness handshake;
//! * `readiness.rs`: the handshake as one future (try the call, wait for an
//!   edge on `EAGAIN`), used by `io` and `net`;
//! * `dispatch.rs`, `batch.rs`: events into wakes, every waiter of an edge;
//! * `timer.rs`: everything about timers;
//! * `driver.rs`: the [`Reactor`] and its park, and where a wake goes.
// Linux only: see "Linux-only modules" in the crate root.
#![cfg(all(
    any(feature = "linux", all(test, target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]

mod batch;
mod dispatch;
mod driver;
mod lock;
mod readiness;
mod registration;
mod registry;
mod selector;
mod timer;

pub use driver::Reactor;
pub use registration::{CapacityError, Direction, Interest, Token};
pub use timer::{Interval, Sleep, Timeout, TimeoutError, interval, sleep, sleep_until, timeout};

/// Registration capacity of the global reactor. Empty slots are zero bytes in
/// `.bss`, so capacity costs address space, not binary size; 16384 covers a
/// C10k server with room to spare.
pub const MAX_REGISTRATIONS: usize = 16384;
/// Timer capacity of the global reactor.
pub const MAX_TIMERS: usize = 16384;

/// The reactor type of the global instance.
pub type GlobalReactor = Reactor<MAX_REGISTRATIONS, MAX_TIMERS>;

static REACTOR: GlobalReactor = Reactor::new();

/// The process-wide reactor.
#[inline]
pub fn reactor() -> &'static GlobalReactor {
    &REACTOR
}
