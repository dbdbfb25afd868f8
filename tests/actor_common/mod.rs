//! A time driver for the actor tests that run without bitwake's `linux`
//! feature (Miri): supervisors read the clock for their restart intensity.
//! With the feature the crate's own clock is used and this one is unused.

use bitwake::time::{Driver, Instant};
use std::sync::OnceLock;

pub struct StdClock;

impl Driver for StdClock {
    fn now(&self) -> Instant {
        static START: OnceLock<std::time::Instant> = OnceLock::new();
        let start = START.get_or_init(std::time::Instant::now);
        Instant::from_nanos(start.elapsed().as_nanos() as u64 + 1)
    }
    // Nothing here sleeps on a timer.
    fn set_alarm(&self, _: Instant) {}
}

bitwake::time_driver!(StdClock);
