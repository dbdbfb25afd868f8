//! The parking seam: how an idle executor sleeps and how a waker rouses it.
//!
//! # Contract
//!
//! An [`Executor`](super::Executor) holds a `&'static dyn Park`. When a pass
//! over its tasks polled nothing and nothing is pending, it
//!
//! 0. calls [`Park::spin`] (the default returns at once), and runs again if
//!    the spin saw a ready bit: not parked yet, so wakers meanwhile only set
//!    their bits,
//! 1. stores its own `parked` flag (`SeqCst`),
//! 2. re-checks every ready bitmap (`SeqCst`),
//! 3. calls [`Park::park`] only if still nothing is pending,
//! 4. clears `parked` when `park` returns.
//!
//! A platform that wakes tasks itself at the end of its park (the reactor
//! dispatching epoll events and expired timers) implements
//! [`Park::park_awake`] instead and calls [`Awake::mark`] between its blocking
//! wait and its dispatch. Those wakes then find the executor not parked and
//! set their bits without calling `unpark` — otherwise every dispatched event
//! would cost an eventfd `write`, a spurious return from the next
//! `epoll_pwait` and a `read` to drain it.
//!
//! A waker (any thread, signal handler or interrupt) sets its ready bit and
//! then calls [`Park::unpark`] **only if it saw `parked` set** and was the one
//! to clear it. So `unpark` is rare (at most once per park) and the platform
//! does not need its own "is it sleeping?" test: a reactor writes its eventfd
//! only when the loop is actually parked.
//!
//! Because the waker's check and the executor's sleep are not one atomic step,
//! an implementation must **latch**: an `unpark` that arrives before (or
//! while) `park` is entered must make that `park` return promptly. An eventfd
//! (counter), `std::thread::park` (token), a futex on a flag, or Cortex-M
//! `WFE`/`SEV` (event register) all latch. A bare `WFI` latches only if the
//! wake is an interrupt that is still pending (the usual "mask interrupts, check,
//! `WFI`, unmask" pattern). `park` may return spuriously at any time.
//!
//! The executor reaches the `Park` through its `'static` self, never through a
//! borrowed reference, so a waker can call `unpark` from anywhere. `unpark`
//! must therefore be safe to call from every context the platform wakes from:
//! async-signal-safe on Linux (a `write(2)` to an eventfd is), interrupt-safe
//! on a microcontroller (`SEV` or pending an IRQ is).
//!
//! # Time
//!
//! The executor knows nothing about clocks: it calls `park(None)`. A platform
//! that owns timers (the reactor with the timer queue, an MCU with a tick
//! timer) computes its own deadline inside `park`; the `Option<u64>` (in
//! nanoseconds, or ticks — the implementation's unit) is there for callers that
//! want to bound a park themselves.
//!
//! # Implementations here
//!
//! * [`SpinPark`]: never sleeps (busy polling); the safe default anywhere.
//! * [`HookPark`]: two plain `fn` pointers installed at start-up; what the
//!   default executor uses, so a platform layer can plug in without generics.
//! * `StdPark` (feature `std` or host unit tests): mutex + condvar, for tests.
//!
//! Plugging in (as the reactor does):
//!
//! ```ignore
//! struct EpollPark;
//! impl bitwake::executor::Park for EpollPark {
//!     fn park(&self, _t: Option<u64>) { /* epoll_pwait(ep, .., nearest_timer_ms, ..); drain eventfd */ }
//!     fn unpark(&self) { /* write(eventfd, &1u64) — only called when the loop is parked */ }
//! }
//! static PARK: EpollPark = EpollPark;
//! static EXEC: bitwake::executor::Executor = bitwake::executor::Executor::new(&PARK);
//! ```
//!
//! or, for the default executor used by `bitwake::executor::block_on`:
//! `bitwake::executor::DEFAULT_PARK.install(my_park_fn, my_unpark_fn)`.
//! An MCU layer does the same with `WFE` in `park` and `SEV` in `unpark`.

use super::atomic::{AtomicBool, AtomicPtr, Ordering};

