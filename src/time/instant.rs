//! A monotonic point in time, in nanoseconds since an arbitrary epoch.

use core::ops::{Add, AddAssign, Sub, SubAssign};
use core::time::Duration;

/// A point on the monotonic clock, in nanoseconds since an unspecified epoch
/// (on Linux `CLOCK_MONOTONIC`, roughly boot time; on a microcontroller
/// its timer's count since start-up).
///
/// A `u64` of nanoseconds lasts about 584 years, so the arithmetic saturates at
/// [`Instant::MAX`] instead of wrapping: a deadline that far away simply means
/// "never". The operators (`+`, `-`) saturate too, so that no timer computation
/// in the runtime can panic; use the `checked_*` methods to detect overflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

/// Converts a duration to whole nanoseconds, saturating at `u64::MAX`.
#[inline]
pub(crate) fn duration_nanos_saturating(d: Duration) -> u64 {
    // `as_nanos` is u128; anything above u64::MAX is beyond any real deadline.
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Converts a duration to whole nanoseconds, or `None` if it exceeds `u64`.
#[inline]
fn duration_nanos_checked(d: Duration) -> Option<u64> {
    u64::try_from(d.as_nanos()).ok()
}

impl Instant {
    /// The clock's epoch (nanosecond 0).
    pub const ZERO: Instant = Instant(0);
    /// The latest representable instant; used as "never".
    pub const MAX: Instant = Instant(u64::MAX);

    /// The current time on the platform's monotonic clock (see
    /// [`Driver`](super::Driver)).
    #[inline]
    pub fn now() -> Instant {
        super::driver::now()
    }

    /// Time since `self` (zero if `self` is in the future).
    #[inline]
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// Wraps a raw monotonic nanosecond count.
    #[inline]
    pub const fn from_nanos(nanos: u64) -> Self {
        Instant(nanos)
    }

    /// Returns the raw monotonic nanosecond count.
    #[inline]
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Builds an instant from a `timespec`-like pair, saturating at [`Instant::MAX`].
    ///
    /// Negative seconds (never produced by `CLOCK_MONOTONIC`) clamp to zero.
    #[inline]
    pub const fn from_secs_nanos(secs: i64, nanos: u32) -> Self {
        if secs < 0 {
            return Instant(0);
        }
        let s = (secs as u64).saturating_mul(1_000_000_000);
        Instant(s.saturating_add(nanos as u64))
    }

    /// `self + d`, or `None` if the result does not fit in a `u64` of nanoseconds.
    #[inline]
    pub fn checked_add(self, d: Duration) -> Option<Instant> {
        let n = duration_nanos_checked(d)?;
        self.0.checked_add(n).map(Instant)
    }

    /// `self - d`, or `None` if the result would be before the epoch.
    #[inline]
    pub fn checked_sub(self, d: Duration) -> Option<Instant> {
        let n = duration_nanos_checked(d)?;
        self.0.checked_sub(n).map(Instant)
    }

    /// `self + d`, clamped to [`Instant::MAX`].
    #[inline]
    pub fn saturating_add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(duration_nanos_saturating(d)))
    }

    /// `self - d`, clamped to [`Instant::ZERO`].
    #[inline]
    pub fn saturating_sub(self, d: Duration) -> Instant {
        Instant(self.0.saturating_sub(duration_nanos_saturating(d)))
    }

    /// The time elapsed from `earlier` to `self`, or `None` if `earlier` is later.
    #[inline]
    pub const fn checked_duration_since(self, earlier: Instant) -> Option<Duration> {
        match self.0.checked_sub(earlier.0) {
            Some(n) => Some(Duration::from_nanos(n)),
            None => None,
        }
    }

    /// The time elapsed from `earlier` to `self`; zero if `earlier` is later.
    ///
    /// Saturating like `std::time::Instant::duration_since` (since Rust 1.60):
    /// the reactor computes `deadline.duration_since(now)` for its wait timeout,
    /// and an already-passed deadline must mean "don't wait", not a panic.
    #[inline]
    pub const fn duration_since(self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }

    /// Same as [`Instant::duration_since`]; spelled out for readers who expect it.
    #[inline]
    pub const fn saturating_duration_since(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }

    /// Milliseconds from `now` until `self`, rounded **up** and clamped to
    /// `i32::MAX`: the `timeout` argument of `epoll_pwait`.
    ///
    /// Rounding up matters: a 0.4 ms remainder rounded down would make the
    /// reactor spin with zero timeouts until the deadline passes.
    #[inline]
    pub const fn millis_until_ceil(self, now: Instant) -> i32 {
        let ns = self.0.saturating_sub(now.0);
        let ms = ns / 1_000_000 + !ns.is_multiple_of(1_000_000) as u64;
        if ms > i32::MAX as u64 {
            i32::MAX
        } else {
            ms as i32
        }
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    /// Saturating; see the type documentation.
    #[inline]
    fn add(self, d: Duration) -> Instant {
        self.saturating_add(d)
    }
}

