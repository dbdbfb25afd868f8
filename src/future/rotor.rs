//! [`Rotor`]: a rotating start index for fair selects, without random
//! numbers.

use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// A counter that hands out `0, 1, 2, ...` modulo the caller's count.
///
/// A plain load and store, no read-modify-write: two threads may get the
/// same start, which only makes that one poll less fair, and the type works
/// on targets without compare-and-swap.
#[doc(hidden)]
pub struct Rotor(AtomicUsize);

impl Rotor {
    /// A rotor at 0.
    pub const fn new() -> Self {
        Rotor(AtomicUsize::new(0))
    }

    /// The next start in `0..count` (0 when `count` is 0).
    #[inline]
    pub fn next(&self, count: usize) -> usize {
        let v = self.0.load(Relaxed);
        let start = if v < count { v } else { 0 };
        let next = start + 1;
        self.0.store(if next < count { next } else { 0 }, Relaxed);
        start
    }
}

impl Default for Rotor {
    fn default() -> Self {
        Self::new()
    }
}
