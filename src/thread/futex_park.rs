//! An executor park on a futex: for executors that have no reactor to
//! sleep in (pure computation, or a core whose I/O lives elsewhere).

use crate::executor::Park;
use crate::sys::{self, Timespec};
use core::sync::atomic::{AtomicU32, Ordering::*};

/// A [`Park`] that sleeps in `futex(FUTEX_WAIT)` on a latch word.
///
/// The word is 1 when an unpark is pending. `park` consumes it (returns at
/// once if it was set) or sleeps while it is 0; `unpark` sets it and issues
/// a `FUTEX_WAKE` only when it found it 0 (a second unpark before the park
/// consumes the first costs no syscall). Async-signal-safe: one atomic swap
/// and at most one syscall, no lock.
pub struct FutexPark {
    word: AtomicU32,
}

impl FutexPark {
    /// A park with no unpark pending.
    pub const fn new() -> Self {
        FutexPark {
            word: AtomicU32::new(0),
        }
    }
}

impl Default for FutexPark {
    fn default() -> Self {
        Self::new()
    }
}

impl Park for FutexPark {
    fn park(&self, timeout: Option<u64>) {
        if self.word.swap(0, Acquire) == 1 {
            return;
        }
        let ts = timeout.map(Timespec::from_nanos);
        // EAGAIN (an unpark came in between), EINTR (a signal) and
        // ETIMEDOUT all end the park; a park may return spuriously.
        let _ = sys::futex_wait(&self.word, 0, ts.as_ref());
        // Consume an unpark that ended (or raced with the end of) this park;
        // Acquire pairs with the unparker's Release swap. An unpark lost this
        // way is harmless: the executor re-checks every ready bit after a
        // park, and the waker set its bit before unparking.
        self.word.swap(0, Acquire);
    }

    fn unpark(&self) {
        if self.word.swap(1, Release) == 0 {
            let _ = sys::futex_wake(&self.word, 1);
        }
    }
}