impl AddAssign<Duration> for Instant {
    #[inline]
    fn add_assign(&mut self, d: Duration) {
        *self = self.saturating_add(d);
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    /// Saturating; see the type documentation.
    #[inline]
    fn sub(self, d: Duration) -> Instant {
        self.saturating_sub(d)
    }
}

impl SubAssign<Duration> for Instant {
    #[inline]
    fn sub_assign(&mut self, d: Duration) {
        *self = self.saturating_sub(d);
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    /// Saturating like [`Instant::duration_since`].
    #[inline]
    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_ordering() {
        let a = Instant::from_nanos(5);
        assert_eq!(a.as_nanos(), 5);
        assert!(Instant::ZERO < a && a < Instant::MAX);
        assert_eq!(Instant::from_secs_nanos(2, 7).as_nanos(), 2_000_000_007);
        assert_eq!(Instant::from_secs_nanos(-1, 7), Instant::ZERO);
        assert_eq!(Instant::from_secs_nanos(i64::MAX, 0), Instant::MAX);
    }

    #[test]
    fn checked_and_saturating() {
        let t = Instant::from_nanos(1_000);
        assert_eq!(
            t.checked_add(Duration::from_nanos(5)),
            Some(Instant::from_nanos(1_005))
        );
        assert_eq!(Instant::MAX.checked_add(Duration::from_nanos(1)), None);
        assert_eq!(t.checked_add(Duration::MAX), None);
        assert_eq!(t.checked_sub(Duration::from_nanos(1_001)), None);
        assert_eq!(
            t.checked_sub(Duration::from_nanos(1_000)),
            Some(Instant::ZERO)
        );
        assert_eq!(t.saturating_add(Duration::MAX), Instant::MAX);
        assert_eq!(t.saturating_sub(Duration::MAX), Instant::ZERO);
        assert_eq!(t + Duration::MAX, Instant::MAX);
        assert_eq!(t - Duration::from_secs(1), Instant::ZERO);
        let mut u = t;
        u += Duration::from_nanos(1);
        u -= Duration::from_nanos(2);
        assert_eq!(u.as_nanos(), 999);
    }

    #[test]
    fn durations() {
        let a = Instant::from_nanos(10);
        let b = Instant::from_nanos(25);
        assert_eq!(b.duration_since(a), Duration::from_nanos(15));
        assert_eq!(a.duration_since(b), Duration::ZERO);
        assert_eq!(a.checked_duration_since(b), None);
        assert_eq!(b.checked_duration_since(a), Some(Duration::from_nanos(15)));
        assert_eq!(b - a, Duration::from_nanos(15));
        assert_eq!(a.saturating_duration_since(b), Duration::ZERO);
    }

    #[test]
    fn epoll_timeout_rounds_up() {
        let now = Instant::from_nanos(1_000_000_000);
        assert_eq!(now.millis_until_ceil(now), 0);
        assert_eq!((now + Duration::from_nanos(1)).millis_until_ceil(now), 1);
        assert_eq!((now + Duration::from_millis(3)).millis_until_ceil(now), 3);
        assert_eq!(Instant::ZERO.millis_until_ceil(now), 0);
        assert_eq!(Instant::MAX.millis_until_ceil(Instant::ZERO), i32::MAX);
    }
}
