//! Time, written once for every platform: [`Instant`], [`Duration`],
//! [`sleep`], [`sleep_until`], [`timeout`], [`timeout_at`] and [`interval`].
//!
//! The names and meanings follow tokio's `time` module. What differs:
//! [`Sleep`] cannot fail and needs no capacity (each timer lives in its own
//! future, see `queue.rs`); [`interval`] with a zero period is `None` rather
//! than a panic; missed interval ticks are skipped by default.
//!
//! Below these sits the platform's [`Driver`] (a clock and an alarm, see
//! [`driver`]): the Linux reactor, or `bitwake-mcu`'s SysTick / `mtime`
//! timer.
//!
//! [`Duration`] is `core::time::Duration` re-exported: it is `no_std`, `Copy`,
//! has `const` constructors and is what every Rust user already knows.

pub mod driver;
mod instant;
mod interval;
mod queue;
mod schedule;
mod sleep;
mod timeout;

pub use core::time::Duration;
pub use driver::Driver;
pub use instant::Instant;
pub use interval::{Interval, Tick, interval, interval_at};
pub use schedule::MissedTickBehavior;
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Elapsed, Timeout, timeout, timeout_at};