/// A platform's way to sleep until woken. See the [module docs](self).
pub trait Park: Sync {
    /// Sleeps until [`unpark`](Park::unpark) is called (including a call that
    /// happened before this one: implementations latch), until `timeout`
    /// (implementation units, nanoseconds suggested) elapses, or spuriously.
    fn park(&self, timeout: Option<u64>);
    /// Wakes a current or upcoming [`park`](Park::park). Called from any
    /// context the platform wakes from (thread, signal handler, interrupt).
    fn unpark(&self);
    /// What the executor actually calls: [`park`](Park::park), with a handle
    /// to mark the executor awake before returning. Override it when the
    /// park itself wakes tasks after its blocking wait: call
    /// [`awake.mark()`](Awake::mark) first, and those wakes cost no
    /// [`unpark`](Park::unpark).
    #[inline]
    fn park_awake(&self, timeout: Option<u64>, awake: &Awake<'_>) {
        let _ = awake;
        self.park(timeout);
    }
    /// Called by an idle executor *before* it announces its park: may
    /// busy-wait, calling `pending` now and then, for a wake that comes
    /// soon. Returns true if it stopped because `pending()` returned true
    /// (the executor then runs again without parking), false to go on and
    /// park. The executor is not parked meanwhile, so a waker only sets its
    /// ready bit (no [`unpark`](Park::unpark)): a spinning executor costs
    /// its wakers nothing more than a busy one. `pending` reads the ready
    /// state without synchronising; the executor's pass does. The default
    /// does not spin.
    #[inline]
    fn spin(&self, pending: &mut dyn FnMut() -> bool) -> bool {
        let _ = pending;
        false
    }
}

/// The executor's "I am parked" flag, lent to [`Park::park_awake`].
pub struct Awake<'a> {
    parked: &'a AtomicBool,
}

impl<'a> Awake<'a> {
    pub(crate) fn new(parked: &'a AtomicBool) -> Self {
        Self { parked }
    }

    /// Declares the executor awake: from here on a waker only sets its bit;
    /// the executor will look at every bit when the park returns. Idempotent
    /// and safe to skip (the executor does it anyway after the park).
    #[inline]
    pub fn mark(&self) {
        super::ready::end_park(self.parked);
    }

    /// Whether a waker has already cleared the flag (and so called, or is
    /// about to call, [`Park::unpark`]): before [`mark`](Self::mark), true
    /// means an unpark ended (or will end) this park.
    #[inline]
    #[cfg_attr(not(feature = "rt"), allow(dead_code))] // for `rt::cores`
    pub(crate) fn unparked(&self) -> bool {
        !self.parked.load(Ordering::Relaxed)
    }
}

/// A park that never sleeps: the executor busy-polls while idle.
#[derive(Debug, Default, Clone, Copy)]
pub struct SpinPark;

impl Park for SpinPark {
    #[inline]
    fn park(&self, _timeout: Option<u64>) {
        core::hint::spin_loop();
    }
    #[inline]
    fn unpark(&self) {}
}

