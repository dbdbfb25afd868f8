//! The reactor: epoll readiness for freestanding Linux, and the Linux side
//! of the time seam.
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
//! * `clock.rs`: the Linux time driver (`CLOCK_MONOTONIC`; the alarm is the
//!   park's wait bound);
//! * `driver.rs`: the [`Reactor`] and its park, and where a wake goes.
//!
//! **Needs the `linux` feature** (enabled by `rt`), on x86-64 or aarch64;
//! documented regardless.
// Linux only: see "Linux-only modules" in the crate root.
#![cfg(all(
    any(feature = "linux", all(any(test, doc), target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]

mod batch;
pub(crate) mod clock;
mod dispatch;
mod driver;
mod readiness;
mod registration;
mod registry;
mod selector;

pub use clock::LinuxClock;
pub use driver::Reactor;
pub use registration::{CapacityError, Direction, Interest, Token};

/// Registration capacity of the global reactor. Empty slots are zero bytes in
/// `.bss`, so capacity costs address space, not binary size or memory (slots
/// are reused before fresh ones); 131072 covers a C100k server with room to
/// spare.
pub const MAX_REGISTRATIONS: usize = 131072;
/// The reactor type of the global instance.
pub type GlobalReactor = Reactor<MAX_REGISTRATIONS>;

static REACTOR: GlobalReactor = Reactor::new();

/// The process-wide reactor.
#[inline]
pub fn reactor() -> &'static GlobalReactor {
    &REACTOR
}
