//! Time building blocks for the reactor: a monotonic [`Instant`], the
//! static-capacity [`TimerQueue`] and the pure [`Interval`] schedule.
//!
//! Nothing here reads a clock. The reactor samples `CLOCK_MONOTONIC`, wraps the
//! nanoseconds in [`Instant::from_nanos`], and drives the queue with them; that
//! keeps this module OS-agnostic and fully testable on the host with made-up
//! times.
//!
//! [`Duration`] is `core::time::Duration` re-exported: it is `no_std`, `Copy`,
//! has `const` constructors and is what every Rust user already knows, so a
//! bitwake-specific type would only add conversions.

mod instant;
mod interval;
mod queue;

pub use core::time::Duration;
pub use instant::Instant;
pub use interval::{Interval, MissedTickBehavior};
pub use queue::{TimerError, TimerHandle, TimerQueue};

/// On Linux the timer futures run on the reactor's queue.
#[cfg(all(
    any(feature = "linux", all(test, target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
pub use crate::reactor::{
    Interval as IntervalTimer, Sleep, Timeout, TimeoutError, interval, sleep, sleep_until, timeout,
};