/// The `park` half of a [`HookPark`].
pub type ParkFn = fn(Option<u64>, &Awake<'_>);

/// The spin of a [`HookPark`] ([`Park::spin`]).
pub(crate) type SpinFn = fn(&mut dyn FnMut() -> bool) -> bool;

/// A park whose behaviour is two `fn` pointers installed at run time.
///
/// Until [`install`](HookPark::install) is called it behaves like
/// [`SpinPark`]. Installing is a pair of atomic stores, so it may race with a
/// running executor harmlessly (the worst case is one spin instead of a sleep).
pub struct HookPark {
    park: AtomicPtr<()>,
    unpark: AtomicPtr<()>,
    /// A [`SpinFn`] or null (no spin): set by the runtime for a run only.
    spin: AtomicPtr<()>,
}

impl HookPark {
    /// A hook with nothing installed (spins).
    pub const fn new() -> Self {
        Self {
            park: AtomicPtr::new(core::ptr::null_mut()),
            unpark: AtomicPtr::new(core::ptr::null_mut()),
            spin: AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    /// Installs the platform's `park` (as [`Park::park_awake`]: it may
    /// ignore its [`Awake`]) and `unpark`. `unpark` must be callable from any
    /// context (see the module docs).
    /// Installing removes a spin installed with `install_spin`.
    pub fn install(&self, park: ParkFn, unpark: fn()) {
        self.spin.store(core::ptr::null_mut(), Ordering::Release);
        self.unpark.store(unpark as *mut (), Ordering::Release);
        self.park.store(park as *mut (), Ordering::Release);
    }

    /// Installs the spin before a park ([`Park::spin`]) until the next
    /// [`install`](Self::install).
    #[cfg_attr(not(feature = "rt"), allow(dead_code))] // for `rt::cores`
    pub(crate) fn install_spin(&self, spin: SpinFn) {
        self.spin.store(spin as *mut (), Ordering::Release);
    }
}

impl Default for HookPark {
    fn default() -> Self {
        Self::new()
    }
}

impl Park for HookPark {
    fn park(&self, timeout: Option<u64>) {
        let flag = AtomicBool::new(true);
        self.park_awake(timeout, &Awake::new(&flag));
    }
    fn park_awake(&self, timeout: Option<u64>, awake: &Awake<'_>) {
        let p = self.park.load(Ordering::Acquire);
        if p.is_null() {
            core::hint::spin_loop();
        } else {
            // SAFETY: the only non-null value ever stored is a `ParkFn` cast
            // to a pointer in `install`; fn and data pointers have the same
            // size on every supported target.
            let f: ParkFn = unsafe { core::mem::transmute::<*mut (), ParkFn>(p) };
            f(timeout, awake);
        }
    }
    fn unpark(&self) {
        let p = self.unpark.load(Ordering::Acquire);
        if !p.is_null() {
            // SAFETY: as in `park_awake`, the only non-null value is a `fn()`.
            let f: fn() = unsafe { core::mem::transmute::<*mut (), fn()>(p) };
            f();
        }
    }
    fn spin(&self, pending: &mut dyn FnMut() -> bool) -> bool {
        let p = self.spin.load(Ordering::Acquire);
        if p.is_null() {
            return false;
        }
        // SAFETY: as in `park_awake`, the only non-null value is a
        // `SpinFn` (stored by `install_spin`).
        let f: SpinFn = unsafe { core::mem::transmute::<*mut (), SpinFn>(p) };
        f(pending)
    }
}

#[cfg(any(test, feature = "std", all(doc, target_os = "linux")))]
pub use std_park::StdPark;

#[cfg(any(test, feature = "std", all(doc, target_os = "linux")))]
mod std_park {
    extern crate std;
    use std::sync::{Condvar, Mutex};
    use std::time::Duration;

    /// Host park for tests: a latched flag under a mutex plus a condvar.
    ///
    /// *Needs the `std` feature.*
    /// Not async-signal-safe (it takes a mutex); fine for threads.
    #[derive(Default)]
    pub struct StdPark {
        flag: Mutex<bool>,
        cv: Condvar,
    }

    impl StdPark {
        /// A new, un-signalled park.
        pub const fn new() -> Self {
            Self {
                flag: Mutex::new(false),
                cv: Condvar::new(),
            }
        }
    }

    impl super::Park for StdPark {
        fn park(&self, timeout: Option<u64>) {
            let mut g = self.flag.lock().unwrap_or_else(|e| e.into_inner());
            while !*g {
                match timeout {
                    None => g = self.cv.wait(g).unwrap_or_else(|e| e.into_inner()),
                    Some(ns) => {
                        let (g2, r) = self
                            .cv
                            .wait_timeout(g, Duration::from_nanos(ns))
                            .unwrap_or_else(|e| e.into_inner());
                        g = g2;
                        if r.timed_out() {
                            break;
                        }
                    }
                }
            }
            *g = false;
        }
        fn unpark(&self) {
            *self.flag.lock().unwrap_or_else(|e| e.into_inner()) = true;
            self.cv.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    #[test]
    fn std_park_latches_an_early_unpark() {
        let p = StdPark::new();
        p.unpark();
        p.park(None); // returns at once: the unpark was latched
        // The latch is consumed: now only the timeout ends the park.
        let t = std::time::Instant::now();
        p.park(Some(20_000_000));
        assert!(t.elapsed() >= std::time::Duration::from_millis(20));
    }

    #[test]
    fn std_park_is_woken_from_another_thread() {
        static P: StdPark = StdPark::new();
        let t = std::thread::spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            P.unpark();
        });
        P.park(None);
        t.join().unwrap();
    }

    #[test]
    fn hook_park_calls_installed_functions() {
        static PARKS: AtomicUsize = AtomicUsize::new(0);
        static UNPARKS: AtomicUsize = AtomicUsize::new(0);
        static LAST: AtomicUsize = AtomicUsize::new(0);
        fn park(t: Option<u64>, _: &Awake<'_>) {
            PARKS.fetch_add(1, SeqCst);
            LAST.store(t.unwrap_or(0) as usize, SeqCst);
        }
        fn unpark() {
            UNPARKS.fetch_add(1, SeqCst);
        }
        let h = HookPark::new();
        h.park(Some(5)); // nothing installed: spins once
        h.unpark();
        assert_eq!((PARKS.load(SeqCst), UNPARKS.load(SeqCst)), (0, 0));
        h.install(park, unpark);
        h.park(Some(7));
        h.unpark();
        assert_eq!((PARKS.load(SeqCst), UNPARKS.load(SeqCst)), (1, 1));
        assert_eq!(LAST.load(SeqCst), 7);
    }
}
