//! The crate's two locks, for state shared by tasks (and, on a
//! microcontroller, interrupt handlers): never for wakers, which are atomic.
//!
//! * `SpinLock` (`spin.rs`, not on microcontrollers): an uncontended spin lock (one atomic swap). Enough where
//!   the state is only touched by futures being polled and by the executor's
//!   park, never from a signal handler: the reactor's tables.
//! * [`Lock`]: what timers and `sync` use, chosen by what can reach the
//!   state. On a microcontroller an interrupt handler can (the alarm fires
//!   timers, a handler may send on a channel), so it is a critical section
//!   (interrupts masked: a thread-mode holder cannot be interrupted by a
//!   handler that wants the lock). Everywhere else it is the spin lock.

// Not on microcontrollers: some have no atomic swap, and nothing there
// spins.
#[cfg(not(all(
    target_os = "none",
    not(any(target_arch = "x86_64", target_arch = "aarch64"))
)))]
pub(crate) mod spin;

#[cfg(all(
    target_os = "none",
    not(any(target_arch = "x86_64", target_arch = "aarch64"))
))]
mod imp {
    use core::cell::RefCell;

    /// A value behind a critical section.
    pub(crate) struct Lock<T>(critical_section::Mutex<RefCell<T>>);

    impl<T> Lock<T> {
        pub(crate) const fn new(value: T) -> Self {
            Lock(critical_section::Mutex::new(RefCell::new(value)))
        }

        /// Runs `f` with exclusive access to the value.
        #[inline]
        pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
            critical_section::with(|cs| f(&mut self.0.borrow_ref_mut(cs)))
        }
    }
}

#[cfg(not(all(
    target_os = "none",
    not(any(target_arch = "x86_64", target_arch = "aarch64"))
)))]
mod imp {
    use super::spin::SpinLock;

    /// A value behind the spin lock.
    pub(crate) struct Lock<T>(SpinLock<T>);

    impl<T> Lock<T> {
        pub(crate) const fn new(value: T) -> Self {
            Lock(SpinLock::new(value))
        }

        /// Runs `f` with exclusive access to the value (the guard unlocks
        /// also if `f` unwinds).
        #[inline]
        pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
            f(&mut self.0.lock())
        }
    }
}

pub(crate) use imp::Lock;
