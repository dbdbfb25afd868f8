//! The harness of the sync loom models: the crate's `Lock` with a loom mutex
//! for the exclusion, and a waker and `block_on` that park loom threads.
//!
//! A model file includes it with `mod sync_loom_common;` and re-exports
//! [`Lock`] at its root, where the sync files reach it as `super::Lock`.
#![allow(dead_code)]

use core::cell::UnsafeCell;
use loom::thread;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};

loom::lazy_static! {
    static ref BIG: loom::sync::Mutex<()> = loom::sync::Mutex::new(());
}

/// The crate's `Lock` (which the sync files reach as `super::Lock`), with a
/// loom mutex for the exclusion (one per model, shared by every lock: loom
/// objects cannot live in a `const fn`), so loom explores every order of the
/// critical sections.
pub(crate) struct Lock<T>(UnsafeCell<T>);

// SAFETY: `with` reaches the value only while holding `BIG`.
unsafe impl<T: Send> Sync for Lock<T> {}

impl<T> Lock<T> {
    pub(crate) const fn new(value: T) -> Self {
        Lock(UnsafeCell::new(value))
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let _g = BIG.lock().unwrap();
        // SAFETY: `BIG` is held, so this is the only access.
        f(unsafe { &mut *self.0.get() })
    }
}

/// A waker that unparks a loom thread.
struct Unpark(thread::Thread);
impl Wake for Unpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// A waker that unparks the calling loom thread.
pub fn waker() -> Waker {
    Waker::from(std::sync::Arc::new(Unpark(thread::current())))
}

/// Polls `f` to completion, parking in between: a lost wake-up leaves every
/// thread parked, which loom reports as a deadlock.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let waker = waker();
    let mut f = pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(&waker)) {
            return v;
        }
        thread::park();
    }
}
