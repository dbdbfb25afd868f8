//! [`Mutex`]: an async lock that hands itself to the longest waiter.
//!
//! Releasing the lock while tasks wait does not unlock it: ownership passes
//! to the first waiter, which the release wakes. So a task that keeps
//! re-locking in a loop cannot starve the others, and a waiter whose node
//! was taken off the list knows it holds the lock. If that waiter's future
//! is dropped before it runs, its `Drop` releases the lock the same way.

use super::Lock;
use crate::waitlist::{WaitList, Waiter};
use core::cell::UnsafeCell;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// An async mutual-exclusion lock, FIFO-fair, usable from a `static`.
///
/// ```
/// use bitwake::sync::Mutex;
/// static COUNT: Mutex<u32> = Mutex::new(0);
/// *COUNT.try_lock().unwrap() += 1;
/// assert_eq!(*COUNT.try_lock().unwrap(), 1);
/// ```
///
/// Holding the guard across an `.await` is what this lock is for; waiting
/// costs no thread. It is `Sync` when `T: Send`.
pub struct Mutex<T: ?Sized> {
    state: Lock<State>,
    value: UnsafeCell<T>,
}

struct State {
    locked: bool,
    /// Tasks waiting for the lock. Only non-empty while `locked`.
    waiters: WaitList,
}

// SAFETY: the value is only reached through a guard, and at most one guard
// exists at a time (`locked` under the state lock); a guard may be used on
// another thread, which moves access to `T` there, hence `T: Send`.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`.
    pub const fn new(value: T) -> Self {
        Mutex {
            state: Lock::new(State {
                locked: false,
                waiters: WaitList::new(),
            }),
            value: UnsafeCell::new(value),
        }
    }

    /// The value, consuming the mutex.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks, waiting behind every task that asked earlier.
    pub fn lock(&self) -> LockFuture<'_, T> {
        LockFuture {
            mutex: self,
            waiting: false,
            waiter: Waiter::new(),
        }
    }

    /// Locks if the lock is free now and nobody waits for it.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let got = self
            .state
            .with(|s| !core::mem::replace(&mut s.locked, true));
        got.then(|| MutexGuard::new(self))
    }

    /// The value, through exclusive access to the mutex (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// Releases the lock held by a guard or by a woken waiter: hands it to
    /// the first waiter, or unlocks if there is none.
    fn release(&self) {
        let next = self.state.with(|s| {
            let next = s.waiters.take();
            if next.is_none() {
                s.locked = false;
            }
            next
        });
        if let Some(w) = next {
            w.wake();
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: ?Sized> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (locked, waiters) = self.state.with(|s| (s.locked, s.waiters.len()));
        f.debug_struct("Mutex")
            .field("locked", &locked)
            .field("waiters", &waiters)
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Mutex::lock`]. `!Unpin`: its waiter node is
/// linked into the mutex while it waits. Dropping it gives up its place, or
/// the lock if it was already handed over.
#[must_use = "futures do nothing unless awaited"]
pub struct LockFuture<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// Whether `waiter` was pushed and not yet accounted for: still linked,
    /// or taken off the list by a release that handed over the lock.
    waiting: bool,
    waiter: Waiter,
}

impl<'a, T: ?Sized> Future for LockFuture<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        // SAFETY: `waiter` is never moved out of the pinned future, and
        // `Drop` unlinks it before its memory can be reused.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above (structural pinning of `waiter`).
        let waiter = unsafe { Pin::new_unchecked(&this.waiter) };
        let waiting = &mut this.waiting;
        let got = this.mutex.state.with(|s| {
            if *waiting {
                if waiter.is_linked() {
                    // SAFETY: under the state lock; this node only ever joins
                    // this mutex's list; `Drop` removes it.
                    unsafe { s.waiters.push(waiter, cx.waker()) };
                    return false;
                }
                // Taken off the list by a release: the lock is ours.
                *waiting = false;
                return true;
            }
            if !s.locked {
                s.locked = true;
                return true;
            }
            // SAFETY: as above.
            unsafe { s.waiters.push(waiter, cx.waker()) };
            *waiting = true;
            false
        });
        if got {
            Poll::Ready(MutexGuard::new(this.mutex))
        } else {
            Poll::Pending
        }
    }
}

impl<T: ?Sized> Drop for LockFuture<'_, T> {
    fn drop(&mut self) {
        if !self.waiting {
            return;
        }
        // SAFETY: the future was pinned when `waiting` was set, and this is
        // the node's last use.
        let waiter = unsafe { Pin::new_unchecked(&self.waiter) };
        let removed: Result<Option<Waker>, ()> = self.mutex.state.with(|s| {
            if waiter.is_linked() {
                // SAFETY: under the state lock; the node is in this list.
                Ok(unsafe { s.waiters.remove(waiter) })
            } else {
                Err(())
            }
        });
        match removed {
            Ok(w) => drop(w),
            // The lock was handed to us and nobody will use it: pass it on.
            Err(()) => self.mutex.release(),
        }
    }
}

/// Exclusive access to a [`Mutex`]'s value; dropping it releases the lock
/// (to the first waiter, if any).
#[must_use = "the lock is released when the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// Not `Send`/`Sync` by default: the impls below add exactly what is
    /// sound.
    _not_auto: PhantomData<*const ()>,
}

// SAFETY: the guard gives `&mut T`, which may move to another thread with it
// when `T: Send`; releasing from another thread is fine (the state lock is
// not thread-bound).
unsafe impl<T: ?Sized + Send> Send for MutexGuard<'_, T> {}
// SAFETY: a shared guard only gives `&T`, which is sharable when `T: Sync`.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    fn new(mutex: &'a Mutex<T>) -> Self {
        MutexGuard {
            mutex,
            _not_auto: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard is the one holder of the lock.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard is the one holder of the lock, and `&mut self`
        // makes this the one reference through it.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.release();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
