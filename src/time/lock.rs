//! The lock around the timer queue, chosen by what can fire timers.
//!
//! On a microcontroller the alarm interrupt fires timers, so the queue is
//! guarded by a critical section (interrupts masked: a thread-mode holder
//! cannot be interrupted by a handler that wants the lock). Everywhere else
//! timers are fired by the executor's park, never from a signal handler, so an
//! uncontended spin lock (one atomic swap) is enough; it only spins when
//! futures are polled on several threads at once.

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
    use core::cell::UnsafeCell;
    use core::sync::atomic::{AtomicBool, Ordering};

    /// A value behind a spin lock.
    pub(crate) struct Lock<T> {
        locked: AtomicBool,
        value: UnsafeCell<T>,
    }

    // SAFETY: `value` is only reached inside `with`, between an Acquire swap
    // that took the lock and the Release store that frees it.
    unsafe impl<T: Send> Sync for Lock<T> {}

    impl<T> Lock<T> {
        pub(crate) const fn new(value: T) -> Self {
            Lock {
                locked: AtomicBool::new(false),
                value: UnsafeCell::new(value),
            }
        }

        /// Runs `f` with exclusive access to the value.
        #[inline]
        pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
            while self.locked.swap(true, Ordering::Acquire) {
                while self.locked.load(Ordering::Relaxed) {
                    core::hint::spin_loop();
                }
            }
            /// Unlocks on the way out, also if `f` unwinds.
            struct Unlock<'a>(&'a AtomicBool);
            impl Drop for Unlock<'_> {
                fn drop(&mut self) {
                    self.0.store(false, Ordering::Release);
                }
            }
            let _unlock = Unlock(&self.locked);
            // SAFETY: the swap above made this the only holder until `_unlock`
            // is dropped.
            f(unsafe { &mut *self.value.get() })
        }
    }
}

pub(crate) use imp::Lock;
